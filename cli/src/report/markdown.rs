//! Markdown: a summary that fits a pull-request comment (tables, collapsed safe changes).

use contracts::diff::{DiffReport, Finding, Level};

use super::{by_subject, failing, Context};

pub fn render(report: &DiffReport, ctx: &Context<'_>) -> String {
    let (b, d, s) = report.counts();
    let mut out = String::new();
    let verdict = if report.findings.iter().any(|f| failing(f, ctx)) {
        "❌ fails the gate"
    } else {
        "✅ passes the gate"
    };
    out.push_str(&format!(
        "### API contract changes: `{}` → `{}`\n\n**{b} breaking**, {d} dangerous, {s} safe — {verdict}",
        report.old_name, report.new_name
    ));
    if let Some(t) = ctx.fail_on {
        out.push_str(&format!(" (`--fail-on {t}`)"));
    }
    out.push_str("\n\n");
    if ctx.changelog {
        for (subject, findings) in by_subject(report) {
            out.push_str(&format!("#### `{}`\n\n", escape(subject)));
            for f in findings {
                out.push_str(&format!(
                    "- {} {} (`{}`)\n",
                    badge(f.level),
                    escape(&f.message),
                    f.rule.id
                ));
            }
            out.push('\n');
        }
        return out;
    }
    for (level, title) in [
        (Level::Breaking, "Breaking"),
        (Level::Dangerous, "Dangerous"),
        (Level::Safe, "Safe"),
    ] {
        let rows: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.level == level)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let collapsed = level == Level::Safe;
        if collapsed {
            out.push_str(&format!(
                "<details><summary>{title} ({})</summary>\n\n",
                rows.len()
            ));
        } else {
            out.push_str(&format!(
                "#### {} {title} ({})\n\n",
                badge(level),
                rows.len()
            ));
        }
        out.push_str("| Change | Where | Rule | Location |\n| --- | --- | --- | --- |\n");
        for f in rows {
            let loc = f
                .new
                .as_ref()
                .or(f.old.as_ref())
                .map(|s| s.location().to_string())
                .unwrap_or_default();
            let mut change = escape(&f.message);
            if let Some(a) = &f.accepted {
                change.push_str(&format!(" *(accepted: {})*", escape(&a.reason)));
            }
            let mut where_ = format!("`{}`", escape(&f.subject));
            if !f.path.is_empty() {
                where_.push_str(&format!(" `{}`", escape(&f.path)));
            }
            out.push_str(&format!(
                "| {change} | {where_} | `{}` | {} |\n",
                f.rule.id,
                escape(&loc)
            ));
        }
        out.push_str(if collapsed { "\n</details>\n\n" } else { "\n" });
    }
    for a in &ctx.applied.expired {
        out.push_str(&format!(
            "> ⚠️ The policy's acceptance of `{}` at `{}` has expired.\n",
            a.rule,
            escape(&a.at)
        ));
    }
    out
}

fn badge(level: Level) -> &'static str {
    match level {
        Level::Breaking => "🔴",
        Level::Dangerous => "🟠",
        Level::Safe => "🟢",
    }
}

/// Escapes what would break a table cell or start markup.
fn escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn markdown_report() {
        let ctx = fixture::ctx(Some(Level::Breaking), false);
        insta::assert_snapshot!(render(&fixture::report(), &ctx));
    }
}
