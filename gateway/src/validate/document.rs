//! The contract document as JSON with a JSON Pointer → line index, so that every compiled check
//! can name the contract's `file:line`.
//!
//! Read with `saphyr`'s marked nodes (YAML and JSON alike). This is the gateway's own reader of
//! the raw document; operations, parameters and schemas are found in it by pointer.

use std::collections::HashMap;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};

/// A parsed contract document.
#[derive(Debug)]
pub struct Document {
    /// How the file is named in reports.
    pub name: String,
    /// The document as JSON.
    pub value: Value,
    lines: HashMap<String, u32>,
}

/// Nesting deeper than this is refused (a contract is not that deep; a hostile file might be).
const MAX_DEPTH: usize = 256;

impl Document {
    /// Parses YAML or JSON text.
    pub fn parse(name: &str, text: &str) -> Result<Document, String> {
        let docs = MarkedYaml::load_from_str(text).map_err(|e| {
            format!(
                "{name}:{}:{}: {}",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            )
        })?;
        let root = docs
            .into_iter()
            .next()
            .ok_or_else(|| format!("{name}: the file is empty"))?;
        let mut lines = HashMap::new();
        let mut pointer = String::new();
        let value =
            convert(&root, &mut pointer, &mut lines, 0).map_err(|e| format!("{name}: {e}"))?;
        Ok(Document {
            name: name.to_string(),
            value,
            lines,
        })
    }

    /// A document built from JSON without line information.
    pub fn from_value(name: &str, value: Value) -> Document {
        Document {
            name: name.to_string(),
            value,
            lines: HashMap::new(),
        }
    }

    /// The 1-based line where the value at `pointer` starts, or where its nearest ancestor
    /// does.
    pub fn line_of(&self, pointer: &str) -> Option<u32> {
        let mut p = pointer.trim_start_matches('#');
        loop {
            if let Some(l) = self.lines.get(p) {
                return Some(*l);
            }
            let cut = p.rfind('/')?;
            p = &p[..cut];
        }
    }

    /// `file:line` for a pointer, as violations carry it.
    pub fn spec(&self, pointer: &str) -> Option<String> {
        self.line_of(pointer).map(|l| format!("{}:{l}", self.name))
    }

    /// The value at a pointer (`#/a/b` or `/a/b`).
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer.trim_start_matches('#'))
    }
}

/// Escapes one JSON Pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn convert(
    node: &MarkedYaml<'_>,
    pointer: &mut String,
    lines: &mut HashMap<String, u32>,
    depth: usize,
) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
    }
    lines
        .entry(pointer.clone())
        .or_insert(node.span.start.line() as u32);
    Ok(match &node.data {
        YamlData::Value(s) => scalar(s),
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                out.push(convert(item, pointer, lines, depth + 1)?);
                pointer.truncate(len);
            }
            Value::Array(out)
        }
        YamlData::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match &k.data {
                    YamlData::Value(s) => match scalar(s) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    },
                    YamlData::Representation(text, _, _) => text.to_string(),
                    _ => return Err("a mapping key is not a scalar".into()),
                };
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape(&key));
                lines.insert(pointer.clone(), k.span.start.line() as u32);
                let value = convert(v, pointer, lines, depth + 1)?;
                pointer.truncate(len);
                out.insert(key, value);
            }
            Value::Object(out)
        }
        YamlData::Tagged(_, inner) => convert(inner, pointer, lines, depth + 1)?,
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    })
}

fn scalar(s: &Scalar<'_>) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Scalar::String(s) => Value::String(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_lines() {
        let d = Document::parse(
            "api.yaml",
            "openapi: 3.0.3\npaths:\n  /pets/{id}:\n    get:\n      responses:\n        200:\n          description: ok\n",
        )
        .unwrap();
        assert_eq!(d.value["openapi"], "3.0.3");
        assert_eq!(
            d.get("#/paths/~1pets~1{id}/get/responses/200/description"),
            Some(&Value::String("ok".into()))
        );
        assert_eq!(d.line_of("/paths/~1pets~1{id}/get"), Some(4));
        assert_eq!(
            d.spec("/paths/~1pets~1{id}/get/responses/200/x/y"),
            Some("api.yaml:6".into())
        );
        let j = Document::parse("a.json", "{\"a\": [1, 2.5, true, null]}").unwrap();
        assert_eq!(j.value["a"], serde_json::json!([1, 2.5, true, null]));
        assert!(Document::parse("b.yaml", "a: [").is_err());
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(Document::parse("d.yaml", &deep).is_err());
    }
}
