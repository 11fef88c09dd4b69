//! Rendering diagnostics: code frames with a caret for people, stable JSON for machines.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use contracts::{Diagnostic, Severity, Span};

/// Lines of context shown above and below the marked line.
const CONTEXT_LINES: usize = 2;
/// Longest line shown whole; a longer one (minified JSON) is cut around the span.
const LONG_LINE: usize = 400;
/// Characters kept on each side of the span in a cut line.
const CUT_MARGIN: usize = 80;

/// Renders one diagnostic as a code frame (or a one-line message when it has no location).
pub fn text(d: &Diagnostic, color: bool) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let windows: Vec<(Window, &str, AnnotationKind)> = d
        .span
        .iter()
        .map(|s| (Window::around(s), "", AnnotationKind::Primary))
        .chain(
            d.related
                .iter()
                .map(|(s, label)| (Window::around(s), label.as_str(), AnnotationKind::Context)),
        )
        .collect();
    let labels: Vec<String> = windows.iter().map(|(w, l, _)| w.label(l)).collect();
    let mut group = Group::with_title(level.primary_title(d.message.as_str()).id(d.code));
    for ((w, _, kind), label) in windows.iter().zip(&labels) {
        group = group.element(
            Snippet::source(w.text.as_str())
                .line_start(w.first_line)
                .path(w.file.as_str())
                .annotation((*kind).span(w.range.clone()).label(label.as_str())),
        );
    }
    if d.span.is_none() {
        if let Some(file) = &d.file {
            group = group.element(Level::NOTE.message(format!("in {file}")));
        }
    }
    let mut report = vec![group];
    if let Some(hint) = &d.hint {
        report.push(Group::with_title(
            Level::HELP.secondary_title(hint.as_str()),
        ));
    }
    renderer.render(&report).to_string()
}

/// The lines around a span, cut out of the file so that huge files render fast.
pub struct Window {
    /// File name.
    pub file: String,
    /// The cut-out lines.
    pub text: String,
    /// Line number of the first cut-out line.
    pub first_line: usize,
    /// The span, relative to `text`.
    pub range: std::ops::Range<usize>,
    /// The span's real column when its line was too long and was cut (the frame's own column
    /// counts from the cut).
    pub cut_column: Option<u32>,
}

impl Window {
    /// `label`, with the real column when the line was cut.
    pub fn label(&self, label: &str) -> String {
        match (self.cut_column, label.is_empty()) {
            (None, _) => label.to_string(),
            (Some(c), true) => format!("column {c}"),
            (Some(c), false) => format!("{label} (column {c})"),
        }
    }

    /// The lines around `span`.
    pub fn around(span: &Span) -> Window {
        let src = span.file.text();
        let (line, column) = span.file.line_col(span.start);
        let line_start = src[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[span.start..]
            .find('\n')
            .map_or(src.len(), |i| span.start + i);
        if line_end - line_start > LONG_LINE {
            return Window::cut(span, line, column, line_start, line_end);
        }
        let first_line = (line as usize).saturating_sub(CONTEXT_LINES).max(1);
        let start = span.file.offset(first_line as u32, 1);
        // A span over many lines (a whole mapping entry) is marked on its first line only.
        let first_line_end = src[span.start..]
            .find('\n')
            .map_or(src.len(), |i| span.start + i);
        let span_end = span.end.min(first_line_end.max(span.start));
        let (end_line, _) = span.file.line_col(span_end);
        let last = end_line as usize + CONTEXT_LINES;
        let end = nth_line_end(src, span_end, end_line as usize, last);
        let text = src[start..end].to_string();
        let mut range = span.start - start..span_end - start;
        if range.is_empty() {
            // Give the caret something to point at.
            let next = text[range.start..].chars().next().map_or(0, char::len_utf8);
            range.end = range.start + next;
        }
        Window {
            file: span.file.name().to_string(),
            text,
            first_line,
            range,
            cut_column: None,
        }
    }

    /// The span's own line only, cut to a few dozen characters around it: rendering a
    /// megabyte-long line (minified JSON) once per diagnostic would take seconds each.
    fn cut(span: &Span, line: u32, column: u32, line_start: usize, line_end: usize) -> Window {
        let src = span.file.text();
        let floor = |mut i: usize| {
            while !src.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let ceil = |mut i: usize| {
            while i < src.len() && !src.is_char_boundary(i) {
                i += 1;
            }
            i
        };
        let span_end = span.end.min(line_end).min(span.start + 2 * CUT_MARGIN);
        let a = floor(span.start.saturating_sub(CUT_MARGIN).max(line_start));
        let b = ceil((span_end.max(span.start + 1) + CUT_MARGIN).min(line_end));
        let before = if a > line_start { "…" } else { "" };
        let after = if b < line_end { "…" } else { "" };
        let text = format!("{before}{}{after}", &src[a..b]);
        let start = before.len() + span.start - a;
        let mut end = before.len() + ceil(span_end) - a;
        if end <= start {
            end = start + text[start..].chars().next().map_or(0, char::len_utf8);
        }
        Window {
            file: span.file.name().to_string(),
            text,
            first_line: line as usize,
            range: start..end,
            cut_column: Some(column),
        }
    }
}

/// Byte offset of the end of line `want` (1-based), scanning from `from` which is on line `at`.
fn nth_line_end(src: &str, from: usize, at: usize, want: usize) -> usize {
    let mut line = at;
    for (i, b) in src.as_bytes()[from..].iter().enumerate() {
        if *b == b'\n' {
            if line == want {
                return from + i;
            }
            line += 1;
        }
    }
    src.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::SourceFile;

    #[test]
    fn a_long_line_is_cut_around_the_span_and_keeps_its_real_column() {
        let long = format!(
            "{{\"a\": \"{}\", \"bad\": 1, \"z\": \"{}\"}}",
            "x".repeat(5000),
            "é".repeat(5000)
        );
        let f = SourceFile::new("min.json", long.clone());
        let at = long.find("\"bad\"").unwrap();
        let d = Diagnostic::warning("codegen-degraded", "typed as JSON")
            .with_span(Some(f.span(at, at + 5)));
        let out = text(&d, false);
        assert!(out.len() < 1000, "{out}");
        assert!(out.contains("\"bad\": 1"), "{out}");
        assert!(out.contains(&format!("column {}", at + 1)), "{out}");
        assert!(out.contains('…'), "{out}");
    }

    #[test]
    fn code_frame_points_at_the_span() {
        let f = SourceFile::new("api.yaml", "a: 1\nb: 2\nc: $ref\nd: 4\ne: 5\nf: 6\n");
        let d = Diagnostic::error("unresolved-ref", "`#/x` does not resolve")
            .with_span(Some(f.span(13, 17)))
            .with_hint("point it at an existing component");
        let out = text(&d, false);
        assert!(out.contains("api.yaml:3:4"), "{out}");
        assert!(out.contains("c: $ref"), "{out}");
        assert!(out.contains("^^^^"), "{out}");
        assert!(out.contains("help: point it at"), "{out}");
        assert!(!out.contains("f: 6"), "only two lines of context: {out}");
    }
}
