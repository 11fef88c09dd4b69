//! Generated documentation must be current.

#[test]
fn rule_catalogue_is_current() {
    let path = contract_tests::workspace_root().join("docs/rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == contracts::diff::catalogue::markdown(),
        "docs/rules.md is stale: run `cargo xtask docs` and commit the result"
    );
}
