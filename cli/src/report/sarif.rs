//! SARIF 2.1.0 for code scanning: one result per finding at the NEW location (the OLD one as a
//! related location), rules described from the registry.

use std::collections::BTreeMap;

use contracts::diff::{DiffReport, Finding, Level};
use contracts::Span;
use serde_json::{json, Value};

use super::{failing, Context};

pub fn render(report: &DiffReport, ctx: &Context<'_>) -> String {
    let mut rules = BTreeMap::new();
    for f in &report.findings {
        rules.entry(f.rule.id).or_insert_with(|| {
            json!({
                "id": f.rule.id,
                "shortDescription": { "text": f.rule.summary },
                "fullDescription": { "text": f.rule.summary },
                "help": { "text": if f.rule.explain.is_empty() { f.rule.summary } else { f.rule.explain } },
                "defaultConfiguration": { "level": sarif_level(f.rule.level, false) },
                "properties": { "severity": f.rule.level.as_str() },
            })
        });
    }
    let rule_index: BTreeMap<&str, usize> =
        rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, ctx, rule_index.get(f.rule.id).copied().unwrap_or(0)))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "contract",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn sarif_level(level: Level, failing: bool) -> &'static str {
    match (level, failing) {
        (_, true) | (Level::Breaking, _) => "error",
        (Level::Dangerous, _) => "warning",
        (Level::Safe, _) => "note",
    }
}

fn location(span: &Span, label: &str) -> Value {
    let l = span.location();
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": l.file },
            "region": {
                "startLine": l.line, "startColumn": l.column,
                "endLine": l.end_line, "endColumn": l.end_column,
            },
        },
        "message": { "text": label },
    })
}

fn result(f: &Finding, ctx: &Context<'_>, rule_index: usize) -> Value {
    let primary = f.new.as_ref().or(f.old.as_ref());
    let mut r = json!({
        "ruleId": f.rule.id,
        "ruleIndex": rule_index,
        "level": sarif_level(f.level, failing(f, ctx)),
        "message": { "text": format!("{} ({})", f.message, f.location_key()) },
        "locations": primary.map(|s| vec![location(s, "here")]).unwrap_or_default(),
        "partialFingerprints": { "contractFinding/v1": format!("{}|{}", f.rule.id, f.location_key()) },
        "properties": { "severity": f.level.as_str(), "subject": f.subject, "path": f.path },
    });
    if let (Some(old), Some(_)) = (&f.old, &f.new) {
        r["relatedLocations"] = json!([location(old, "before the change")]);
    }
    if let Some(a) = &f.accepted {
        r["suppressions"] = json!([{ "kind": "external", "justification": a.reason }]);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn sarif_report() {
        let ctx = fixture::ctx(Some(Level::Breaking), false);
        let out = render(&fixture::report(), &ctx);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 3);
        insta::assert_snapshot!(out);
    }
}
