//! `cargo xtask fuzz TARGET [SECONDS]`: seed a libFuzzer corpus from the bundled examples and
//! `../shared/corpus`, then run `cargo fuzz` for a bounded time. Uses the stable toolchain with
//! `RUSTC_BOOTSTRAP=1` (the sanitizer flags are nightly-only).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::fetch::workspace_root;

/// The fuzz targets and the file extensions that seed each.
const TARGETS: &[(&str, &[&str])] = &[
    ("load_openapi", &["yaml", "yml", "json"]),
    ("load_graphql", &["graphql"]),
    ("load_proto", &["proto"]),
    ("validate_request", &["http"]),
];

/// Runs one target (or `all`) for `seconds` each.
pub fn run(args: &[&str]) -> Result<()> {
    let which = args.first().copied().unwrap_or("all");
    let seconds: u64 = match args.get(1) {
        Some(s) => s.parse().context("SECONDS must be a whole number")?,
        None => 60,
    };
    let targets: Vec<_> = TARGETS
        .iter()
        .filter(|(t, _)| which == "all" || *t == which)
        .collect();
    if targets.is_empty() {
        bail!(
            "unknown fuzz target `{which}`; targets: load_openapi, load_graphql, load_proto, all"
        );
    }
    if Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_err()
    {
        bail!("cargo-fuzz is missing: cargo install cargo-fuzz --locked");
    }
    let root = workspace_root();
    for (target, exts) in targets {
        let seeds = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&seeds)?;
        let n = seed(
            &seeds,
            exts,
            &[
                root.join("contracts"),
                root.join("cli/tests"),
                root.join("fuzz/seeds"),
                root.join("../shared/corpus"),
            ],
        )?;
        println!("== {target}: {n} seed files, {seconds} s");
        let status = Command::new("cargo")
            .current_dir(root.join("fuzz"))
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "-O", target])
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-max_len=65536")
            .arg("-timeout=10")
            .arg("-rss_limit_mb=4096")
            .status()?;
        if !status.success() {
            bail!("{target}: the fuzzer found a crash (see fuzz/artifacts/{target}/)");
        }
    }
    Ok(())
}

/// Copies every file with one of `exts` under `dirs` into `dest` (flat, numbered names).
fn seed(dest: &Path, exts: &[&str], dirs: &[PathBuf]) -> Result<usize> {
    let mut n = 0;
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d)? {
                let p = e?.path();
                if p.is_dir() {
                    if !p.ends_with("target") {
                        stack.push(p);
                    }
                } else if p
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| exts.contains(&e))
                    && std::fs::metadata(&p)?.len() <= 65536
                {
                    std::fs::copy(&p, dest.join(format!("seed-{n:05}")))?;
                    n += 1;
                }
            }
        }
    }
    Ok(n)
}
