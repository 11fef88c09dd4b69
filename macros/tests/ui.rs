//! trybuild cases: the macros' error messages, a service missing a method, and the code
//! generated for the bundled example contracts compiled with `#![deny(warnings)]` (the same
//! text the insta snapshots in `codegen/tests/snapshots` hold).
//!
//! The cases name contracts relative to their `CARGO_MANIFEST_DIR`, which under trybuild is its
//! project directory (`<target>/tests/trybuild/contract-macros`): the contracts are copied there
//! first.

use std::path::{Path, PathBuf};

use contracts::fs::RealFs;
use contracts::LoadOptions;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// The generated module for a contract (relative to the workspace), as a
/// `#![deny(warnings)]` program.
fn generated_program(rel: &str, dir: &Path) -> PathBuf {
    let path = workspace().join(rel);
    let opts = LoadOptions::default();
    let inputs = contracts::discover(&RealFs, &path, &opts).unwrap();
    let loaded = contracts::load(&RealFs, &inputs[0], &opts).unwrap();
    let g = contract_codegen::generate(&loaded.contract, &Default::default()).unwrap();
    let name = Path::new(rel)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("contract")
        .replace('.', "_");
    let name = format!(
        "{}_{name}",
        rel.split('/').rev().nth(1).unwrap_or("x").replace('.', "_")
    );
    let file = dir.join(format!("generated_{name}.rs"));
    let text = format!(
        "#![deny(warnings)]\n{}\nfn main() {{}}\n",
        contract_codegen::module_file(&g, rel)
    );
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn ui() {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let project = tmp
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .join("tests/trybuild/contract-macros");
    copy_dir(
        &workspace().join("contracts/examples/pokemon"),
        &project.join("contracts/pokemon"),
    );
    copy_dir(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui/contracts")),
        &project.join("contracts"),
    );
    let generated = tmp.join("contract-macros-generated");
    std::fs::create_dir_all(&generated).unwrap();

    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    for rel in [
        "contracts/examples/pokemon/v1/pokemon.proto",
        "contracts/examples/pokemon/v2/pokemon.proto",
        "contracts/examples/pokemon/v1/pokemon.graphql",
        "codegen/tests/fixtures/graphql/kitchen_sink.graphql",
        "contracts/examples/pokemon/v1/pokemon.openapi.yaml",
        "codegen/tests/fixtures/openapi/pokedex.yaml",
    ] {
        t.pass(generated_program(rel, &generated));
    }
    t.compile_fail("tests/ui/fail/*.rs");
}
