//! Snapshots of the code generated for the bundled example contracts. The same outputs are
//! compiled with `#![deny(warnings)]` by the trybuild cases in `macros/tests/ui.rs`.

use std::path::{Path, PathBuf};

use contract_codegen::{generate, Options};
use contracts::fs::RealFs;
use contracts::LoadOptions;

fn example(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/examples")
        .join(rel)
}

/// Loads and generates; panics (this is a test) with the diagnostics when anything fails.
fn generated(rel: &str) -> String {
    let path = example(rel);
    let opts = LoadOptions::default();
    let inputs = contracts::discover(&RealFs, &path, &opts).unwrap();
    let [input] = inputs.as_slice() else {
        panic!("one contract expected in {rel}")
    };
    let loaded = contracts::load(&RealFs, input, &opts).unwrap_or_else(|e| panic!("{e}"));
    let g = generate(&loaded.contract, &Options::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(g.diagnostics.is_empty(), "{:?}", g.diagnostics);
    g.code
}

#[test]
fn pokemon_v1_proto() {
    insta::assert_snapshot!(generated("pokemon/v1/pokemon.proto"));
}

#[test]
fn pokemon_v2_proto() {
    insta::assert_snapshot!(generated("pokemon/v2/pokemon.proto"));
}

#[test]
fn pokemon_v1_graphql() {
    insta::assert_snapshot!(generated("pokemon/v1/pokemon.graphql"));
}

#[test]
fn kitchen_sink_graphql() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/graphql/kitchen_sink.graphql");
    insta::assert_snapshot!(generated(path.to_str().unwrap()));
}

#[test]
fn pokemon_v1_openapi() {
    insta::assert_snapshot!(generated("pokemon/v1/pokemon.openapi.yaml"));
}

#[test]
fn pokedex_openapi() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi/pokedex.yaml");
    insta::assert_snapshot!(generated(path.to_str().unwrap()));
}

#[test]
fn annotated_references_are_the_named_type_and_nullable_scalars_are_options() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi/wrappers.yaml");
    insta::assert_snapshot!(generated(path.to_str().unwrap()));
}
