//! GitHub Actions workflow commands: `::error file=…,line=…::message`, one per finding.

use contracts::diff::{DiffReport, Level};

use super::{failing, Context};

pub fn render(report: &DiffReport, ctx: &Context<'_>) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let cmd = match (failing(f, ctx), f.level) {
            (true, _) => "error",
            (_, Level::Safe) => "notice",
            _ => "warning",
        };
        let mut props = Vec::new();
        if let Some(span) = f.new.as_ref().or(f.old.as_ref()) {
            let l = span.location();
            props.push(format!("file={}", prop(&l.file)));
            props.push(format!("line={}", l.line));
            props.push(format!("col={}", l.column));
            props.push(format!("endLine={}", l.end_line));
        }
        props.push(format!(
            "title={}",
            prop(&format!("{} ({})", f.rule.id, f.level))
        ));
        let mut msg = format!("{} at {}", f.message, f.location_key());
        if let Some(a) = &f.accepted {
            msg.push_str(&format!(" — accepted: {}", a.reason));
        }
        out.push_str(&format!("::{cmd} {}::{}\n", props.join(","), data(&msg)));
    }
    let (b, d, s) = report.counts();
    out.push_str(&format!(
        "contract diff: {b} breaking, {d} dangerous, {s} safe\n"
    ));
    out
}

/// Escapes a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn github_annotations() {
        let ctx = fixture::ctx(Some(Level::Breaking), false);
        insta::assert_snapshot!(render(&fixture::report(), &ctx));
        assert_eq!(prop("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
    }
}
