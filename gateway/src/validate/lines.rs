//! `file:line` for JSON Pointers into the contract, kept after the document itself is dropped.
//!
//! A loaded contract only needs lines for what a violation can point at: the schemas the
//! validator checks with (every node of them, so a failing keyword gets its own line) and the
//! places compiled checks name. The compiler looks those up once while it still has the
//! document and keeps them here as (pointer hash, line) pairs: a few bytes per node instead of
//! the document and its span tree (for GitHub's REST description, megabytes instead of about a
//! hundred).

use std::hash::{Hash, Hasher};

use serde_json::Value;

/// Lines of the pointers a contract's violations can name.
#[derive(Debug, Default)]
pub struct Lines {
    name: String,
    /// Hashes of the kept pointers, sorted.
    hashes: Vec<u64>,
    /// The 1-based line of each, in the same order (two vectors: 12 bytes a pointer, where
    /// pairs would be padded to 16).
    lines: Vec<u32>,
}

fn hash(pointer: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    pointer.hash(&mut h);
    h.finish()
}

/// Collects pointers and their lines while the document is at hand.
pub struct LinesBuilder<'a> {
    line_of: &'a dyn Fn(&str) -> Option<u32>,
    index: Vec<(u64, u32)>,
}

impl<'a> LinesBuilder<'a> {
    /// A builder asking `line_of` (the document's own lookup).
    pub fn new(line_of: &'a dyn Fn(&str) -> Option<u32>) -> Self {
        LinesBuilder {
            line_of,
            index: Vec::new(),
        }
    }

    /// Keeps the line of `pointer`.
    pub fn add(&mut self, pointer: &str) {
        if let Some(line) = (self.line_of)(pointer) {
            self.index.push((hash(pointer), line));
        }
    }

    /// Keeps the line of every node of `value`, which sits at `pointer` (a node on the same
    /// line as its parent is left out: the parent's line answers for it).
    pub fn add_tree(&mut self, pointer: &str, value: &Value) {
        let parent = (self.line_of)(pointer);
        if let Some(line) = parent {
            self.index.push((hash(pointer), line));
        }
        let mut path = pointer.to_string();
        self.walk(&mut path, value, parent);
    }

    fn walk(&mut self, path: &mut String, value: &Value, parent: Option<u32>) {
        let visit = |this: &mut Self, path: &mut String, segment: &str, child: &Value| {
            let len = path.len();
            path.push('/');
            path.push_str(&segment.replace('~', "~0").replace('/', "~1"));
            let line = (this.line_of)(path);
            if let Some(l) = line.filter(|l| Some(*l) != parent) {
                this.index.push((hash(path), l));
            }
            if child.is_object() || child.is_array() {
                this.walk(path, child, line.or(parent));
            }
            path.truncate(len);
        };
        match value {
            Value::Object(m) => {
                for (k, c) in m {
                    visit(self, path, k, c);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    visit(self, path, &i.to_string(), c);
                }
            }
            _ => {}
        }
    }

    /// The finished index for the file shown as `name`.
    pub fn finish(mut self, name: &str) -> Lines {
        self.index.sort_unstable();
        self.index.dedup_by_key(|e| e.0);
        Lines {
            name: name.to_string(),
            hashes: self.index.iter().map(|e| e.0).collect(),
            lines: self.index.iter().map(|e| e.1).collect(),
        }
    }
}

impl Lines {
    /// The line of `pointer` (`#/a/b` or `/a/b`), or of its nearest kept ancestor.
    pub fn line_of(&self, pointer: &str) -> Option<u32> {
        let mut p = pointer.trim_start_matches('#');
        loop {
            let h = hash(p);
            if let Ok(i) = self.hashes.binary_search(&h) {
                return self.lines.get(i).copied();
            }
            p = &p[..p.rfind('/')?];
        }
    }

    /// `file:line` for a pointer, as violations carry it.
    pub fn spec(&self, pointer: &str) -> Option<String> {
        self.line_of(pointer).map(|l| format!("{}:{l}", self.name))
    }

    /// How many pointers are kept.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether no pointer is kept.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::document::Document;

    #[test]
    fn keeps_the_lines_of_every_node_and_falls_back_to_ancestors() {
        let text = "openapi: 3.1.0\ncomponents:\n  schemas:\n    Pet:\n      type: object\n      properties:\n        name:\n          type: string\n          maxLength: 5\n";
        let doc = Document::parse("api.yaml", text).unwrap();
        let line_of = |p: &str| doc.line_of(p);
        let mut b = LinesBuilder::new(&line_of);
        let schema = doc.get("/components/schemas/Pet").unwrap().clone();
        b.add_tree("/components/schemas/Pet", &schema);
        let lines = b.finish("api.yaml");
        drop(doc);
        assert_eq!(lines.line_of("/components/schemas/Pet"), Some(4));
        assert_eq!(
            lines.line_of("/components/schemas/Pet/properties/name/maxLength"),
            Some(9)
        );
        assert_eq!(
            lines.spec("#/components/schemas/Pet/properties/name/pattern"),
            Some("api.yaml:7".into()),
            "a pointer that is not kept answers with its nearest kept ancestor"
        );
        assert_eq!(lines.line_of("/paths"), None);
    }
}
