//! The graphql-inspector corpus scoreboard (`../shared/corpus/graphql-diff/cases.tsv`): the
//! verdict under the default `--fail-on breaking` (dangerous does not fail).

use std::path::{Path, PathBuf};

use contracts::diff::{Date, DiffOptions, Level, Policy};
use contracts::fs::RealFs;
use contracts::graphql;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/graphql-diff");
    p.is_dir().then_some(p)
}

#[test]
fn graphql_inspector_corpus_scoreboard() {
    let Some(dir) = corpus() else {
        eprintln!("\n!!!! SKIPPED: ../shared/corpus/graphql-diff is absent: the scoreboard did not run !!!!\n");
        return;
    };
    let policy = Policy::default();
    let opts = DiffOptions {
        policy: &policy,
        today: Date::from_ymd(2026, 11, 25).unwrap(),
        graphql_operations: None,
    };
    let cases = std::fs::read_to_string(dir.join("cases.tsv")).unwrap();
    let (mut total, mut agree, mut level_agree) = (0, 0, 0);
    let mut mismatches = Vec::new();
    for line in cases.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (case, expected, types) = (cols[0], cols[1], cols[2]);
        let load = |f: &str| graphql::load(&RealFs, &[dir.join(case).join(f)]).map(|l| l.contract);
        let (Ok(old), Ok(new)) = (load("old.graphql"), load("new.graphql")) else {
            mismatches.push(format!("{case}: could not load"));
            total += 1;
            continue;
        };
        let f = contracts::diff::graphql::diff(&old, &new, &opts);
        let top = f.iter().map(|f| f.level).max();
        let got = match top {
            Some(Level::Breaking) => "breaking",
            Some(Level::Dangerous) => "dangerous",
            _ => "non-breaking",
        };
        total += 1;
        let verdict = (got == "breaking") == (expected == "breaking");
        if verdict {
            agree += 1;
        }
        if got == expected {
            level_agree += 1;
        }
        if !verdict {
            let mut ours: Vec<String> = f
                .iter()
                .map(|f| format!("{}:{}", f.rule.id, f.level))
                .collect();
            ours.sort();
            ours.dedup();
            mismatches.push(format!(
                "{case}: expected {expected} [{types}], got {got} [{}]",
                ours.join(",")
            ));
        }
    }
    let pct = 100.0 * agree as f64 / total as f64;
    println!("graphql-diff: {agree}/{total} verdicts agree under --fail-on breaking ({pct:.1}%); highest level identical in {level_agree}/{total}");
    for m in &mismatches {
        println!("  {m}");
    }
    assert!(
        pct >= 97.0,
        "verdict agreement {pct:.1}% is below the 97% target"
    );
}
