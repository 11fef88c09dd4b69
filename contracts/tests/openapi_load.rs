//! OpenAPI loader: external files, ref chains, cycles, lenient loading, lint codes with lines.

use std::path::Path;

use contracts::fs::RealFs;
use contracts::openapi::{self, OpenApi};
use contracts::Diagnostic;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/openapi")
        .join(name)
}

fn load(name: &str) -> (OpenApi, Vec<Diagnostic>) {
    let l = openapi::load(&RealFs, &fixture(name)).expect("loads");
    let mut d = l.diagnostics;
    d.extend(openapi::lint(&l.contract));
    (l.contract, d)
}

fn codes_at(d: &[Diagnostic]) -> Vec<String> {
    d.iter()
        .map(|d| format!("{}@{}", d.code, d.location().map_or(0, |l| l.line)))
        .collect()
}

#[test]
fn circular_ref_chain_is_reported_and_recursion_is_fine() {
    let (api, d) = load("circular.yaml");
    assert_eq!(codes_at(&d), ["circular-ref@16"]);
    assert!(
        d[0].message.contains("#/components/schemas/A"),
        "{}",
        d[0].message
    );
    // The recursive Node schema resolves (one step), it is not unrolled.
    let node_items = contracts::openapi::Ptr {
        doc: 0,
        pointer: "/components/schemas/Node/properties/children/items".into(),
    };
    let t = api.deref(&node_items).unwrap();
    assert_eq!(t.pointer, "/components/schemas/Node");
}

#[test]
fn external_files_load_relative_to_the_referring_file() {
    let (api, d) = load("external.yaml");
    assert_eq!(api.documents().len(), 3, "root, params.yaml, pet.json");
    assert_eq!(codes_at(&d), ["unresolved-ref@21"]);
    assert!(d[0].message.contains("missing.yaml"));
    // params.yaml's own `#/PetId` resolves inside params.yaml; pet.json refers back to it.
    let op = &api.operations()[0];
    assert_eq!((op.method, op.path), ("get", "/pets/{petId}"));
    let param = api
        .deref(&contracts::openapi::Ptr {
            doc: 0,
            pointer: format!("{}/parameters/0", op.ptr.pointer),
        })
        .unwrap();
    assert_eq!(param.pointer, "/petId");
    let id = api
        .deref(&contracts::openapi::Ptr {
            doc: 2,
            pointer: "/properties/id".into(),
        })
        .unwrap();
    assert_eq!((id.doc, id.pointer.as_str()), (1, "/PetId"));
    let span = api.span(&id).unwrap().location();
    assert!(
        span.file.ends_with("params.yaml") && span.line == 7,
        "{span}"
    );
}

#[test]
fn lint_codes_point_at_lines() {
    let (_, d) = load("lint.yaml");
    let got = codes_at(&d);
    for want in [
        "duplicate-path@9",
        "duplicate-operation-id@11",
        "duplicate-parameter@15",
        "path-parameter-not-in-template@13",
        "path-parameter-not-required@13",
        "path-parameter-not-declared@10",
        "unknown-security-scheme@17",
        "invalid-status-code@19",
        "missing-responses@21",
    ] {
        assert!(got.contains(&want.to_string()), "missing {want} in {got:?}");
    }
    let dup = d
        .iter()
        .find(|d| d.code == "duplicate-operation-id")
        .unwrap();
    assert_eq!(dup.related[0].0.location().line, 6);
    assert!(d.iter().all(|d| d.hint.is_some()));
}

#[test]
fn swagger_2_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.yaml");
    std::fs::write(
        &p,
        "swagger: \"2.0\"\ninfo: {title: x, version: \"1\"}\npaths: {}\n",
    )
    .unwrap();
    let r = openapi::load(&RealFs, &p).unwrap_err();
    let d = &r.diagnostics[0];
    assert_eq!(d.code, "unsupported-version");
    assert!(d.message.contains("2.0"));
    assert!(d.hint.as_deref().unwrap().contains("swagger2openapi"));
    assert_eq!(d.location().unwrap().line, 1);
}
