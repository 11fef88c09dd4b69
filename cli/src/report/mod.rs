//! Diff report formats: text (code frames from both documents), JSON (stable), Markdown (PR
//! comments), SARIF (code scanning), GitHub workflow annotations, JUnit XML.

mod github;
mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

use clap::ValueEnum;
use contracts::diff::policy::Applied;
use contracts::diff::{DiffReport, Level};

/// Output formats of `contract diff` and `contract changelog`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Human-readable, with code frames from both documents.
    Text,
    /// Stable machine-readable JSON (see `docs/diff-json.md`).
    Json,
    /// A Markdown summary that fits a pull-request comment.
    Markdown,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// JUnit XML: one test case per finding.
    Junit,
}

/// What renderers need besides the findings.
pub struct Context<'a> {
    /// Colour the text output.
    pub color: bool,
    /// The gate: findings at or above fail (None = never).
    pub fail_on: Option<Level>,
    /// What the policy did.
    pub applied: &'a Applied,
    /// Group by subject and list everything (the changelog), instead of the gate view.
    pub changelog: bool,
}

/// Renders `report` in `format`.
pub fn render(report: &DiffReport, format: DiffFormat, ctx: &Context<'_>) -> String {
    match format {
        DiffFormat::Text => text::render(report, ctx),
        DiffFormat::Json => json::render(report, ctx),
        DiffFormat::Markdown => markdown::render(report, ctx),
        DiffFormat::Sarif => sarif::render(report, ctx),
        DiffFormat::Github => github::render(report, ctx),
        DiffFormat::Junit => junit::render(report, ctx),
    }
}

/// Whether a finding fails the gate.
pub fn failing(f: &contracts::diff::Finding, ctx: &Context<'_>) -> bool {
    f.accepted.is_none() && ctx.fail_on.is_some_and(|t| f.level >= t)
}

/// The findings grouped by subject, in report order.
pub fn by_subject(report: &DiffReport) -> Vec<(&str, Vec<&contracts::diff::Finding>)> {
    let mut out: Vec<(&str, Vec<&contracts::diff::Finding>)> = Vec::new();
    for f in &report.findings {
        match out.last_mut() {
            Some((s, v)) if *s == f.subject => v.push(f),
            _ => out.push((f.subject.as_str(), vec![f])),
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A synthetic report used by the renderer snapshot tests.
    use contracts::diff::{DiffReport, Finding, Level, Rule};
    use contracts::{ContractKind, SourceFile};

    pub static REMOVED: Rule = Rule {
        id: "response-property-removed",
        kind: ContractKind::OpenApi,
        level: Level::Breaking,
        categories: &[],
        summary: "a response property was removed",
        explain: "",
    };
    pub static ADDED: Rule = Rule {
        id: "response-property-added",
        kind: ContractKind::OpenApi,
        level: Level::Safe,
        categories: &[],
        summary: "a response property was added",
        explain: "",
    };
    pub static ENUM: Rule = Rule {
        id: "response-property-enum-value-added",
        kind: ContractKind::OpenApi,
        level: Level::Dangerous,
        categories: &[],
        summary: "an enum value was added to a response property",
        explain: "",
    };

    fn span_of(file: &std::sync::Arc<SourceFile>, needle: &str) -> contracts::Span {
        let start = file
            .text()
            .find(needle)
            .expect("fixture text has the needle");
        file.span(start, start + needle.len())
    }

    /// No policy applied.
    static NO_POLICY: contracts::diff::policy::Applied = contracts::diff::policy::Applied {
        expired: Vec::new(),
        unused: Vec::new(),
    };

    /// A plain-text rendering context for the snapshot tests.
    pub fn ctx(fail_on: Option<Level>, changelog: bool) -> super::Context<'static> {
        super::Context {
            color: false,
            fail_on,
            applied: &NO_POLICY,
            changelog,
        }
    }

    pub fn report() -> DiffReport {
        let old = SourceFile::new(
            "v1/api.yaml",
            "components:\n  schemas:\n    Pokemon:\n      properties:\n        id: {type: integer}\n        name: {type: string}\n        kind: {enum: [a, b]}\n",
        );
        let new = SourceFile::new(
            "v2/api.yaml",
            "components:\n  schemas:\n    Pokemon:\n      properties:\n        id: {type: integer}\n        types: {type: array}\n        kind: {enum: [a, b, c]}\n",
        );
        DiffReport {
            old_name: "v1/api.yaml".into(),
            new_name: "v2/api.yaml".into(),
            findings: vec![
                Finding::new(
                    &REMOVED,
                    "GET /pokemon/{id}",
                    "response 200 application/json /properties/name",
                    "property `name` was removed from the response",
                )
                .at(
                    Some(span_of(&old, "name")),
                    Some(span_of(&new, "properties")),
                ),
                Finding::new(
                    &ADDED,
                    "GET /pokemon/{id}",
                    "response 200 application/json /properties/types",
                    "property `types` was added to the response",
                )
                .at(None, Some(span_of(&new, "types"))),
                Finding::new(
                    &ENUM,
                    "GET /pokemon/{id}",
                    "response 200 application/json /properties/kind",
                    "enum value `c` was added to response property `kind`",
                )
                .at(
                    Some(span_of(&old, "[a, b]")),
                    Some(span_of(&new, "[a, b, c]")),
                ),
            ],
        }
    }
}
