//! `contract diff` end to end: exit codes, formats, the policy file, git inputs.

use std::process::{Command, Output};

mod common;
use common::*;

const V1: &str = "contracts/examples/pokemon/v1/pokemon.openapi.yaml";
const V2: &str = "contracts/examples/pokemon/v2/pokemon.openapi.yaml";

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn policy(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("contract.yaml");
    std::fs::write(&p, text).unwrap();
    let s = p.display().to_string();
    (dir, s)
}

#[test]
fn exit_codes_follow_fail_on() {
    assert_eq!(contract(&["diff", V1, V2]).status.code(), Some(1));
    assert_eq!(contract(&["diff", V1, V1]).status.code(), Some(0));
    assert_eq!(
        contract(&["diff", "--fail-on", "never", V1, V2])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        contract(&["diff", "--fail-on", "dangerous", V1, V2])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        contract(&["diff", "--fail-on", "sometimes", V1, V2])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(contract(&["diff", V1, "nope.yaml"]).status.code(), Some(2));
    // changelog lists without gating unless asked to.
    assert_eq!(contract(&["changelog", V1, V2]).status.code(), Some(0));
}

#[test]
fn text_report_snapshot() {
    let o = contract(&["diff", V1, V2]);
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout));
}

#[test]
fn json_report_is_stable() {
    let o = contract(&["diff", "--format", "json", V1, V2]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["breaking"], 5);
    assert_eq!(v["summary"]["failing"], 5);
    let f = &v["findings"][0];
    for key in [
        "rule_id", "level", "message", "subject", "path", "old", "new", "failing",
    ] {
        assert!(f.get(key).is_some(), "finding lacks `{key}`: {f}");
    }
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout));
}

#[test]
fn every_format_renders() {
    for (format, needle) in [
        ("markdown", "### API contract changes"),
        ("sarif", "\"version\": \"2.1.0\""),
        (
            "github",
            "::error file=contracts/examples/pokemon/v2/pokemon.openapi.yaml",
        ),
        ("junit", "<testsuites name=\"contract diff\""),
    ] {
        let o = contract(&["diff", "--format", format, V1, V2]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        assert!(out(&o).contains(needle), "{format}: {}", out(&o));
    }
}

#[test]
fn policy_accepts_remaps_and_expires() {
    // Accept every breaking finding of the operation: the gate passes.
    let accept = |expires: &str| {
        format!(
            "accept:\n{}",
            [
                "request-parameter-pattern-added",
                "request-parameter-type-changed",
                "response-property-min-unset",
                "response-property-type-changed",
                "response-property-became-optional",
            ]
            .iter()
            .map(|r| format!("  - rule: {r}\n    at: \"GET /pokemon/{{id}}\"\n    reason: v1 clients are gone\n{expires}"))
            .collect::<String>()
        )
    };
    let (_d, p) = policy(&accept(""));
    let o = contract(&["diff", "--policy", &p, V1, V2]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("accepted by policy"));

    // An expired acceptance fails the gate again and says so.
    let (_d, p) = policy(&accept("    expires: 2026-01-31\n"));
    let o = contract(&["diff", "--policy", &p, "--today", "2026-11-25", V1, V2]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("expired on 2026-01-31"), "{}", out(&o));
    let o = contract(&["diff", "--policy", &p, "--today", "2026-01-01", V1, V2]);
    assert_eq!(o.status.code(), Some(0), "not expired yet: {}", out(&o));

    // Remapping severities per rule id.
    let (_d, p) = policy(
        "severity:\n  request-parameter-pattern-added: safe\n  request-parameter-type-changed: safe\n  response-property-min-unset: dangerous\n  response-property-type-changed: safe\n  response-property-became-optional: dangerous\n",
    );
    assert_eq!(
        contract(&["diff", "--policy", &p, V1, V2]).status.code(),
        Some(0)
    );
    assert_eq!(
        contract(&["diff", "--policy", &p, "--fail-on", "dangerous", V1, V2])
            .status
            .code(),
        Some(1)
    );

    // A reason is mandatory; unknown rule ids and keys are errors with a location.
    let (_d, p) = policy(
        "accept:\n  - rule: request-parameter-type-changed\n    at: \"GET /pokemon/{id}\"\n",
    );
    let o = contract(&["diff", "--policy", &p, V1, V2]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("reason"), "{}", out(&o));
    let (_d, p) = policy("severity:\n  request-parameter-typo: safe\n");
    let o = contract(&["diff", "--policy", &p, V1, V2]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("contract.yaml:2:"), "{}", out(&o));
}

#[test]
fn reads_old_from_git() {
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root())
        .output();
    if !head.is_ok_and(|o| o.status.success()) {
        eprintln!("!! SKIPPED: not a git checkout");
        return;
    }
    let spec = format!("git:HEAD:{V1}");
    let o = contract(&["diff", &spec, V2]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("git:HEAD:contracts/examples/pokemon/v1/pokemon.openapi.yaml:"),
        "{}",
        out(&o)
    );
    let o = contract(&["diff", "git:no-such-rev:x.yaml", V2]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).contains("git fetch"), "{}", out(&o));
}

#[test]
fn explain_prints_the_four_sections() {
    let o = contract(&["explain", "request-property-max-length-decreased"]);
    assert_eq!(o.status.code(), Some(0));
    let s = out(&o);
    for section in [
        "What it detects",
        "Why it breaks clients",
        "Example",
        "How to evolve safely",
    ] {
        assert!(s.contains(section), "{s}");
    }
    assert_eq!(
        contract(&["explain", "no-such-rule"]).status.code(),
        Some(2)
    );
}

#[test]
fn graphql_usage_aware_mode_fails_only_on_changes_operations_use() {
    let (old, new) = (
        "contracts/examples/pokemon/v1/pokemon.graphql",
        "contracts/examples/pokemon/v2/pokemon.graphql",
    );
    assert_eq!(contract(&["diff", old, new]).status.code(), Some(1));
    let o = contract(&[
        "diff",
        "--operations",
        "cli/tests/fixtures/operations/uses-name",
        old,
        new,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("breaks operation(s): PokemonName"),
        "{}",
        out(&o)
    );
    let o = contract(&[
        "diff",
        "--operations",
        "cli/tests/fixtures/operations/ids-only",
        old,
        new,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("no given operation uses it"));
    let o = contract(&[
        "diff",
        "--operations",
        "cli/tests/fixtures/operations/persisted.json",
        old,
        new,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(
        contract(&["diff", "--operations", "nope.json", old, new])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn proto_categories_select_buf_rule_sets() {
    let (old, new) = (
        "contracts/examples/pokemon/v1/pokemon.proto",
        "contracts/examples/pokemon/v2/pokemon.proto",
    );
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["diff", "--format", "json"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[old, new]);
        let o = contract(&all);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        let mut ids: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    assert_eq!(ids(&[]), ["FIELD_NO_DELETE", "FIELD_SAME_TYPE"]);
    assert_eq!(
        ids(&["--category", "wire"]),
        [
            "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
            "FIELD_WIRE_COMPATIBLE_TYPE"
        ]
    );
    // The policy can leave a rule out.
    let (_d, p) = policy("proto:\n  use: [FILE]\n  except: [FIELD_NO_DELETE]\n");
    assert_eq!(ids(&["--policy", &p]), ["FIELD_SAME_TYPE"]);
}

#[test]
fn graphql_and_proto_report_snapshots() {
    for (name, old, new) in [
        (
            "graphql",
            "contracts/examples/pokemon/v1/pokemon.graphql",
            "contracts/examples/pokemon/v2/pokemon.graphql",
        ),
        (
            "proto",
            "contracts/examples/pokemon/v1/pokemon.proto",
            "contracts/examples/pokemon/v2/pokemon.proto",
        ),
    ] {
        for format in ["text", "json", "markdown", "github"] {
            let o = contract(&["diff", "--format", format, old, new]);
            assert_eq!(o.status.code(), Some(1), "{name} {format}");
            insta::assert_snapshot!(
                format!("{name}_{format}"),
                String::from_utf8_lossy(&o.stdout)
            );
        }
    }
}
