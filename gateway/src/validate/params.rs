//! Parameters: reading path, query, header and cookie values in every OpenAPI `style` /
//! `explode` combination (simple, label, matrix, form, spaceDelimited, pipeDelimited,
//! deepObject) and coercing the strings to the types the schema expects, so that the schema
//! check sees `3` rather than `"3"`.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Number, Value};

/// Where a parameter lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A templated path segment.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl In {
    /// The OpenAPI name (`path`, `query`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            In::Path => "path",
            In::Query => "query",
            In::Header => "header",
            In::Cookie => "cookie",
        }
    }
}

/// How a parameter is serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `3,4,5` (path, header default).
    Simple,
    /// `.3.4.5`.
    Label,
    /// `;id=3;id=4`.
    Matrix,
    /// `id=3&id=4` (query, cookie default).
    Form,
    /// `id=3%204%205`.
    SpaceDelimited,
    /// `id=3|4|5`.
    PipeDelimited,
    /// `id[role]=admin`.
    DeepObject,
}

impl Style {
    /// Parses an OpenAPI `style` value.
    pub fn parse(s: &str) -> Option<Style> {
        Some(match s {
            "simple" => Style::Simple,
            "label" => Style::Label,
            "matrix" => Style::Matrix,
            "form" => Style::Form,
            "spaceDelimited" => Style::SpaceDelimited,
            "pipeDelimited" => Style::PipeDelimited,
            "deepObject" => Style::DeepObject,
            _ => return None,
        })
    }

    /// The default style for a location.
    pub fn default_for(loc: In) -> Style {
        match loc {
            In::Path | In::Header => Style::Simple,
            In::Query | In::Cookie => Style::Form,
        }
    }
}

/// A primitive target type for coercion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    /// Kept as a string.
    Str,
    /// `integer`.
    Int,
    /// `number`.
    Num,
    /// `boolean`.
    Bool,
}

/// The shape of a parameter's value, from its schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// One value.
    Prim(Prim),
    /// An array of values.
    Array(Prim),
    /// An object: declared properties and the type of the others.
    Object(Vec<(String, Prim)>, Prim),
}

impl Shape {
    /// Works out the shape from a (resolved) schema; `resolve` follows `$ref`s.
    pub fn of(schema: &Value, resolve: &dyn Fn(&Value) -> Value) -> Shape {
        let s = resolve(schema);
        match type_name(&s, resolve).as_deref() {
            Some("array") => Shape::Array(
                s.get("items")
                    .map(|i| prim_of(&resolve(i), resolve))
                    .unwrap_or(Prim::Str),
            ),
            Some("object") => {
                let props = s
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), prim_of(&resolve(v), resolve)))
                            .collect()
                    })
                    .unwrap_or_default();
                let extra = s
                    .get("additionalProperties")
                    .filter(|v| v.is_object())
                    .map(|v| prim_of(&resolve(v), resolve))
                    .unwrap_or(Prim::Str);
                Shape::Object(props, extra)
            }
            _ => Shape::Prim(prim_of(&s, resolve)),
        }
    }

    /// The type of property `name` of an object shape.
    pub fn prop(&self, name: &str) -> Prim {
        match self {
            Shape::Object(props, extra) => props
                .iter()
                .find(|(k, _)| k == name)
                .map_or(*extra, |(_, p)| *p),
            Shape::Array(p) | Shape::Prim(p) => *p,
        }
    }
}

/// The first non-null `type` of a schema, looking into `allOf`/`oneOf`/`anyOf` when absent.
fn type_name(s: &Value, resolve: &dyn Fn(&Value) -> Value) -> Option<String> {
    match s.get("type") {
        Some(Value::String(t)) => return Some(t.clone()),
        Some(Value::Array(ts)) => {
            return ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(str::to_string)
        }
        _ => {}
    }
    for k in ["allOf", "oneOf", "anyOf"] {
        for sub in s.get(k).and_then(Value::as_array).into_iter().flatten() {
            if let Some(t) = type_name(&resolve(sub), resolve) {
                return Some(t);
            }
        }
    }
    if s.get("properties").is_some() {
        return Some("object".into());
    }
    if s.get("items").is_some() {
        return Some("array".into());
    }
    None
}

fn prim_of(s: &Value, resolve: &dyn Fn(&Value) -> Value) -> Prim {
    match type_name(s, resolve).as_deref() {
        Some("integer") => Prim::Int,
        Some("number") => Prim::Num,
        Some("boolean") => Prim::Bool,
        _ => Prim::Str,
    }
}

/// A string as the type wanted; strings that do not parse stay strings (the schema check then
/// reports the type mismatch).
pub fn coerce(s: &str, p: Prim) -> Value {
    match p {
        Prim::Str => Value::String(s.to_string()),
        Prim::Int => {
            if let Ok(i) = s.parse::<i64>() {
                Value::Number(i.into())
            } else if let Ok(u) = s.parse::<u64>() {
                Value::Number(u.into())
            } else {
                Value::String(s.to_string())
            }
        }
        Prim::Num => {
            if let Ok(i) = s.parse::<i64>() {
                return Value::Number(i.into());
            }
            let numeric = s
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
            match s.parse::<f64>() {
                Ok(f) if numeric => {
                    Number::from_f64(f).map_or_else(|| Value::String(s.to_string()), Value::Number)
                }
                _ => Value::String(s.to_string()),
            }
        }
        Prim::Bool => match s {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(s.to_string()),
        },
    }
}

/// Percent-decodes (query strings also turn `+` into a space).
pub fn decode(s: &str, plus_is_space: bool) -> String {
    if plus_is_space && s.contains('+') {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    } else {
        percent_decode_str(s).decode_utf8_lossy().into_owned()
    }
}

/// Query pairs as `(decoded key, raw value)`, in order.
pub fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k, true), v.to_string())
        })
        .collect()
}

/// Cookie pairs from every `Cookie` header: `(name, raw value)`.
pub fn cookie_pairs<'a>(headers: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    headers
        .flat_map(|h| h.split(';'))
        .filter_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            Some((k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        })
        .collect()
}

/// Splits a raw value on any of `seps` and decodes each piece.
fn split_decode(raw: &str, seps: &[&str], plus: bool) -> Vec<String> {
    let mut pieces = vec![raw];
    for sep in seps {
        pieces = pieces.into_iter().flat_map(|p| p.split(*sep)).collect();
    }
    pieces.into_iter().map(|p| decode(p, plus)).collect()
}

fn array(items: Vec<String>, p: Prim) -> Value {
    Value::Array(items.iter().map(|s| coerce(s, p)).collect())
}

/// `k,v,k,v` → object.
fn object_from_flat(items: Vec<String>, shape: &Shape) -> Value {
    let mut m = Map::new();
    let mut it = items.into_iter();
    while let Some(k) = it.next() {
        let v = it.next().unwrap_or_default();
        let p = shape.prop(&k);
        m.insert(k, coerce(&v, p));
    }
    Value::Object(m)
}

/// `k=v` items → object.
fn object_from_pairs(items: Vec<String>, shape: &Shape) -> Value {
    let mut m = Map::new();
    for item in items {
        let (k, v) = item.split_once('=').unwrap_or((&item, ""));
        m.insert(k.to_string(), coerce(v, shape.prop(k)));
    }
    Value::Object(m)
}

/// Reads a path parameter (or a header, with `simple`) from its raw text.
pub fn from_simple_like(
    raw: &str,
    name: &str,
    style: Style,
    explode: bool,
    shape: &Shape,
    decode_pct: bool,
) -> Result<Value, String> {
    let dec = |s: &str| {
        if decode_pct {
            decode(s, false)
        } else {
            s.to_string()
        }
    };
    let split = |s: &str, sep: &str| -> Vec<String> { s.split(sep).map(dec).collect() };
    match style {
        Style::Label => {
            let body = raw
                .strip_prefix('.')
                .ok_or_else(|| format!("label-style value of `{name}` must start with `.`"))?;
            let sep = if explode { "." } else { "," };
            Ok(match shape {
                Shape::Prim(p) => coerce(&dec(body), *p),
                Shape::Array(p) => array(split(body, sep), *p),
                Shape::Object(..) if explode => object_from_pairs(split(body, "."), shape),
                Shape::Object(..) => object_from_flat(split(body, ","), shape),
            })
        }
        Style::Matrix => {
            let body = raw
                .strip_prefix(';')
                .ok_or_else(|| format!("matrix-style value of `{name}` must start with `;`"))?;
            let prefix = format!("{name}=");
            match shape {
                Shape::Object(..) if explode => Ok(object_from_pairs(split(body, ";"), shape)),
                Shape::Array(p) if explode => {
                    let items = body
                        .split(';')
                        .map(|i| {
                            i.strip_prefix(&prefix).map(dec).ok_or_else(|| {
                                format!("matrix-style item of `{name}` must be `;{name}=…`")
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(array(items, *p))
                }
                _ => {
                    let v = body
                        .strip_prefix(&prefix)
                        .or_else(|| (body == name).then_some(""))
                        .ok_or_else(|| {
                            format!("matrix-style value of `{name}` must be `;{name}=…`")
                        })?;
                    Ok(match shape {
                        Shape::Prim(p) => coerce(&dec(v), *p),
                        Shape::Array(p) => array(split(v, ","), *p),
                        Shape::Object(..) => object_from_flat(split(v, ","), shape),
                    })
                }
            }
        }
        _ => Ok(match shape {
            Shape::Prim(p) => coerce(&dec(raw), *p),
            Shape::Array(p) => array(split(raw, ","), *p),
            Shape::Object(..) if explode => object_from_pairs(split(raw, ","), shape),
            Shape::Object(..) => object_from_flat(split(raw, ","), shape),
        }),
    }
}

/// Reads a query (or cookie) parameter from all pairs; returns the value (if present) and the
/// keys it consumed, so that the rest count as unknown.
pub fn from_form_like(
    pairs: &[(String, String)],
    name: &str,
    style: Style,
    explode: bool,
    shape: &Shape,
    plus: bool,
) -> (Option<Value>, Vec<String>) {
    let values: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect();
    let mine = vec![name.to_string()];
    match (style, shape) {
        (Style::DeepObject, _) => {
            let prefix = format!("{name}[");
            let mut m = Map::new();
            let mut keys = Vec::new();
            for (k, v) in pairs {
                if let Some(prop) = k.strip_prefix(&prefix).and_then(|r| r.strip_suffix(']')) {
                    m.insert(prop.to_string(), coerce(&decode(v, plus), shape.prop(prop)));
                    keys.push(k.clone());
                }
            }
            ((!keys.is_empty()).then_some(Value::Object(m)), keys)
        }
        (Style::Form, Shape::Object(props, _)) if explode => {
            let mut m = Map::new();
            let mut keys = Vec::new();
            for (k, v) in pairs {
                if let Some((_, p)) = props.iter().find(|(pk, _)| pk == k) {
                    m.insert(k.clone(), coerce(&decode(v, plus), *p));
                    keys.push(k.clone());
                }
            }
            ((!keys.is_empty()).then_some(Value::Object(m)), keys)
        }
        _ if values.is_empty() => (None, mine),
        (_, Shape::Array(p)) => {
            let items: Vec<String> = match style {
                Style::SpaceDelimited => split_decode(values[0], &["%20", " ", "+"], false),
                Style::PipeDelimited => split_decode(values[0], &["|", "%7C", "%7c"], plus),
                _ if explode => values.iter().map(|v| decode(v, plus)).collect(),
                _ => split_decode(values[0], &[","], plus),
            };
            (Some(array(items, *p)), mine)
        }
        (_, Shape::Object(..)) => {
            let sep: &[&str] = match style {
                Style::SpaceDelimited => &["%20", " ", "+"],
                Style::PipeDelimited => &["|", "%7C", "%7c"],
                _ => &[","],
            };
            (
                Some(object_from_flat(split_decode(values[0], sep, plus), shape)),
                mine,
            )
        }
        (_, Shape::Prim(p)) => (Some(coerce(&decode(values[0], plus), *p)), mine),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj() -> Shape {
        Shape::Object(
            vec![("role".into(), Prim::Str), ("n".into(), Prim::Int)],
            Prim::Str,
        )
    }

    #[test]
    fn coercion() {
        assert_eq!(coerce("3", Prim::Int), json!(3));
        assert_eq!(coerce("3.5", Prim::Int), json!("3.5"));
        assert_eq!(coerce("3.5", Prim::Num), json!(3.5));
        assert_eq!(coerce("7", Prim::Num), json!(7));
        assert_eq!(coerce("NaN", Prim::Num), json!("NaN"));
        assert_eq!(coerce("true", Prim::Bool), json!(true));
        assert_eq!(coerce("yes", Prim::Bool), json!("yes"));
        assert_eq!(
            coerce("18446744073709551615", Prim::Int),
            json!(18446744073709551615u64)
        );
    }

    #[test]
    fn path_styles() {
        let arr = Shape::Array(Prim::Int);
        let f = |raw, style, explode, shape: &Shape| {
            from_simple_like(raw, "id", style, explode, shape, true).unwrap()
        };
        assert_eq!(
            f("5", Style::Simple, false, &Shape::Prim(Prim::Int)),
            json!(5)
        );
        assert_eq!(f("3,4,5", Style::Simple, false, &arr), json!([3, 4, 5]));
        assert_eq!(
            f("role,admin,n,2", Style::Simple, false, &obj()),
            json!({"role": "admin", "n": 2})
        );
        assert_eq!(
            f("role=admin,n=2", Style::Simple, true, &obj()),
            json!({"role": "admin", "n": 2})
        );
        assert_eq!(
            f(".5", Style::Label, false, &Shape::Prim(Prim::Int)),
            json!(5)
        );
        assert_eq!(f(".3,4", Style::Label, false, &arr), json!([3, 4]));
        assert_eq!(f(".3.4", Style::Label, true, &arr), json!([3, 4]));
        assert_eq!(
            f(".role=admin.n=2", Style::Label, true, &obj()),
            json!({"role": "admin", "n": 2})
        );
        assert_eq!(
            f(";id=5", Style::Matrix, false, &Shape::Prim(Prim::Int)),
            json!(5)
        );
        assert_eq!(f(";id=3,4", Style::Matrix, false, &arr), json!([3, 4]));
        assert_eq!(f(";id=3;id=4", Style::Matrix, true, &arr), json!([3, 4]));
        assert_eq!(
            f(";role=admin;n=2", Style::Matrix, true, &obj()),
            json!({"role": "admin", "n": 2})
        );
        assert_eq!(
            f(";id=role,admin", Style::Matrix, false, &obj()),
            json!({"role": "admin"})
        );
        assert_eq!(
            f("a%2Cb", Style::Simple, false, &Shape::Prim(Prim::Str)),
            json!("a,b")
        );
        assert!(from_simple_like("5", "id", Style::Label, false, &arr, true).is_err());
        assert!(from_simple_like(";x=5", "id", Style::Matrix, false, &arr, true).is_err());
    }

    #[test]
    fn query_styles() {
        let q = query_pairs(
            "id=3&id=4&csv=1,2&sp=1%202&pipe=1|2&deep[role]=admin&deep[n]=7&role=x&n=9&s=a+b%2B",
        );
        let arr = Shape::Array(Prim::Int);
        let f = |name, style, explode, shape: &Shape| {
            from_form_like(&q, name, style, explode, shape, true)
        };
        assert_eq!(f("id", Style::Form, true, &arr).0, Some(json!([3, 4])));
        assert_eq!(f("csv", Style::Form, false, &arr).0, Some(json!([1, 2])));
        assert_eq!(
            f("sp", Style::SpaceDelimited, false, &arr).0,
            Some(json!([1, 2]))
        );
        assert_eq!(
            f("pipe", Style::PipeDelimited, false, &arr).0,
            Some(json!([1, 2]))
        );
        let (v, keys) = f("deep", Style::DeepObject, true, &obj());
        assert_eq!(v, Some(json!({"role": "admin", "n": 7})));
        assert_eq!(keys, ["deep[role]", "deep[n]"]);
        let (v, keys) = f("whatever", Style::Form, true, &obj());
        assert_eq!(v, Some(json!({"role": "x", "n": 9})));
        assert_eq!(keys, ["role", "n"]);
        assert_eq!(
            f("s", Style::Form, true, &Shape::Prim(Prim::Str)).0,
            Some(json!("a b+"))
        );
        assert_eq!(f("missing", Style::Form, true, &arr).0, None);
        assert_eq!(query_pairs("a[]=1&b")[0].0, "a[]");
    }

    #[test]
    fn cookies() {
        let c = cookie_pairs(["a=1; b=\"x y\"", "c=3"].into_iter());
        assert_eq!(
            c,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "3".into())
            ]
        );
    }

    #[test]
    fn shapes_from_schemas() {
        let id = |v: &Value| v.clone();
        assert_eq!(
            Shape::of(&json!({"type": "array", "items": {"type": "integer"}}), &id),
            Shape::Array(Prim::Int)
        );
        assert_eq!(
            Shape::of(&json!({"type": ["null", "number"]}), &id),
            Shape::Prim(Prim::Num)
        );
        assert_eq!(
            Shape::of(&json!({"properties": {"a": {"type": "boolean"}}}), &id),
            Shape::Object(vec![("a".into(), Prim::Bool)], Prim::Str)
        );
        assert_eq!(
            Shape::of(&json!({"allOf": [{"type": "integer"}]}), &id),
            Shape::Prim(Prim::Int)
        );
    }
}
