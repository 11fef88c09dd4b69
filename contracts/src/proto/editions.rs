//! Protobuf editions (`edition = "2023"`), read through the proto2 front end.
//!
//! protox and prost-reflect compile proto2 and proto3 only. An editions file is lowered, line
//! for line, into proto2 text that compiles to the same messages, fields, enums and services:
//! `edition = …` becomes `syntax = "proto2"`, singular fields get the `optional` label proto2
//! wants (`required` for `LEGACY_REQUIRED` presence), and every `features.…` option is taken
//! out. What the features said is resolved here instead (edition defaults, then file, message,
//! enum and field overrides) and kept per element by full name, for the checks that depend on
//! them: presence, open or closed enums, UTF-8 validation, JSON format, C++ string type.
//!
//! Lines stay where they were, so spans still point at the original text.

use std::collections::HashMap;

/// The resolved features of one element of an editions file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    /// `field_presence`: `EXPLICIT`, `IMPLICIT` or `LEGACY_REQUIRED`.
    pub field_presence: String,
    /// `enum_type`: `OPEN` or `CLOSED`.
    pub enum_type: String,
    /// `utf8_validation`: `VERIFY` or `NONE`.
    pub utf8_validation: String,
    /// `json_format`: `ALLOW` or `LEGACY_BEST_EFFORT`.
    pub json_format: String,
    /// `(pb.cpp).string_type`: `STRING`, `CORD` or `VIEW`.
    pub cpp_string_type: String,
    /// `(pb.java).utf8_validation`: `DEFAULT` or `VERIFY`.
    pub java_utf8_validation: String,
}

/// A lowered editions file.
#[derive(Debug, Clone, Default)]
pub struct Lowered {
    /// proto2 text, line for line.
    pub text: String,
    /// The edition (`2023`).
    pub edition: String,
    /// Resolved features by element full name (messages, fields, enums, extensions).
    pub features: HashMap<String, Features>,
}

/// Whether the text's first statement is an `edition` declaration.
pub fn is_editions(text: &str) -> bool {
    first_statement(text).is_some_and(|s| s.starts_with("edition"))
}

fn first_statement(text: &str) -> Option<&str> {
    let toks = tokens(text);
    toks.first().map(|t| &text[t.0..t.1])
}

/// Token byte ranges, comments and whitespace skipped; a string literal is one token.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i = (i + 2).min(b.len());
        } else if c == b'"' || c == b'\'' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.push((start, i));
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push((start, i));
        } else {
            // One character (a multi-byte one whole, so ranges stay on char boundaries).
            let len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push((i, i + len));
            i += len;
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    File,
    Message,
    Enum,
    Oneof,
    Extend,
    Service,
    Other,
}

/// Feature values set at one scope, by feature name (`field_presence`, `(pb.cpp).string_type`).
type Set = Vec<(String, String)>;

struct Lowerer<'t> {
    text: &'t str,
    toks: Vec<(usize, usize)>,
    /// (byte range, replacement), applied at the end.
    edits: Vec<(usize, usize, String)>,
    package: String,
    /// (scope, element full name, features set at it).
    stack: Vec<(Scope, String, Set)>,
    edition: String,
    features: HashMap<String, Features>,
}

/// Lowers an editions file to proto2 text and resolves its features.
pub fn lower(text: &str) -> Lowered {
    let mut l = Lowerer {
        text,
        toks: tokens(text),
        edits: Vec::new(),
        package: String::new(),
        stack: vec![(Scope::File, String::new(), Vec::new())],
        edition: "2023".into(),
        features: HashMap::new(),
    };
    l.run();
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    let mut edits = std::mem::take(&mut l.edits);
    edits.sort_by_key(|e| e.0);
    for (s, e, r) in edits {
        if s < at {
            continue;
        }
        out.push_str(&text[at..s]);
        // Keep the line breaks of what is replaced, so lines do not move.
        out.push_str(&r);
        out.extend(text[s..e].chars().filter(|c| *c == '\n'));
        at = e;
    }
    out.push_str(&text[at..]);
    Lowered {
        text: out,
        edition: l.edition,
        features: l.features,
    }
}

impl Lowerer<'_> {
    fn tok(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| &self.text[t.0..t.1])
    }

    /// Index of the `;` that ends the statement starting at `i` (skipping bracketed parts).
    fn statement_end(&self, mut i: usize) -> usize {
        let mut depth = 0i32;
        while i < self.toks.len() {
            match self.tok(i) {
                "[" | "{" | "(" | "<" => depth += 1,
                "]" | "}" | ")" | ">" => depth -= 1,
                ";" if depth <= 0 => return i,
                _ => {}
            }
            i += 1;
        }
        self.toks.len().saturating_sub(1)
    }

    fn delete(&mut self, from: usize, to: usize) {
        let (s, e) = (self.toks[from].0, self.toks[to].1);
        self.edits.push((s, e, String::new()));
    }

    fn scope(&self) -> Scope {
        self.stack.last().map_or(Scope::File, |s| s.0)
    }

    fn prefix(&self) -> String {
        // The innermost message (or the package) names nested elements.
        for (scope, name, _) in self.stack.iter().rev() {
            if matches!(scope, Scope::Message) {
                return name.clone();
            }
        }
        self.package.clone()
    }

    fn full(&self, name: &str) -> String {
        let p = self.prefix();
        if p.is_empty() {
            name.to_string()
        } else {
            format!("{p}.{name}")
        }
    }

    /// `features.x = V` or `features.(pb.cpp).x = V` starting at token `i` (the `features`
    /// token, possibly `features.x` as one token): (feature name, value, index after value).
    fn feature_at(&self, i: usize) -> Option<(String, String, usize)> {
        let t = self.tok(i);
        if !t.starts_with("features") {
            return None;
        }
        let mut name = t
            .trim_start_matches("features")
            .trim_start_matches('.')
            .to_string();
        let mut j = i + 1;
        while self.tok(j) != "=" && j < self.toks.len() {
            name.push_str(self.tok(j));
            j += 1;
        }
        let value = self.tok(j + 1).to_string();
        Some((name, value, j + 2))
    }

    fn run(&mut self) {
        let mut i = 0;
        while i < self.toks.len() {
            let t = self.tok(i).to_string();
            match (self.scope(), t.as_str()) {
                (_, "}") => {
                    // A message or enum resolves its features when it closes: its own options
                    // may come anywhere in its body.
                    if let Some((scope, full, _)) = self.stack.last() {
                        if matches!(scope, Scope::Message | Scope::Enum) {
                            let f = self.resolve();
                            self.features.insert(full.clone(), f);
                        }
                    }
                    if self.stack.len() > 1 {
                        self.stack.pop();
                    }
                    i += 1;
                }
                (_, ";") => i += 1,
                (Scope::File, "edition") => {
                    let end = self.statement_end(i);
                    self.edition = self.tok(i + 2).trim_matches('"').to_string();
                    let (s, e) = (self.toks[i].0, self.toks[end].1);
                    self.edits.push((s, e, "syntax = \"proto2\";".into()));
                    i = end + 1;
                }
                (Scope::File, "package") => {
                    let end = self.statement_end(i);
                    self.package = (i + 1..end).map(|k| self.tok(k)).collect();
                    i = end + 1;
                }
                (Scope::File, "import") => {
                    let end = self.statement_end(i);
                    // Feature definitions are not needed once features are resolved here.
                    let file = self.tok(end.saturating_sub(1));
                    if file.contains("google/protobuf/cpp_features.proto")
                        || file.contains("google/protobuf/java_features.proto")
                        || file.contains("google/protobuf/go_features.proto")
                    {
                        self.delete(i, end);
                    }
                    i = end + 1;
                }
                (_, "option") => {
                    let end = self.statement_end(i);
                    if let Some((name, value, _)) = self.feature_at(i + 1) {
                        if let Some(top) = self.stack.last_mut() {
                            top.2.push((name, value));
                        }
                        self.delete(i, end);
                    }
                    i = end + 1;
                }
                (_, "message") | (_, "enum") | (_, "service") | (_, "oneof") | (_, "extend")
                    if self.tok(i + 2) == "{" || self.tok(i + 1) == "{" =>
                {
                    let name = self.tok(i + 1).to_string();
                    let scope = match t.as_str() {
                        "message" => Scope::Message,
                        "enum" => Scope::Enum,
                        "service" => Scope::Service,
                        "oneof" => Scope::Oneof,
                        _ => Scope::Extend,
                    };
                    let full = match scope {
                        Scope::Message | Scope::Enum => self.full(&name),
                        _ => self.stack.last().map(|s| s.1.clone()).unwrap_or_default(),
                    };
                    self.stack.push((scope, full, Vec::new()));
                    let mut k = i;
                    while k < self.toks.len() && self.tok(k) != "{" {
                        k += 1;
                    }
                    i = k + 1;
                }
                (Scope::Message | Scope::Oneof | Scope::Extend, "reserved")
                | (Scope::Message | Scope::Oneof | Scope::Extend, "extensions") => {
                    i = self.statement_end(i) + 1;
                }
                (Scope::Message | Scope::Oneof | Scope::Extend, _) => {
                    i = self.field(i);
                }
                (Scope::Enum, _) => {
                    let end = self.statement_end(i);
                    self.strip_bracket_features(i, end);
                    i = end + 1;
                }
                (Scope::Service | Scope::Other | Scope::File, _) => {
                    // rpc bodies and anything else: skip a statement or a block.
                    let mut k = i;
                    while k < self.toks.len() && self.tok(k) != ";" && self.tok(k) != "{" {
                        k += 1;
                    }
                    if self.tok(k) == "{" {
                        self.stack.push((Scope::Other, String::new(), Vec::new()));
                    }
                    i = k + 1;
                }
            }
        }
    }

    /// Removes `features.…` entries from a `[…]` option list in tokens `from..=to`; returns
    /// the features removed.
    fn strip_bracket_features(&mut self, from: usize, to: usize) -> Set {
        let mut found = Vec::new();
        let Some(open) = (from..=to).find(|&k| self.tok(k) == "[") else {
            return found;
        };
        let Some(close) = (open..=to).rev().find(|&k| self.tok(k) == "]") else {
            return found;
        };
        // Entries split by top-level commas.
        let mut entries: Vec<(usize, usize)> = Vec::new();
        let (mut start, mut depth) = (open + 1, 0i32);
        for k in open + 1..close {
            match self.tok(k) {
                "{" | "(" | "[" | "<" => depth += 1,
                "}" | ")" | "]" | ">" => depth -= 1,
                "," if depth == 0 => {
                    entries.push((start, k - 1));
                    start = k + 1;
                }
                _ => {}
            }
        }
        if start < close {
            entries.push((start, close - 1));
        }
        let mut kept = Vec::new();
        for (s, e) in entries.into_iter().filter(|(s, e)| s <= e) {
            match self.feature_at(s) {
                Some((name, value, _)) => found.push((name, value)),
                None => kept.push(self.text[self.toks[s].0..self.toks[e].1].to_string()),
            }
        }
        if !found.is_empty() {
            let (s, e) = (self.toks[open].0, self.toks[close].1);
            let replacement = if kept.is_empty() {
                String::new()
            } else {
                format!("[{}]", kept.join(", "))
            };
            self.edits.push((s, e, replacement));
        }
        found
    }

    /// A field statement starting at `i`; returns the index after it.
    fn field(&mut self, i: usize) -> usize {
        let end = self.statement_end(i);
        let scope = self.scope();
        let own = self.strip_bracket_features(i, end);
        let first = self.tok(i).to_string();
        let labelled = matches!(first.as_str(), "repeated" | "optional" | "required");
        let is_map = first == "map";
        // The name is the token before `=`.
        let name = (i..end)
            .find(|&k| self.tok(k + 1) == "=")
            .map(|k| self.tok(k).to_string())
            .unwrap_or_default();
        let full = match scope {
            Scope::Oneof | Scope::Message => self.full(&name),
            _ => {
                // An extension is named in the scope its `extend` block is declared in.
                self.full(&name)
            }
        };
        let required = own
            .iter()
            .any(|(n, v)| n == "field_presence" && v == "LEGACY_REQUIRED");
        if !labelled && !is_map && scope != Scope::Oneof {
            let label = if required { "required " } else { "optional " };
            let s = self.toks[i].0;
            self.edits.push((s, s, label.to_string()));
        }
        self.stack.push((Scope::Other, full.clone(), own));
        let f = self.resolve();
        self.stack.pop();
        self.features.insert(full, f);
        end + 1
    }

    /// The features in force at the top of the stack.
    fn resolve(&self) -> Features {
        let mut f = Features {
            field_presence: "EXPLICIT".into(),
            enum_type: "OPEN".into(),
            utf8_validation: "VERIFY".into(),
            json_format: "ALLOW".into(),
            cpp_string_type: if self.edition.as_str() >= "2024" {
                "VIEW".into()
            } else {
                "STRING".into()
            },
            java_utf8_validation: "DEFAULT".into(),
        };
        for (_, _, set) in &self.stack {
            for (name, value) in set {
                let slot = match name.as_str() {
                    "field_presence" => &mut f.field_presence,
                    "enum_type" => &mut f.enum_type,
                    "utf8_validation" => &mut f.utf8_validation,
                    "json_format" => &mut f.json_format,
                    "(pb.cpp).string_type" => &mut f.cpp_string_type,
                    "(pb.java).utf8_validation" => &mut f.java_utf8_validation,
                    _ => continue,
                };
                *slot = value.clone();
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowers_line_for_line_and_resolves_features() {
        let text = "edition = \"2023\";\npackage a.b;\nimport \"google/protobuf/java_features.proto\";\noption features.(pb.java).utf8_validation = VERIFY;\nmessage M {\n  option features.field_presence = IMPLICIT;\n  string s = 1;\n  int32 r = 2 [features.field_presence = LEGACY_REQUIRED];\n  repeated int32 xs = 3 [features.repeated_field_encoding = EXPANDED, deprecated = true];\n  map<string, int32> m = 4;\n  oneof o {\n    string one = 5;\n  }\n  enum E { option features.enum_type = CLOSED; E0 = 0; }\n}\nenum Top { T0 = 0; }\n";
        let l = lower(text);
        assert_eq!(l.text.lines().count(), text.lines().count());
        let parsed = protox_parse::parse("a.proto", &l.text);
        assert!(parsed.is_ok(), "{}\n{:?}", l.text, parsed.err());
        assert!(l.text.starts_with("syntax = \"proto2\";"), "{}", l.text);
        assert!(l.text.contains("optional string s = 1;"), "{}", l.text);
        assert!(l.text.contains("required int32 r = 2 ;"), "{}", l.text);
        assert!(
            l.text
                .contains("repeated int32 xs = 3 [deprecated = true];"),
            "{}",
            l.text
        );
        assert!(l.text.contains("  string one = 5;"), "{}", l.text);
        assert!(!l.text.contains("java_features"), "{}", l.text);
        let f = |n: &str| l.features.get(n).cloned().unwrap_or_default();
        assert_eq!(f("a.b.M.s").field_presence, "IMPLICIT");
        assert_eq!(f("a.b.M.s").java_utf8_validation, "VERIFY");
        assert_eq!(f("a.b.M.r").field_presence, "LEGACY_REQUIRED");
        assert_eq!(f("a.b.M.E").enum_type, "CLOSED");
        assert_eq!(f("a.b.Top").enum_type, "OPEN");
        assert_eq!(f("a.b.M.one").utf8_validation, "VERIFY");
        assert!(is_editions(text) && !is_editions("syntax = \"proto3\";"));
    }

    #[test]
    fn odd_input_never_panics() {
        for text in [
            "edition",
            "edition = \"2023\"; message é { ünï = 1 [,]; } } } option features. = ;",
            "edition = \"2023\";\nmessage M { int32 a = 1 [ , features.x = Y, ]; map<",
            "edition = \"2023\"; enum E { A = 0 [features.x = ]; option features",
            "edition = \"2023\"; /* unclosed",
            "edition = \"2023\"; \"unclosed",
            "edition = \"2023\"; message M { oneof { string s = 1; } }",
        ] {
            let l = lower(text);
            assert_eq!(l.text.lines().count(), text.lines().count(), "{text}");
        }
    }
}
