//! JUnit XML: one test case per finding; a failing finding is a `<failure>`.

use contracts::diff::DiffReport;

use super::{failing, Context};

pub fn render(report: &DiffReport, ctx: &Context<'_>) -> String {
    let failures = report.findings.iter().filter(|f| failing(f, ctx)).count();
    let tests = report.findings.len().max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"contract diff\" tests=\"{tests}\" failures=\"{failures}\">\n  <testsuite name=\"{} → {}\" tests=\"{tests}\" failures=\"{failures}\">\n",
        xml(&report.old_name),
        xml(&report.new_name)
    ));
    if report.findings.is_empty() {
        out.push_str("    <testcase classname=\"contract\" name=\"no changes\"/>\n");
    }
    for f in &report.findings {
        let name = format!("{} {}", f.rule.id, f.location_key());
        let loc = f
            .new
            .as_ref()
            .or(f.old.as_ref())
            .map(|s| s.location().to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\">\n",
            xml(&f.subject),
            xml(&name),
            xml(&loc)
        ));
        if failing(f, ctx) {
            out.push_str(&format!(
                "      <failure type=\"{}\" message=\"{}\">{} at {}</failure>\n",
                f.level,
                xml(&f.message),
                xml(&f.message),
                xml(&loc)
            ));
        } else {
            out.push_str(&format!(
                "      <system-out>{}: {}</system-out>\n",
                f.level,
                xml(&f.message)
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;
    use contracts::diff::Level;

    #[test]
    fn junit_report() {
        let ctx = fixture::ctx(Some(Level::Breaking), false);
        insta::assert_snapshot!(render(&fixture::report(), &ctx));
    }
}
