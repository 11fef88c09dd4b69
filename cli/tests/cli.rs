//! End-to-end tests of the `contract` binary: exit codes, code frames, JSON output.

use std::process::Output;

mod common;
use common::*;

fn all_output(o: &Output) -> String {
    format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(contract(&[]).status.code(), Some(2));
    assert_eq!(contract(&["lint"]).status.code(), Some(2));
    assert_eq!(
        contract(&["lint", "--format", "xml", "x"]).status.code(),
        Some(2)
    );
    assert_eq!(contract(&["--help"]).status.code(), Some(0));
}

#[test]
fn missing_input_exits_2_and_names_it() {
    let o = contract(&["lint", "does/not/exist.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        all_output(&o).contains("does/not/exist.yaml"),
        "{}",
        all_output(&o)
    );
}

#[test]
fn bundled_examples_are_clean() {
    for v in ["v1", "v2"] {
        let dir = format!("contracts/examples/pokemon/{v}");
        let o = contract(&["lint", &dir]);
        assert_eq!(o.status.code(), Some(0), "{dir}: {}", all_output(&o));
        assert!(all_output(&o).contains("3 contract(s) checked: 0 error(s), 0 warning(s)"));
    }
}

#[test]
fn unresolved_ref_is_located_with_a_code_frame() {
    let o = contract(&["lint", "cli/tests/fixtures/unresolved-ref.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
    let out = stdout(&o);
    assert!(out.contains("unresolved-ref"), "{out}");
    assert!(
        out.contains("cli/tests/fixtures/unresolved-ref.yaml:21:"),
        "{out}"
    );
    assert!(out.contains("#/components/schemas/Missing"), "{out}");
    assert!(out.contains('^'), "a caret marks the place: {out}");
}

#[test]
fn json_format_carries_the_same_findings() {
    let o = contract(&[
        "lint",
        "--format",
        "json",
        "cli/tests/fixtures/unresolved-ref.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let d = &v["contracts"][0]["diagnostics"][0];
    assert_eq!(d["code"], "unresolved-ref");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["location"]["line"], 21);
    assert!(d["hint"].is_string());
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn fail_on_never_exits_0_with_findings() {
    let o = contract(&[
        "lint",
        "--fail-on",
        "never",
        "cli/tests/fixtures/unresolved-ref.yaml",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("unresolved-ref"));
}

#[test]
fn yaml_syntax_error_is_refused_with_location() {
    let o = contract(&["lint", "cli/tests/fixtures/syntax-error.yaml"]);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    assert!(
        stdout(&o).contains("cli/tests/fixtures/syntax-error.yaml:"),
        "{}",
        all_output(&o)
    );
}

#[test]
fn graphql_unknown_type_is_a_finding() {
    let o = contract(&["lint", "cli/tests/fixtures/unknown-type.graphql"]);
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
    let out = stdout(&o);
    assert!(out.contains("unknown-type"), "{out}");
    assert!(out.contains("unknown-type.graphql:2:"), "{out}");
}

#[test]
fn proto_missing_import_is_located() {
    let o = contract(&["lint", "cli/tests/fixtures/missing-import"]);
    let code = o.status.code();
    assert!(code == Some(1) || code == Some(2), "{}", all_output(&o));
    let out = stdout(&o);
    assert!(out.contains("import-not-found"), "{out}");
    assert!(out.contains("a.proto:5:"), "{out}");
}

#[test]
fn kind_flag_overrides_detection() {
    // A GraphQL file forced to be read as OpenAPI is refused, not misread.
    let o = contract(&[
        "lint",
        "--kind",
        "openapi",
        "cli/tests/fixtures/unknown-type.graphql",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
}
