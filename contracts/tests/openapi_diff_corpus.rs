//! The oasdiff corpus scoreboard (`../shared/corpus/openapi-diff/cases.tsv`): every case's
//! verdict under `--fail-on dangerous` (the corpus counts oasdiff ERR and WARN as breaking).

use std::path::{Path, PathBuf};

use contracts::diff::openapi::source::JsonSource;
use contracts::diff::{Date, DiffOptions, Level, Policy};

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/openapi-diff");
    p.is_dir().then_some(p)
}

fn load(dir: &Path, stem: &str) -> Option<serde_json::Value> {
    for ext in ["yaml", "yml", "json"] {
        let p = dir.join(format!("{stem}.{ext}"));
        if let Ok(text) = std::fs::read_to_string(&p) {
            return serde_saphyr::from_str(&text).ok();
        }
    }
    None
}

#[test]
fn oasdiff_corpus_scoreboard() {
    let Some(dir) = corpus() else {
        eprintln!("!! SKIPPED: ../shared/corpus/openapi-diff is absent");
        return;
    };
    let policy = Policy::default();
    let opts = DiffOptions {
        policy: &policy,
        today: Date::from_ymd(2026, 11, 25).unwrap(),
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
        let (o, n) = (
            JsonSource {
                root: old,
                spans: None,
            },
            JsonSource {
                root: new,
                spans: None,
            },
        );
        let findings = contracts::diff::openapi::diff_sources(&o, &n, &opts);
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
