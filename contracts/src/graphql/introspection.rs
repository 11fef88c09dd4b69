//! Introspection JSON (`{"data":{"__schema":…}}` or `{"__schema":…}`) → SDL text for
//! apollo-compiler, with a map from every generated definition back to its JSON node, so
//! locations point into the user's JSON file rather than into text we made up.

use std::fmt::Write;

use serde_json::Value;

use crate::document::Document;
use crate::source::Span;
use crate::{Diagnostic, Refused};

/// Generated SDL offsets → JSON pointers of the nodes they came from.
pub struct SpanMap {
    doc: Document,
    marks: Vec<(usize, String)>,
}

impl SpanMap {
    /// The JSON span of the node that produced the SDL at `offset`.
    pub fn span(&self, offset: usize) -> Option<Span> {
        let i = self
            .marks
            .partition_point(|(o, _)| *o <= offset)
            .checked_sub(1)?;
        self.doc.span(&self.marks[i].1)
    }
}

const BUILTIN_SCALARS: &[&str] = &["String", "Int", "Float", "Boolean", "ID"];
const BUILTIN_DIRECTIVES: &[&str] = &["skip", "include", "deprecated", "specifiedBy", "oneOf"];

struct Gen {
    sdl: String,
    marks: Vec<(usize, String)>,
}

impl Gen {
    fn mark(&mut self, pointer: String) {
        self.marks.push((self.sdl.len(), pointer));
    }

    fn description(&mut self, v: &Value, indent: &str) {
        if let Some(d) = v.get("description").and_then(Value::as_str) {
            let escaped = d.replace('\\', "\\\\").replace("\"\"\"", "\\\"\"\"");
            let _ = writeln!(self.sdl, "{indent}\"\"\"{escaped}\"\"\"");
        }
    }

    fn deprecated(&mut self, v: &Value) {
        if v.get("isDeprecated") == Some(&Value::Bool(true)) {
            match v.get("deprecationReason").and_then(Value::as_str) {
                Some(r) => {
                    let _ = write!(self.sdl, " @deprecated(reason: {})", quote(r));
                }
                None => self.sdl.push_str(" @deprecated"),
            }
        }
    }

    fn args(&mut self, list: Option<&Value>, at: &str) {
        let Some(args) = list.and_then(Value::as_array).filter(|a| !a.is_empty()) else {
            return;
        };
        self.sdl.push('(');
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                self.sdl.push_str(", ");
            }
            self.mark(format!("{at}/{i}"));
            self.input_value(a);
        }
        self.sdl.push(')');
    }

    fn input_value(&mut self, a: &Value) {
        if let Some(d) = a.get("description").and_then(Value::as_str) {
            let _ = write!(self.sdl, "{} ", quote(d));
        }
        let name = a.get("name").and_then(Value::as_str).unwrap_or("_");
        let _ = write!(self.sdl, "{name}: {}", type_ref(a.get("type")));
        if let Some(dv) = a.get("defaultValue").and_then(Value::as_str) {
            let _ = write!(self.sdl, " = {dv}");
        }
        self.deprecated(a);
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn type_ref(t: Option<&Value>) -> String {
    let Some(t) = t else { return "String".into() };
    match t.get("kind").and_then(Value::as_str) {
        Some("NON_NULL") => format!("{}!", type_ref(t.get("ofType"))),
        Some("LIST") => format!("[{}]", type_ref(t.get("ofType"))),
        _ => t
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("String")
            .to_string(),
    }
}

/// Builds SDL from an introspection document.
pub fn to_sdl(doc: Document) -> Result<(String, SpanMap), Refused> {
    let root = doc.value();
    let (schema, base) = match (root.pointer("/data/__schema"), root.get("__schema")) {
        (Some(s), _) => (s, "/data/__schema"),
        (None, Some(s)) => (s, "/__schema"),
        _ => {
            return Err(Refused::one(
                Diagnostic::error(
                    "not-introspection",
                    "this JSON is not a GraphQL introspection result (no `__schema`)",
                )
                .with_span(doc.span(""))
                .with_hint("pass SDL (.graphql), or the JSON of an introspection query: {\"data\": {\"__schema\": …}}"),
            ))
        }
    };
    let mut g = Gen {
        sdl: String::new(),
        marks: Vec::new(),
    };
    let root_name = |k: &str| {
        schema
            .get(k)
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str)
    };
    g.mark(base.to_string());
    g.sdl.push_str("schema {\n");
    for (key, op) in [
        ("queryType", "query"),
        ("mutationType", "mutation"),
        ("subscriptionType", "subscription"),
    ] {
        if let Some(n) = root_name(key) {
            let _ = writeln!(g.sdl, "  {op}: {n}");
        }
    }
    g.sdl.push_str("}\n\n");
    if let Some(types) = schema.get("types").and_then(Value::as_array) {
        for (i, t) in types.iter().enumerate() {
            let at = format!("{base}/types/{i}");
            let Some(name) = t.get("name").and_then(Value::as_str) else {
                continue;
            };
            if name.starts_with("__") || BUILTIN_SCALARS.contains(&name) {
                continue;
            }
            g.mark(at.clone());
            g.description(t, "");
            let kind = t.get("kind").and_then(Value::as_str).unwrap_or("");
            let interfaces: Vec<&str> = t
                .get("interfaces")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|x| x.get("name")?.as_str()).collect())
                .unwrap_or_default();
            let implements = if interfaces.is_empty() {
                String::new()
            } else {
                format!(" implements {}", interfaces.join(" & "))
            };
            match kind {
                "SCALAR" => {
                    let _ = write!(g.sdl, "scalar {name}");
                    if let Some(url) = t
                        .get("specifiedByURL")
                        .or_else(|| t.get("specifiedByUrl"))
                        .and_then(Value::as_str)
                    {
                        let _ = write!(g.sdl, " @specifiedBy(url: {})", quote(url));
                    }
                    g.sdl.push('\n');
                }
                "OBJECT" | "INTERFACE" => {
                    let kw = if kind == "OBJECT" {
                        "type"
                    } else {
                        "interface"
                    };
                    let _ = writeln!(g.sdl, "{kw} {name}{implements} {{");
                    for (j, f) in t
                        .get("fields")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        let fat = format!("{at}/fields/{j}");
                        g.mark(fat.clone());
                        g.description(f, "  ");
                        let fname = f.get("name").and_then(Value::as_str).unwrap_or("_");
                        let _ = write!(g.sdl, "  {fname}");
                        g.args(f.get("args"), &format!("{fat}/args"));
                        let _ = write!(g.sdl, ": {}", type_ref(f.get("type")));
                        g.deprecated(f);
                        g.sdl.push('\n');
                    }
                    g.sdl.push_str("}\n");
                }
                "UNION" => {
                    let members: Vec<&str> = t
                        .get("possibleTypes")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(|x| x.get("name")?.as_str()).collect())
                        .unwrap_or_default();
                    let _ = writeln!(g.sdl, "union {name} = {}", members.join(" | "));
                }
                "ENUM" => {
                    let _ = writeln!(g.sdl, "enum {name} {{");
                    for (j, v) in t
                        .get("enumValues")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        g.mark(format!("{at}/enumValues/{j}"));
                        g.description(v, "  ");
                        let _ = write!(
                            g.sdl,
                            "  {}",
                            v.get("name").and_then(Value::as_str).unwrap_or("_")
                        );
                        g.deprecated(v);
                        g.sdl.push('\n');
                    }
                    g.sdl.push_str("}\n");
                }
                "INPUT_OBJECT" => {
                    let one_of = if t.get("isOneOf") == Some(&Value::Bool(true)) {
                        " @oneOf"
                    } else {
                        ""
                    };
                    let _ = writeln!(g.sdl, "input {name}{one_of} {{");
                    for (j, f) in t
                        .get("inputFields")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        g.mark(format!("{at}/inputFields/{j}"));
                        g.sdl.push_str("  ");
                        g.input_value(f);
                        g.sdl.push('\n');
                    }
                    g.sdl.push_str("}\n");
                }
                _ => {}
            }
            g.sdl.push('\n');
        }
    }
    if let Some(dirs) = schema.get("directives").and_then(Value::as_array) {
        for (i, d) in dirs.iter().enumerate() {
            let Some(name) = d.get("name").and_then(Value::as_str) else {
                continue;
            };
            if BUILTIN_DIRECTIVES.contains(&name) {
                continue;
            }
            let at = format!("{base}/directives/{i}");
            g.mark(at.clone());
            g.description(d, "");
            let _ = write!(g.sdl, "directive @{name}");
            g.args(d.get("args"), &format!("{at}/args"));
            if d.get("isRepeatable") == Some(&Value::Bool(true)) {
                g.sdl.push_str(" repeatable");
            }
            let locs: Vec<&str> = d
                .get("locations")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let _ = writeln!(
                g.sdl,
                " on {}\n",
                if locs.is_empty() {
                    "FIELD_DEFINITION".to_string()
                } else {
                    locs.join(" | ")
                }
            );
        }
    }
    let Gen { sdl, marks } = g;
    Ok((sdl, SpanMap { doc, marks }))
}
