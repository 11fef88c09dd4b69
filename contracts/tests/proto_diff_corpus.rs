//! The buf corpus scoreboard (`../shared/corpus/proto-diff/cases.tsv`): verdicts and exact rule-id
//! sets under buf's default FILE category.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use contracts::diff::{Date, DiffOptions, Policy};
use contracts::fs::RealFs;
use contracts::{ContractKind, LoadOptions};

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/proto-diff");
    p.is_dir().then_some(p)
}

fn load(dir: &Path) -> Option<contracts::proto::ProtoContract> {
    let opts = LoadOptions {
        kind: Some(ContractKind::Proto),
        ..LoadOptions::default()
    };
    let inputs = contracts::discover(&RealFs, dir, &opts).ok()?;
    let input = inputs.into_iter().next()?;
    match contracts::load(&RealFs, &input, &opts).ok()?.contract {
        contracts::Contract::Proto(p) => Some(p),
        _ => None,
    }
}

#[test]
fn buf_corpus_scoreboard() {
    let Some(dir) = corpus() else {
        eprintln!("\n!!!! SKIPPED: ../shared/corpus/proto-diff is absent: the scoreboard did not run !!!!\n");
        return;
    };
    let policy = Policy::default();
    let opts = DiffOptions {
        policy: &policy,
        today: Date::from_ymd(2026, 11, 25).unwrap(),
        graphql_operations: None,
    };
    let cases = std::fs::read_to_string(dir.join("cases.tsv")).unwrap();
    let (mut total, mut verdicts, mut sets) = (0, 0, 0);
    let mut report = Vec::new();
    for line in cases.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (case, expected, ids) = (cols[0], cols[1], cols[2]);
        let want: BTreeSet<&str> = ids.split(',').filter(|s| *s != "-").collect();
        total += 1;
        let (Some(old), Some(new)) = (
            load(&dir.join(case).join("previous")),
            load(&dir.join(case).join("current")),
        ) else {
            report.push(format!("{case}: could not load"));
            continue;
        };
        let f = contracts::diff::proto::diff(&old, &new, &opts);
        let got: BTreeSet<&str> = f.iter().map(|f| f.rule.id).collect();
        let verdict = if got.is_empty() {
            "non-breaking"
        } else {
            "breaking"
        };
        if verdict == expected {
            verdicts += 1;
        }
        if got == want {
            sets += 1;
        } else {
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            report.push(format!(
                "{case}: missing {missing:?}, extra {extra:?}{}",
                if verdict != expected {
                    " (verdict differs)"
                } else {
                    ""
                }
            ));
        }
    }
    let (vp, sp) = (
        100.0 * verdicts as f64 / total as f64,
        100.0 * sets as f64 / total as f64,
    );
    println!("proto-diff (FILE): {verdicts}/{total} verdicts agree ({vp:.1}%), {sets}/{total} exact rule-id sets ({sp:.1}%)");
    for r in &report {
        println!("  {r}");
    }
    // The targets: 97% verdicts, 95% exact rule-id sets (editions files included, read
    // through their proto2 lowering).
    assert!(
        vp >= 97.0,
        "verdict agreement {vp:.1}% is below the 97% target"
    );
    assert!(
        sp >= 95.0,
        "rule-id set agreement {sp:.1}% is below the 95% target"
    );
}

/// `categories.tsv`: the rule-id sets buf reports under each category, compared with ours under
/// the same selection (`proto: {use: [CATEGORY]}`).
#[test]
fn buf_category_scoreboard() {
    let Some(dir) = corpus() else {
        eprintln!("\n!!!! SKIPPED: ../shared/corpus/proto-diff is absent: the scoreboard did not run !!!!\n");
        return;
    };
    let text = std::fs::read_to_string(dir.join("categories.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    let mut loaded = Vec::new();
    for r in &rows {
        let case = dir.join(r[0]);
        loaded.push((load(&case.join("previous")), load(&case.join("current"))));
    }
    for (col, cat) in header.iter().enumerate().take(5).skip(1) {
        let policy = Policy::from_value(&serde_json::json!({"proto": {"use": [cat]}})).unwrap();
        let opts = DiffOptions {
            policy: &policy,
            today: Date::from_ymd(2026, 11, 25).unwrap(),
            graphql_operations: None,
        };
        let (mut verdicts, mut sets, mut total) = (0, 0, 0);
        for (r, pair) in rows.iter().zip(&loaded) {
            let (Some(old), Some(new)) = pair else {
                continue;
            };
            let want: BTreeSet<&str> = r[col].split(',').filter(|s| *s != "-").collect();
            let f = contracts::diff::proto::diff(old, new, &opts);
            let mut seen = BTreeSet::new();
            for x in &f {
                let key = format!("{} {} {} {}", x.rule.id, x.subject, x.path, x.message);
                assert!(seen.insert(key.clone()), "{}: reported twice: {key}", r[0]);
            }
            let got: BTreeSet<&str> = f.iter().map(|f| f.rule.id).collect();
            total += 1;
            verdicts += usize::from(want.is_empty() == got.is_empty());
            sets += usize::from(want == got);
            if want != got {
                println!("  {cat} mismatch {}: buf {want:?}, ours {got:?}", r[0]);
            }
        }
        println!("proto-diff {cat}: {verdicts}/{total} verdicts, {sets}/{total} exact rule-id sets (cases that load)");
    }
}
