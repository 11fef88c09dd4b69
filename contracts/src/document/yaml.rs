//! YAML → `serde_json::Value` + span tree, through saphyr's marked nodes.

use std::sync::{Arc, OnceLock};

use saphyr::{LoadableYamlNode, MarkedYaml, Marker, Scalar, YamlData};
use serde_json::{Map, Number, Value};

use super::{Document, Tree, NONE};
use crate::source::SourceFile;
use crate::{Diagnostic, Refused};

/// Parses the first YAML document of `file`.
pub(super) fn parse(file: &Arc<SourceFile>) -> Result<Document, Refused> {
    let docs = MarkedYaml::load_from_str(file.text()).map_err(|e| {
        let m = e.marker();
        let start = file.offset(m.line() as u32, m.col() as u32 + 1);
        Refused::one(
            Diagnostic::error("yaml-syntax", format!("invalid YAML: {}", e.info()))
                .with_span(Some(file.span(start, start + 1)))
                .with_hint(
                    "fix the YAML syntax at the marked place (indentation, quotes, brackets)",
                ),
        )
    })?;
    let Some(root) = docs.first() else {
        return Err(Refused::one(
            Diagnostic::error("empty-document", "the file holds no YAML document")
                .with_file(file.name().to_string())
                .with_hint("check that this is the file you meant"),
        ));
    };
    let mut tree = Tree::default();
    let mut conv = Converter {
        file,
        tree: &mut tree,
    };
    let value = conv.node(root, None, 0);
    let tree_cell = OnceLock::new();
    let _ = tree_cell.set(tree);
    Ok(Document {
        file: Arc::clone(file),
        value,
        tree: tree_cell,
    })
}

struct Converter<'a> {
    file: &'a Arc<SourceFile>,
    tree: &'a mut Tree,
}

impl Converter<'_> {
    fn offset(&self, m: &Marker) -> usize {
        self.file.offset(m.line() as u32, m.col() as u32 + 1)
    }

    /// Converts `node`, registering it (entry start = `key_start` when it is a mapping value).
    fn node(
        &mut self,
        node: &MarkedYaml<'_>,
        entry: Option<(usize, String)>,
        depth: usize,
    ) -> Value {
        let start = entry
            .as_ref()
            .map(|(s, _)| *s)
            .unwrap_or_else(|| self.offset(&node.span.start));
        let id = self
            .tree
            .push(start, entry.as_ref().map(|(_, k)| k.as_str()));
        let end = self.offset(&node.span.end).max(start);
        let value = if depth > 512 {
            Value::Null
        } else {
            match &node.data {
                YamlData::Value(s) => scalar(s),
                YamlData::Representation(text, _, _) => Value::String(text.to_string()),
                YamlData::Tagged(_, inner) => return self.replace(id, inner, depth),
                YamlData::Sequence(items) => {
                    let mut children = Vec::with_capacity(items.len());
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        let before = self.tree.nodes.len() as u32;
                        out.push(self.node(item, None, depth + 1));
                        children.push(before);
                    }
                    self.tree.link(id, &children);
                    Value::Array(out)
                }
                YamlData::Mapping(map) => {
                    let mut children = Vec::with_capacity(map.len());
                    let mut out = Map::with_capacity(map.len());
                    for (k, v) in map {
                        let key = key_string(k);
                        let kstart = self.offset(&k.span.start);
                        let before = self.tree.nodes.len() as u32;
                        let val = self.node(v, Some((kstart, key.clone())), depth + 1);
                        children.push(before);
                        out.insert(key, val);
                    }
                    self.tree.link(id, &children);
                    Value::Object(out)
                }
                YamlData::Alias(_) | YamlData::BadValue => Value::Null,
            }
        };
        // Block mappings end where their last child ends.
        let last_end = self.last_child_end(id).unwrap_or(end);
        self.tree.finish(id, end.max(last_end));
        value
    }

    /// A tagged node: convert the inner node in place of the wrapper.
    fn replace(&mut self, id: u32, inner: &MarkedYaml<'_>, depth: usize) -> Value {
        let start = self.tree.nodes[id as usize].start as usize;
        let key = match self.tree.nodes[id as usize].key {
            NONE => None,
            k => Some(self.tree.key(k).to_string()),
        };
        // Drop the wrapper node and convert the inner one with the same entry.
        self.tree.pop_last();
        self.node(inner, key.map(|k| (start, k)), depth + 1)
    }

    fn last_child_end(&self, id: u32) -> Option<usize> {
        let mut c = self.tree.nodes[id as usize].first_child;
        let mut end = None;
        while c != NONE {
            end = Some(self.tree.nodes[c as usize].end as usize);
            c = self.tree.nodes[c as usize].next_sibling;
        }
        end
    }
}

fn scalar(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.into_inner().to_string())),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

/// Mapping keys become strings: `200:` is an integer key in YAML, a status code in OpenAPI.
fn key_string(k: &MarkedYaml<'_>) -> String {
    match &k.data {
        YamlData::Value(Scalar::String(s)) => s.to_string(),
        YamlData::Value(Scalar::Integer(i)) => i.to_string(),
        YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
        YamlData::Value(Scalar::Null) => "null".into(),
        YamlData::Value(Scalar::FloatingPoint(f)) => f.into_inner().to_string(),
        YamlData::Representation(t, _, _) => t.to_string(),
        YamlData::Tagged(_, inner) => key_string(inner),
        _ => String::new(),
    }
}
