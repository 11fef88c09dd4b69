//! The oasdiff corpus scoreboard (`../shared/corpus/openapi-diff/cases.tsv`): every case's
//! verdict under `--fail-on dangerous` (the corpus counts oasdiff ERR and WARN as breaking).

use std::path::{Path, PathBuf};

use contracts::diff::{Date, DiffOptions, Level, Policy};
use contracts::fs::RealFs;
use contracts::openapi::{self, OpenApi};

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/openapi-diff");
    p.is_dir().then_some(p)
}

/// Loads `<stem>.yaml|yml|json` with the real loader.
fn load(dir: &Path, stem: &str) -> Option<OpenApi> {
    ["yaml", "yml", "json"]
        .iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
        .and_then(|p| openapi::load(&RealFs, &p).ok())
        .map(|l| l.contract)
}

#[test]
fn oasdiff_corpus_scoreboard() {
    let Some(dir) = corpus() else {
        eprintln!("\n!!!! SKIPPED: ../shared/corpus/openapi-diff is absent: the oasdiff scoreboard did not run !!!!\n");
        return;
    };
    let policy = Policy::default();
    let opts = DiffOptions {
        policy: &policy,
        today: Date::from_ymd(2026, 11, 25).unwrap(),
        graphql_operations: None,
    };
    let cases = std::fs::read_to_string(dir.join("cases.tsv")).unwrap();
    let (mut total, mut agree) = (0, 0);
    let mut mismatches = Vec::new();
    for line in cases.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (case, expected, ids) = (cols[0], cols[1], cols[2]);
        let cdir = dir.join(case);
        let (Some(old), Some(new)) = (load(&cdir, "base"), load(&cdir, "revision")) else {
            mismatches.push(format!("{case}: could not read"));
            total += 1;
            continue;
        };
        let findings = contracts::diff::openapi::diff(&old, &new, &opts);
        let breaking = findings.iter().any(|f| f.level >= Level::Dangerous);
        let got = if breaking { "breaking" } else { "non-breaking" };
        total += 1;
        if got == expected {
            agree += 1;
        } else {
            let mut ours: Vec<String> = findings
                .iter()
                .map(|f| format!("{}:{}", f.rule.id, f.level))
                .collect();
            ours.sort();
            ours.dedup();
            mismatches.push(format!(
                "{case}: expected {expected} [{ids}], got {got} [{}]",
                ours.join(",")
            ));
        }
    }
    println!(
        "openapi-diff: {agree}/{total} verdicts agree ({:.1}%)",
        100.0 * agree as f64 / total as f64
    );
    for m in &mismatches {
        println!("  {m}");
    }
}

/// `cases-with-flags.tsv`: expectations that depend on an oasdiff option, mapped to ours.
#[test]
fn oasdiff_flag_cases() {
    let Some(dir) = corpus() else {
        eprintln!("\n!!!! SKIPPED: ../shared/corpus/openapi-diff is absent: the oasdiff scoreboard did not run !!!!\n");
        return;
    };
    let cases = std::fs::read_to_string(dir.join("cases-with-flags.tsv")).unwrap();
    let (mut total, mut agree) = (0, 0);
    for line in cases.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (case, flags, expected) = (cols[0], cols[1], cols[2]);
        let mut policy = serde_json::json!({});
        let mut unsupported = None;
        for flag in flags.split_whitespace() {
            let (k, v) = flag.split_once('=').unwrap_or((flag, ""));
            match k {
                "--deprecation-days-beta" => {
                    policy["openapi"]["deprecation-days"]["beta"] = v.parse::<i64>().unwrap().into()
                }
                "--deprecation-days-stable" => {
                    policy["openapi"]["deprecation-days"]["stable"] =
                        v.parse::<i64>().unwrap().into()
                }
                // Always on here: allOf is flattened, path-level parameters merged, 3.0 and 3.1
                // compared as one model, path parameters matched by position.
                "--flatten-allof"
                | "--flatten-params"
                | "--auto-upgrade"
                | "--include-path-params" => {}
                "--stability-level" | "alpha" => {}
                other => unsupported = Some(other.to_string()),
            }
        }
        let policy = Policy::from_value(&policy).unwrap();
        let opts = DiffOptions {
            policy: &policy,
            today: Date::from_ymd(2026, 11, 25).unwrap(),
            graphql_operations: None,
        };
        let cdir = dir.join(case);
        let (Some(old), Some(new)) = (load(&cdir, "base"), load(&cdir, "revision")) else {
            println!("  {case}: could not read");
            continue;
        };
        let f = contracts::diff::openapi::diff(&old, &new, &opts);
        let breaking = f.iter().any(|f| f.level >= Level::Dangerous);
        let err = f.iter().any(|f| f.level == Level::Breaking);
        let ok = match expected {
            "breaking" => Some(breaking),
            "non-breaking" => Some(!breaking),
            "no-err" => Some(!err),
            "no-diff" => Some(f.is_empty()),
            "not-detected" => {
                println!(
                    "  {case} [{flags}]: oasdiff misses this without the flag; we report {}",
                    if breaking { "it" } else { "nothing" }
                );
                None
            }
            other => {
                println!("  {case} [{flags}]: `{other}` has no counterpart here (oasdiff option or error mode)");
                None
            }
        };
        if let Some(u) = &unsupported {
            println!("  {case} [{flags}]: option {u} is not supported");
            continue;
        }
        if let Some(ok) = ok {
            total += 1;
            if ok {
                agree += 1;
            } else {
                let ids: Vec<String> = f
                    .iter()
                    .map(|f| format!("{}:{}", f.rule.id, f.level))
                    .collect();
                println!(
                    "  MISMATCH {case} [{flags}]: expected {expected}, got {}",
                    ids.join(",")
                );
            }
        }
    }
    println!("openapi-diff flags: {agree}/{total} comparable expectations agree");
    assert_eq!(agree, total, "a flag expectation regressed");
}
