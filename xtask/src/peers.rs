//! Peer tools for side-by-side runs, installed from npm into `target/peers/<tool>/` (never
//! committed): graphql-inspector, buf, optic, Prism.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::fetch::workspace_root;

/// A peer: npm packages to install, extra `package.json` fields, and the binary to run.
pub struct Peer {
    pub name: &'static str,
    pub packages: &'static [&'static str],
    /// Extra JSON merged into package.json (npm `overrides`).
    pub package_json: &'static str,
    pub bin: &'static str,
}

/// Every peer the benchmarks use.
pub const PEERS: &[Peer] = &[
    Peer {
        name: "graphql-inspector",
        packages: &["@graphql-inspector/cli@7", "graphql@16"],
        package_json: "{}",
        bin: "graphql-inspector",
    },
    Peer {
        name: "buf",
        packages: &["@bufbuild/buf@1"],
        package_json: "{}",
        bin: "buf",
    },
    Peer {
        name: "optic",
        packages: &["@useoptic/optic@1"],
        // A fresh install crashes at start unless ajv is pinned.
        package_json: r#"{"overrides":{"ajv":"8.17.1"}}"#,
        bin: "optic",
    },
    Peer {
        name: "prism",
        packages: &["@stoplight/prism-cli@5"],
        package_json: "{}",
        bin: "prism",
    },
];

/// Path of a peer's binary, installing it on first use.
pub fn bin(name: &str) -> Result<PathBuf> {
    let peer = PEERS
        .iter()
        .find(|p| p.name == name)
        .with_context(|| format!("unknown peer `{name}`"))?;
    let dir = workspace_root().join("target/peers").join(peer.name);
    let bin = dir.join("node_modules/.bin").join(peer.bin);
    if bin.exists() {
        return Ok(bin);
    }
    std::fs::create_dir_all(&dir)?;
    let mut pkg: serde_json::Value = serde_json::from_str(peer.package_json)?;
    pkg["name"] = format!("peer-{}", peer.name).into();
    pkg["private"] = true.into();
    std::fs::write(
        dir.join("package.json"),
        serde_json::to_string_pretty(&pkg)?,
    )?;
    eprintln!("installing {} from npm …", peer.packages.join(" "));
    let status = Command::new("npm")
        .current_dir(&dir)
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .args(peer.packages)
        .status()
        .context("running npm (is Node.js installed?)")?;
    if !status.success() || !bin.exists() {
        bail!("installing {} failed", peer.name);
    }
    Ok(bin)
}
