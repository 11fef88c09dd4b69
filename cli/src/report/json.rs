//! JSON: the stable machine-readable report. Its shape is documented in `docs/diff-json.md`;
//! change it only by adding fields.

use contracts::diff::DiffReport;
use serde::Serialize;

use super::{failing, Context};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    old: &'a str,
    new: &'a str,
    fail_on: Option<&'static str>,
    summary: Summary,
    findings: Vec<Item<'a>>,
    policy: Policy<'a>,
}

#[derive(Serialize)]
struct Summary {
    breaking: usize,
    dangerous: usize,
    safe: usize,
    accepted: usize,
    failing: usize,
}

#[derive(Serialize)]
struct Item<'a> {
    #[serde(flatten)]
    finding: &'a contracts::diff::Finding,
    failing: bool,
}

#[derive(Serialize)]
struct Policy<'a> {
    expired: Vec<Entry<'a>>,
    unused: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    rule: &'a str,
    at: &'a str,
    expires: Option<String>,
}

fn entry(a: &contracts::diff::policy::AcceptRule) -> Entry<'_> {
    Entry {
        rule: &a.rule,
        at: &a.at,
        expires: a.expires.map(|d| d.to_string()),
    }
}

pub fn render(report: &DiffReport, ctx: &Context<'_>) -> String {
    let (breaking, dangerous, safe) = report.counts();
    let r = Report {
        version: 1,
        old: &report.old_name,
        new: &report.new_name,
        fail_on: ctx.fail_on.map(|l| l.as_str()),
        summary: Summary {
            breaking,
            dangerous,
            safe,
            accepted: report
                .findings
                .iter()
                .filter(|f| f.accepted.is_some())
                .count(),
            failing: report.findings.iter().filter(|f| failing(f, ctx)).count(),
        },
        findings: report
            .findings
            .iter()
            .map(|f| Item {
                finding: f,
                failing: failing(f, ctx),
            })
            .collect(),
        policy: Policy {
            expired: ctx.applied.expired.iter().map(entry).collect(),
            unused: ctx.applied.unused.iter().map(entry).collect(),
        },
    };
    let mut s =
        serde_json::to_string_pretty(&r).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use contracts::diff::Level;

    #[test]
    fn json_report() {
        let ctx = fixture::ctx(Some(Level::Dangerous), false);
        insta::assert_snapshot!(render(&fixture::report(), &ctx));
    }
}
