//! `cargo xtask corpus NAME`: the scoreboards over `../shared/corpus`, printed in full. The same
//! scoreboards run (and assert their targets) in the default test run.

use std::process::Command;

use anyhow::{bail, Result};

use crate::fetch::workspace_root;

/// Runs the scoreboard test of a corpus with its output shown.
pub fn run(name: Option<&str>) -> Result<()> {
    let (package, test) = match name {
        Some("openapi-diff") => ("contracts", "openapi_diff_corpus"),
        Some("graphql-diff") => ("contracts", "graphql_diff_corpus"),
        Some("proto-diff") => ("contracts", "proto_diff_corpus"),
        Some("load") => ("contract-tests", "integration"),
        other => bail!(
            "unknown corpus {other:?}; available: openapi-diff, graphql-diff, proto-diff, load"
        ),
    };
    let status = Command::new(env!("CARGO"))
        .current_dir(workspace_root())
        .args([
            "test",
            "--release",
            "-q",
            "-p",
            package,
            "--test",
            test,
            "--",
            "--nocapture",
        ])
        .status()?;
    if !status.success() {
        bail!("the {test} scoreboard missed its target");
    }
    Ok(())
}
