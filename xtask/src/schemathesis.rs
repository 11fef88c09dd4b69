//! `cargo xtask schemathesis [--examples N] [--debug-binary]`: Schemathesis (PyPI, installed into
//! `target/peers/schemathesis`) against `contract gateway` in enforce mode, fronting an upstream
//! that conforms to the bundled Pokémon contract.
//!
//! - positive phase: only valid requests; none may be rejected (`positive_data_acceptance`),
//!   and every answer must conform to the contract (status, content type, schema);
//! - negative phase: invalid requests; each must be rejected (`negative_data_rejection`), and
//!   every rejection must be `application/problem+json` (read from the run's HAR log).
//!
//! Exits non-zero when a phase fails, so CI can run it.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::bench_gateway::{gateway, upstream};
use crate::{fetch, measure};

const VERSION: &str = "4.32.5";
const CONTRACT: &str = "contracts/examples/pokemon/v1/pokemon.openapi.yaml";

/// The schemathesis executable, installed on first use.
fn install() -> Result<std::path::PathBuf> {
    let venv = fetch::workspace_root().join("target/peers/schemathesis");
    let bin = venv.join("bin/schemathesis");
    let installed = Command::new(&bin)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(VERSION))
        .unwrap_or(false);
    if installed {
        return Ok(bin);
    }
    println!(
        "installing schemathesis {VERSION} from PyPI into {}",
        venv.display()
    );
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| Command::new(p).arg("--version").output().is_ok())
        .context("python3 is needed for schemathesis (apt install python3 python3-venv)")?;
    let ok = Command::new(python)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()?
        .success()
        && Command::new(venv.join("bin/pip"))
            .args(["install", "-q", &format!("schemathesis=={VERSION}")])
            .status()?
            .success();
    if !ok {
        bail!("installing schemathesis failed (needs python3-venv and PyPI access)");
    }
    Ok(bin)
}

pub fn run(args: &[&str]) -> Result<()> {
    let mut examples = 100;
    let mut debug = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--examples" => examples = it.next().context("--examples N")?.parse::<u32>()?,
            // CI: the debug binary `cargo test` already built, instead of a release build.
            "--debug-binary" => debug = true,
            _ => bail!("usage: cargo xtask schemathesis [--examples N] [--debug-binary]"),
        }
    }
    let st = match install() {
        Ok(st) => st,
        Err(e) => {
            // Exit 3: the tool could not be installed here (CI skips the step loudly).
            eprintln!("schemathesis is unavailable: {e:#}");
            std::process::exit(3);
        }
    };
    let bin = if debug {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "-q", "-p", "contract-cli", "--bin", "contract"])
            .status()?;
        if !status.success() {
            bail!("building the contract binary failed");
        }
        fetch::workspace_root().join("target/debug/contract")
    } else {
        measure::release_binary()?
    };
    let root = fetch::workspace_root();
    let contract = root.join(CONTRACT);
    let up = upstream()?;
    let (_gw, port) = gateway(&bin, &contract, up, "enforce", None)?;
    let url = format!("http://127.0.0.1:{port}");
    let out = root.join("target/schemathesis");
    std::fs::create_dir_all(&out)?;

    let mut failed = Vec::new();
    for (mode, checks) in [
        (
            "positive",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance,positive_data_acceptance",
        ),
        ("negative", "not_a_server_error,negative_data_rejection"),
    ] {
        let har = out.join(format!("{mode}.har"));
        println!("== schemathesis {mode} phase against the gateway ({examples} examples)");
        let status = Command::new(&st)
            .arg("run")
            .arg(&contract)
            .args(["--url", &url, "--mode", mode, "--checks", checks])
            .args(["--max-examples", &examples.to_string(), "--seed", "1"])
            .args(["--report", "har", "--report-har-path"])
            .arg(&har)
            .env("SCHEMATHESIS_TELEMETRY", "false")
            .current_dir(&out)
            .status()
            .context("running schemathesis")?;
        if !status.success() {
            failed.push(format!(
                "{mode}: schemathesis reported failures (see above)"
            ));
        }
        let (total, rejected, not_problem) = rejections(&har)?;
        println!(
            "  {total} requests; {rejected} rejected with 4xx, {not_problem} of them not problem+json"
        );
        if not_problem > 0 {
            failed.push(format!("{mode}: {not_problem} rejections not problem+json"));
        }
        if mode == "negative" && rejected == 0 {
            failed.push("negative: no request was rejected".into());
        }
    }
    if failed.is_empty() {
        println!("schemathesis: both phases pass");
        Ok(())
    } else {
        bail!("schemathesis: {}", failed.join("; "))
    }
}

/// From a HAR log: requests, 4xx answers, and 4xx answers that are not problem+json.
fn rejections(har: &Path) -> Result<(usize, usize, usize)> {
    let text =
        std::fs::read_to_string(har).with_context(|| format!("reading {}", har.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    let entries = v["log"]["entries"].as_array().cloned().unwrap_or_default();
    let mut rejected = 0;
    let mut not_problem = 0;
    for e in &entries {
        let status = e["response"]["status"].as_u64().unwrap_or(0);
        if (400..500).contains(&status) {
            rejected += 1;
            let ct = e["response"]["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|h| {
                    h["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case("content-type"))
                })
                .and_then(|h| h["value"].as_str())
                .or_else(|| e["response"]["content"]["mimeType"].as_str())
                .unwrap_or("");
            if !ct.starts_with("application/problem+json") {
                not_problem += 1;
            }
        }
    }
    Ok((entries.len(), rejected, not_problem))
}
