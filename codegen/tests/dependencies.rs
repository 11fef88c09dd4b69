//! The versions generated crates ask for are the versions this workspace builds and tests the
//! generated code with (its Cargo.lock), so `contract generate` output resolves to tested code.

use contract_codegen::{graphql, openapi, proto};

#[test]
fn generated_dependencies_match_the_workspace_lock_file() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock"))
        .expect("workspace Cargo.lock");
    for dep in [
        proto::PROST,
        proto::PROST_TYPES,
        proto::TONIC,
        proto::TONIC_PROST,
        graphql::ASYNC_GRAPHQL,
        openapi::SERDE,
        openapi::SERDE_JSON,
    ] {
        let entry = format!("name = \"{}\"\nversion = \"{}\"\n", dep.name, dep.version);
        assert!(
            lock.contains(&entry),
            "{} {} is not the version in Cargo.lock: update the constant in contract-codegen",
            dep.name,
            dep.version
        );
    }
}
