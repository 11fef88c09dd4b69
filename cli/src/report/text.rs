//! Text: one block per finding with a code frame from each document that has the element.

use annotate_snippets::{AnnotationKind, Group, Level as SnippetLevel, Renderer, Snippet};
use contracts::diff::{DiffReport, Finding, Level};

use super::{by_subject, failing, Context};
use crate::render::Window;

pub fn render(report: &DiffReport, ctx: &Context<'_>) -> String {
    let renderer = if ctx.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    if ctx.changelog {
        for (subject, findings) in by_subject(report) {
            out.push_str(&format!("{subject}\n"));
            for f in findings {
                out.push_str(&format!(
                    "  - [{}] {} ({})\n",
                    f.level, f.message, f.rule.id
                ));
            }
        }
    } else {
        for f in &report.findings {
            out.push_str(&renderer.render(&[group(f, ctx)]).to_string());
            out.push_str("\n\n");
        }
    }
    out.push_str(&summary(report, ctx));
    out
}

fn group<'a>(f: &'a Finding, ctx: &Context<'_>) -> Group<'a> {
    let level = match (f.level, failing(f, ctx)) {
        (_, true) => SnippetLevel::ERROR,
        (Level::Safe, _) => SnippetLevel::NOTE,
        _ => SnippetLevel::WARNING,
    }
    .with_name(Some(f.level.as_str()));
    let title = level.primary_title(f.message.as_str()).id(f.rule.id);
    let mut g = Group::with_title(title);
    for (span, side) in [(&f.old, "old"), (&f.new, "new")] {
        if let Some(span) = span {
            let w = Window::around(span);
            let label = w.label(side);
            g = g.element(
                Snippet::source(w.text)
                    .line_start(w.first_line)
                    .path(w.file)
                    .annotation(AnnotationKind::Primary.span(w.range).label(label)),
            );
        }
    }
    let mut where_ = f.subject.clone();
    if !f.path.is_empty() {
        where_.push_str(" › ");
        where_.push_str(&f.path);
    }
    g = g.element(SnippetLevel::NOTE.message(format!("at {where_}")));
    if let Some(a) = &f.accepted {
        let until = a
            .expires
            .map(|d| format!(" (until {d})"))
            .unwrap_or_default();
        g = g.element(
            SnippetLevel::NOTE.message(format!("accepted by policy{until}: {}", a.reason)),
        );
    }
    g
}

fn summary(report: &DiffReport, ctx: &Context<'_>) -> String {
    let (b, d, s) = report.counts();
    let accepted = report
        .findings
        .iter()
        .filter(|f| f.accepted.is_some())
        .count();
    let mut out = format!(
        "{} → {}: {b} breaking, {d} dangerous, {s} safe",
        report.old_name, report.new_name
    );
    if accepted > 0 {
        out.push_str(&format!(", {accepted} accepted by policy"));
    }
    out.push('\n');
    for a in &ctx.applied.expired {
        out.push_str(&format!(
            "policy: the acceptance of {} at `{}` expired on {}; it no longer applies\n",
            a.rule,
            a.at,
            a.expires.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    for a in &ctx.applied.unused {
        out.push_str(&format!(
            "policy: the acceptance of {} at `{}` matched nothing; remove it\n",
            a.rule, a.at
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn text_report() {
        let r = fixture::report();
        let ctx = fixture::ctx(Some(Level::Breaking), false);
        insta::assert_snapshot!(render(&r, &ctx));
    }

    #[test]
    fn text_changelog() {
        let r = fixture::report();
        let ctx = fixture::ctx(None, true);
        insta::assert_snapshot!(render(&r, &ctx));
    }
}
