//! Source files and spans: every element of a loaded contract can say where it came from.

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

/// One input file held in memory, with a line index for offset → line:column conversion.
#[derive(Debug)]
pub struct SourceFile {
    name: String,
    text: Arc<str>,
    /// Byte offset of each line start, computed on first use (large files are often loaded
    /// without ever reporting a location).
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// Wraps `text` read from the file displayed as `name` (a path as the user gave it, or
    /// `git:REV:path`).
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Arc<Self> {
        Arc::new(SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        })
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            starts
        })
    }

    /// The name used in reports.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of a byte offset; offsets past the end clamp.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let start = starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line as u32 + 1, col as u32 + 1)
    }

    /// Byte offset of a 1-based line and column (in characters); out-of-range values clamp.
    pub fn offset(&self, line: u32, column: u32) -> usize {
        let starts = self.line_starts();
        let line = (line.max(1) as usize - 1).min(starts.len() - 1);
        let start = starts[line];
        let end = starts.get(line + 1).copied().unwrap_or(self.text.len());
        let line_text = &self.text[start..end];
        let col = column.max(1) as usize - 1;
        start
            + line_text
                .char_indices()
                .nth(col)
                .map(|(i, _)| i)
                .unwrap_or(line_text.trim_end_matches(['\n', '\r']).len())
    }

    /// A span over `start..end` (byte offsets) of this file.
    pub fn span(self: &Arc<Self>, start: usize, end: usize) -> Span {
        let start = start.min(self.text.len());
        Span {
            file: Arc::clone(self),
            start,
            end: end.clamp(start, self.text.len()),
        }
    }

    /// Byte offset of a 1-based line and a 0-based *byte* column (as protobuf source info
    /// counts), clamped to the line and to a character boundary.
    pub fn offset_byte_col(&self, line: u32, byte_col: u32) -> usize {
        let starts = self.line_starts();
        let line = (line.max(1) as usize - 1).min(starts.len() - 1);
        let start = starts[line];
        let end = starts.get(line + 1).copied().unwrap_or(self.text.len());
        let mut at = (start + byte_col as usize).min(end);
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    /// A span from 1-based line:column to line:column.
    pub fn span_lc(self: &Arc<Self>, line: u32, col: u32, end_line: u32, end_col: u32) -> Span {
        let start = self.offset(line, col);
        let end = self.offset(end_line, end_col);
        self.span(start, end.max(start))
    }
}

/// A byte range in a [`SourceFile`]. Cheap to clone.
#[derive(Clone)]
pub struct Span {
    /// The file the range is in.
    pub file: Arc<SourceFile>,
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive), `>= start`.
    pub end: usize,
}

impl Span {
    /// Where the span starts and ends, as 1-based lines and columns.
    pub fn location(&self) -> Location {
        let (line, column) = self.file.line_col(self.start);
        let (end_line, end_column) = self.file.line_col(self.end);
        Location {
            file: self.file.name().to_string(),
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The covered text.
    pub fn text(&self) -> &str {
        &self.file.text()[self.start..self.end]
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = self.location();
        write!(f, "{}:{}:{}", l.file, l.line, l.column)
    }
}

impl PartialEq for Span {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.file, &other.file) && self.start == other.start && self.end == other.end
    }
}
impl Eq for Span {}

/// A resolved position: what reports print and serialize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// File name as given by the user.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// 1-based end line.
    pub end_line: u32,
    /// 1-based end column (exclusive).
    pub end_column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_round_trips() {
        let f = SourceFile::new("a.yaml", "ab\ncdé\n\nx");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(7), (2, 4)); // after the two-byte é
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line_col(9), (4, 1));
        assert_eq!(f.offset(2, 3), 5);
        assert_eq!(f.offset(4, 1), 9);
        assert_eq!(f.offset(99, 99), 10);
        let s = f.span_lc(2, 1, 2, 4);
        assert_eq!(s.text(), "cdé");
        assert_eq!(s.location().to_string(), "a.yaml:2:1");
    }
}
