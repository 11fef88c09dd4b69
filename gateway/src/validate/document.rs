//! The contract document as JSON with a way back to lines, so that every compiled check can
//! name the contract's `file:line`.
//!
//! Read by the shared loader (`contracts::document`): serde_json for JSON, whose span tree is
//! one compact scan of the text, and saphyr with positions for YAML. The gateway finds
//! operations, parameters and schemas in it by pointer.

use serde_json::Value;

/// A parsed contract document.
#[derive(Debug)]
pub struct Document {
    /// How the file is named in reports.
    pub name: String,
    inner: contracts::document::Document,
}

impl Document {
    /// Parses YAML or JSON text.
    pub fn parse(name: &str, text: &str) -> Result<Document, String> {
        let inner = contracts::document::parse(name, text).map_err(|r| {
            let d = r.diagnostics.first();
            match d.and_then(|d| d.location().map(|l| (l, d))) {
                Some((l, d)) => format!("{name}:{}:{}: {}", l.line, l.column, d.message),
                None => format!(
                    "{name}: {}",
                    d.map_or("cannot be parsed", |d| d.message.as_str())
                ),
            }
        })?;
        Ok(Document {
            name: name.to_string(),
            inner,
        })
    }

    /// A document built from JSON without line information (tests).
    #[cfg(test)]
    pub(crate) fn from_value(name: &str, value: Value) -> Document {
        let text = serde_json::to_string(&value).unwrap_or_else(|_| "null".into());
        let mut inner = contracts::document::parse(name, text)
            .or_else(|_| contracts::document::parse(name, "null"))
            .expect("`null` is a JSON document");
        inner.set_value(value);
        Document {
            name: name.to_string(),
            inner,
        }
    }

    /// The document as JSON.
    pub fn value(&self) -> &Value {
        self.inner.value()
    }

    /// The 1-based line where the value at `pointer` starts (for a mapping entry, its key), or
    /// where its nearest ancestor does.
    pub fn line_of(&self, pointer: &str) -> Option<u32> {
        let span = self.inner.span(pointer.trim_start_matches('#'))?;
        Some(span.location().line)
    }

    /// `file:line` for a pointer, as violations carry it.
    pub fn spec(&self, pointer: &str) -> Option<String> {
        self.line_of(pointer).map(|l| format!("{}:{l}", self.name))
    }

    /// The value at a pointer (`#/a/b` or `/a/b`).
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.inner.get(pointer.trim_start_matches('#'))
    }
}

/// Escapes one JSON Pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
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
        assert_eq!(d.value()["openapi"], "3.0.3");
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
        assert_eq!(j.value()["a"], serde_json::json!([1, 2.5, true, null]));
        assert!(Document::parse("b.yaml", "a: [").is_err());
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(Document::parse("d.yaml", &deep).is_err());
    }
}
