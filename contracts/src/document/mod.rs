//! YAML and JSON documents as `serde_json::Value` plus the source span of every node, found by
//! JSON Pointer. Format-neutral: OpenAPI documents, the policy file and introspection JSON use it.
//!
//! JSON is parsed by serde_json (fast); its span tree is built on the first lookup only, by one
//! scan of the text. YAML is parsed by saphyr with positions, and its tree is built at once.

mod json_spans;
mod json_value;
mod yaml;

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::source::{SourceFile, Span};
use crate::{Diagnostic, Refused};

/// One parsed document.
#[derive(Debug)]
pub struct Document {
    file: Arc<SourceFile>,
    value: Value,
    tree: OnceLock<Tree>,
}

/// Which syntax a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// JSON (also valid YAML, but parsed faster as JSON).
    Json,
    /// YAML 1.2.
    Yaml,
}

/// Guesses the syntax: JSON when the first non-blank character opens an object or array.
pub fn syntax_of(text: &str) -> Syntax {
    match text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .next()
    {
        Some('{') | Some('[') => Syntax::Json,
        _ => Syntax::Yaml,
    }
}

/// Parses `text` (shown as `name`) as JSON or YAML.
pub fn parse(name: impl Into<String>, text: impl Into<String>) -> Result<Document, Refused> {
    let text: String = text.into();
    let file = SourceFile::new(name, text);
    parse_file(file)
}

/// Parses an already wrapped source file.
pub fn parse_file(file: Arc<SourceFile>) -> Result<Document, Refused> {
    let text = file.text().trim_start_matches('\u{feff}');
    let bom = file.text().len() - text.len();
    match syntax_of(text) {
        Syntax::Json => match json_value::from_str(text) {
            Ok(value) => Ok(Document {
                file,
                value,
                tree: OnceLock::new(),
            }),
            Err(e) => {
                let start = file.offset(e.line() as u32, e.column() as u32);
                Err(Refused::one(
                    Diagnostic::error("json-syntax", format!("invalid JSON: {e}"))
                        .with_span(Some(file.span(start.max(bom), start.max(bom) + 1)))
                        .with_hint("fix the JSON syntax at the marked place"),
                ))
            }
        },
        Syntax::Yaml => yaml::parse(&file),
    }
}

impl Document {
    /// The parsed value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Replaces the value (for converted documents); spans still come from the text.
    pub fn set_value(&mut self, value: Value) {
        self.value = value;
    }

    /// The source file.
    pub fn file(&self) -> &Arc<SourceFile> {
        &self.file
    }

    /// The value at a JSON Pointer.
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        pointer_get(&self.value, pointer)
    }

    /// Builds the span tree now (for callers that know they will report locations, on a thread
    /// of their choosing) instead of on the first lookup.
    pub fn prepare_spans(&self) {
        self.tree
            .get_or_init(|| json_spans::scan(self.file.text()).unwrap_or_default());
    }

    /// The span of the node at `pointer`: for a mapping entry, from its key to the end of its
    /// value. A pointer that does not exist gives the span of its nearest existing ancestor.
    pub fn span(&self, pointer: &str) -> Option<Span> {
        let tree = self
            .tree
            .get_or_init(|| json_spans::scan(self.file.text()).unwrap_or_default());
        let (start, end) = tree.lookup(pointer)?;
        Some(self.file.span(start as usize, end as usize))
    }
}

/// `Value::pointer` without an allocation per segment (only escaped segments allocate).
pub fn pointer_get<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut cur = root;
    for raw in rest.split('/') {
        let unescaped;
        let token = if raw.contains('~') {
            unescaped = raw.replace("~1", "/").replace("~0", "~");
            unescaped.as_str()
        } else {
            raw
        };
        cur = match cur {
            Value::Object(m) => m.get(token)?,
            Value::Array(a) => a.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The node tree of a document: byte ranges, keys and children.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    nodes: Vec<TreeNode>,
    /// Keys of mapping entries, as ranges into `key_text` (one buffer: no allocation per key).
    keys: Vec<(u32, u32)>,
    key_text: String,
}

#[derive(Debug, Clone, Copy)]
struct TreeNode {
    /// Start of the node (for an entry: of its key).
    start: u32,
    end: u32,
    first_child: u32,
    next_sibling: u32,
    /// Index into `keys`, or `NONE` for array elements and the root.
    key: u32,
}

const NONE: u32 = u32::MAX;

impl Tree {
    fn push(&mut self, start: usize, key: Option<&str>) -> u32 {
        let key = match key {
            Some(k) => {
                let at = self.key_text.len() as u32;
                self.key_text.push_str(k);
                self.keys.push((at, k.len() as u32));
                (self.keys.len() - 1) as u32
            }
            None => NONE,
        };
        self.nodes.push(TreeNode {
            start: start as u32,
            end: start as u32,
            first_child: NONE,
            next_sibling: NONE,
            key,
        });
        (self.nodes.len() - 1) as u32
    }

    /// Removes the node pushed last (and its key).
    fn pop_last(&mut self) {
        if let Some(n) = self.nodes.pop() {
            if n.key != NONE {
                if let Some((at, _)) = self.keys.pop() {
                    self.key_text.truncate(at as usize);
                }
            }
        }
    }

    /// The key of entry `k`.
    fn key(&self, k: u32) -> &str {
        let (at, len) = self.keys[k as usize];
        &self.key_text[at as usize..(at + len) as usize]
    }

    fn finish(&mut self, node: u32, end: usize) {
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.end = end as u32;
        }
    }

    /// Links `children` (in order) under `parent`.
    fn link(&mut self, parent: u32, children: &[u32]) {
        if let Some(&first) = children.first() {
            self.nodes[parent as usize].first_child = first;
        }
        for w in children.windows(2) {
            self.nodes[w[0] as usize].next_sibling = w[1];
        }
    }

    /// The byte range of `pointer`, or of its nearest existing ancestor.
    fn lookup(&self, pointer: &str) -> Option<(u32, u32)> {
        let mut cur = 0u32;
        self.nodes.first()?;
        let segments = pointer.split('/').skip(1);
        for raw in segments {
            let unescaped;
            let seg = if raw.contains('~') {
                unescaped = raw.replace("~1", "/").replace("~0", "~");
                unescaped.as_str()
            } else {
                raw
            };
            let mut child = self.nodes[cur as usize].first_child;
            let index: Option<usize> = seg.parse().ok();
            let mut i = 0usize;
            let mut found = None;
            while child != NONE {
                let n = &self.nodes[child as usize];
                let matches = match n.key {
                    NONE => index == Some(i),
                    k => self.key(k) == seg,
                };
                if matches {
                    found = Some(child);
                    break;
                }
                i += 1;
                child = n.next_sibling;
            }
            match found {
                Some(c) => cur = c,
                None => break,
            }
        }
        let n = &self.nodes[cur as usize];
        Some((n.start, n.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(d: &Document, p: &str) -> String {
        let s = d.span(p).expect("a span");
        let l = s.location();
        format!(
            "{}:{} {:?}",
            l.line,
            l.column,
            s.text().lines().next().unwrap_or("")
        )
    }

    #[test]
    fn yaml_spans_point_at_keys_and_values() {
        let d = parse(
            "api.yaml",
            "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\n        \"404\": {description: no}\nlist:\n  - x\n  - é: y\n",
        )
        .unwrap();
        assert_eq!(
            d.value()["paths"]["/a"]["get"]["responses"]["200"]["description"],
            "ok"
        );
        assert_eq!(loc(&d, "/paths/~1a/get"), "4:5 \"get:\"");
        assert_eq!(loc(&d, "/paths/~1a/get/responses/200"), "6:9 \"200:\"");
        assert_eq!(
            loc(&d, "/paths/~1a/get/responses/404/description"),
            "8:17 \"description: no\""
        );
        assert_eq!(loc(&d, "/list/1/é"), "11:5 \"é: y\"");
        // Missing pointers fall back to the nearest ancestor.
        assert_eq!(loc(&d, "/paths/~1a/post/x"), "3:3 \"/a:\"");
    }

    #[test]
    fn json_spans_are_built_lazily() {
        let d = parse(
            "api.json",
            "{\n  \"a\": {\"b~/c\": [1, {\"d\": true}]},\n  \"e\": \"x\\\"y\"\n}",
        )
        .unwrap();
        assert_eq!(loc(&d, "/a/b~0~1c/1/d"), "2:22 \"\\\"d\\\": true\"");
        assert_eq!(loc(&d, "/e"), "3:3 \"\\\"e\\\": \\\"x\\\\\\\"y\\\"\"");
        assert_eq!(d.get("/e").unwrap(), "x\"y");
    }

    #[test]
    fn syntax_errors_are_located() {
        let r = parse("bad.yaml", "a: 1\nb: [unclosed\n").unwrap_err();
        let l = r.diagnostics[0].location().unwrap();
        assert_eq!(
            (l.file.as_str(), r.diagnostics[0].code),
            ("bad.yaml", "yaml-syntax")
        );
        assert!(l.line >= 2, "{l}");
        let r = parse("bad.json", "{\"a\": }").unwrap_err();
        assert_eq!(r.diagnostics[0].code, "json-syntax");
    }
}
