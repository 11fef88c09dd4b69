//! Rendering diagnostics: code frames with a caret for people, stable JSON for machines.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use contracts::{Diagnostic, Severity, Span};

/// Lines of context shown above and below the marked line.
const CONTEXT_LINES: usize = 2;

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
    let mut group = Group::with_title(level.primary_title(d.message.as_str()).id(d.code));
    for (w, label, kind) in &windows {
        group = group.element(
            Snippet::source(w.text.as_str())
                .line_start(w.first_line)
                .path(w.file.as_str())
                .annotation((*kind).span(w.range.clone()).label(*label)),
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
}

impl Window {
    /// The lines around `span`.
    pub fn around(span: &Span) -> Window {
        let src = span.file.text();
        let (line, _) = span.file.line_col(span.start);
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
