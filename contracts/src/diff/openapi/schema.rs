//! Structural comparison of two JSON Schemas (OpenAPI 3.0 and 3.1), direction-aware.
//!
//! The walk pairs subschemas by structure after `$ref` resolution (properties by name, `items`,
//! `additionalProperties`, `allOf` flattened, `oneOf`/`anyOf` variants by shape), remembers the
//! pairs it has compared so recursive schemas terminate, and hands each pair to the attribute
//! checks below, which emit findings through [`Cx`].

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::source::{child, deref, Loc, Source};
use super::Cx;

/// Which way data flows: what a change means depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dir {
    /// Clients send it: narrowing breaks them.
    Request,
    /// Clients receive it: widening breaks them.
    Response,
}

/// Where the schema sits, which decides the rule id prefix (oasdiff's naming).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A request or response body's top-level schema.
    Body,
    /// A property somewhere inside a body.
    Property,
    /// A parameter's top-level schema.
    Parameter,
    /// A property inside a parameter's schema.
    ParameterProperty,
    /// A response header's schema.
    Header,
}

/// The context of one schema comparison.
#[derive(Debug, Clone)]
pub struct At<'s> {
    /// Request or response.
    pub dir: Dir,
    /// Top-level place; nested properties derive their place from it.
    pub place: Place,
    /// The operation (`GET /pokemon/{id}`).
    pub subject: &'s str,
    /// Readable path so far (`response 200 application/json /properties/name`).
    pub path: String,
    /// The property is read-only (request) / write-only (response) on both sides: changes to it
    /// cannot reach clients in this direction.
    pub invisible: bool,
    /// The body is XML, where `object` and `string` are the same on the wire.
    pub xml: bool,
}

impl At<'_> {
    /// The id prefix for this place and direction.
    pub fn prefix(&self) -> &'static str {
        match (self.dir, self.place) {
            (Dir::Request, Place::Body) => "request-body",
            (Dir::Request, Place::Property) => "request-property",
            (Dir::Request, Place::Parameter) => "request-parameter",
            (Dir::Request, Place::ParameterProperty) => "request-parameter-property",
            (Dir::Request, Place::Header) => "request-header-property",
            (Dir::Response, Place::Body) => "response-body",
            (Dir::Response, Place::Property) => "response-property",
            (Dir::Response, Place::Parameter | Place::ParameterProperty) => "response-property",
            (Dir::Response, Place::Header) => "response-header",
        }
    }

    fn nested(&self, segment: &str) -> At<'_> {
        let place = match self.place {
            Place::Body | Place::Property => Place::Property,
            Place::Parameter | Place::ParameterProperty => Place::ParameterProperty,
            Place::Header => Place::Header,
        };
        At {
            dir: self.dir,
            place,
            subject: self.subject,
            path: if self.path.contains(" /") {
                format!("{}/{segment}", self.path)
            } else {
                format!("{} /{segment}", self.path)
            },
            invisible: self.invisible,
            xml: self.xml,
        }
    }
}

/// A resolved schema on one side: its location and value (`$ref`s followed).
#[derive(Clone, Copy)]
pub struct S<'a> {
    /// Where it lives.
    pub loc: &'a Loc,
    /// The schema object (non-objects are treated as `{}` / `true`).
    pub v: &'a Value,
}

fn obj(v: &Value) -> Option<&Map<String, Value>> {
    v.as_object()
}

/// The JSON types a schema admits (`None` = unconstrained), `null` included when nullable.
pub fn types(v: &Value) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    match v.get("type") {
        Some(Value::String(t)) => {
            out.insert(t.clone());
        }
        Some(Value::Array(ts)) => {
            out.extend(ts.iter().filter_map(|t| t.as_str().map(String::from)))
        }
        _ => return None,
    }
    if v.get("nullable") == Some(&Value::Bool(true)) {
        out.insert("null".into());
    }
    Some(out)
}

fn is_nullable(v: &Value) -> bool {
    v.get("nullable") == Some(&Value::Bool(true))
        || matches!(v.get("type"), Some(Value::Array(ts)) if ts.iter().any(|t| t == "null"))
        || v.get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().any(Value::is_null))
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key) == Some(&Value::Bool(true))
}

/// Compares two schemas at `old`/`new` (both already dereferenced).
pub fn compare(cx: &mut Cx<'_>, old: &Loc, new: &Loc, at: &At<'_>) {
    let key = super::PairKey {
        old: old.clone(),
        new: new.clone(),
        dir: at.dir,
        place: at.place as u8,
        flags: u8::from(at.invisible) | (u8::from(at.xml) << 1),
    };
    if cx.clean.contains(&key) {
        return; // compared before in this context, with no change anywhere below
    }
    let (os, ns) = (cx.old, cx.new);
    let (Some(ov), Some(nv)) = (os.get(old), ns.get(new)) else {
        return;
    };
    if super::same::same(&mut cx.same, os, (old.doc, ov), ns, (new.doc, nv)) {
        return; // the same schema on both sides: nothing below can have changed
    }
    if !cx.visited.insert(key.clone()) {
        cx.cycle_hits += 1;
        return; // this pair is being compared further up: a recursive schema
    }
    let (before, hits) = (cx.out.len() + cx.unknown_ids.len(), cx.cycle_hits);
    walk(cx, S { loc: old, v: ov }, S { loc: new, v: nv }, at);
    if cx.out.len() + cx.unknown_ids.len() == before && cx.cycle_hits == hits {
        cx.clean.insert(key);
    }
}

/// Every schema rule over one pair (values already looked up by [`compare`]).
fn walk(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    type_and_nullable(cx, o, n, at);
    enums(cx, o, n, at);
    bounds(cx, o, n, at);
    pattern(cx, o, n, at);
    default_and_const(cx, o, n, at);
    composition(cx, o, n, at);
    keywords_2020(cx, o, n, at);
    discriminator(cx, o, n, at);
    properties(cx, o, n, at);
    items(cx, o, n, at);
}

fn type_and_nullable(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    let p = at.prefix();
    let (ot, nt) = (types(o.v), types(n.v));
    let strip = |t: &Option<BTreeSet<String>>| {
        t.as_ref().map(|t| {
            t.iter()
                .filter(|x| *x != "null")
                .cloned()
                .collect::<BTreeSet<_>>()
        })
    };
    let (os, ns) = (strip(&ot), strip(&nt));
    let fmt_o = o.v.get("format").and_then(Value::as_str);
    let fmt_n = n.v.get("format").and_then(Value::as_str);
    match (&os, &ns) {
        (Some(a), Some(b)) if a != b => {
            let multi = a.len() > 1 || b.len() > 1;
            if multi && a.is_subset(b) {
                cx.emit_kw(
                    &format!("{p}-list-of-types-widened"),
                    at,
                    o,
                    n,
                    "type",
                    format!("the types widened from {} to {}", list(a), list(b)),
                );
            } else if multi && b.is_subset(a) {
                cx.emit_kw(
                    &format!("{p}-list-of-types-narrowed"),
                    at,
                    o,
                    n,
                    "type",
                    format!("the types narrowed from {} to {}", list(a), list(b)),
                );
            } else {
                let generalized =
                    a.len() == 1 && a.contains("integer") && b.len() == 1 && b.contains("number");
                let specialized =
                    a.len() == 1 && a.contains("number") && b.len() == 1 && b.contains("integer");
                let xml_compatible =
                    at.xml && a.iter().chain(b).all(|t| t == "object" || t == "string");
                let kind = if xml_compatible {
                    "type-compatible"
                } else if generalized {
                    "type-generalized"
                } else if specialized {
                    "type-specialized"
                } else {
                    "type-changed"
                };
                cx.emit_kw(
                    &format!("{p}-{kind}"),
                    at,
                    o,
                    n,
                    "type",
                    format!("the type changed from {} to {}", list(a), list(b)),
                );
            }
        }
        (Some(_), Some(_)) if fmt_o != fmt_n && (fmt_o.is_some() || fmt_n.is_some()) => {
            let msg = format!(
                "the format changed from {} to {}",
                fmt_o.unwrap_or("(none)"),
                fmt_n.unwrap_or("(none)")
            );
            let widened = fmt_n.is_none()
                || matches!(
                    (fmt_o, fmt_n),
                    (Some("int32"), Some("int64")) | (Some("float"), Some("double"))
                );
            let narrowed = fmt_o.is_none()
                || matches!(
                    (fmt_o, fmt_n),
                    (Some("int64"), Some("int32")) | (Some("double"), Some("float"))
                );
            let kind = if widened {
                "type-generalized"
            } else if narrowed {
                "type-specialized"
            } else {
                "type-changed"
            };
            cx.emit_kw(&format!("{p}-{kind}"), at, o, n, "type", msg);
        }
        (None, Some(b)) if !b.is_empty() && o.v.get("enum").is_none() => {
            // `{}` (anything) became typed: narrower for requests, fine for responses.
            cx.emit_kw(
                &format!("{p}-type-changed"),
                at,
                o,
                n,
                "type",
                format!("the schema now requires type {}", list(b)),
            );
        }
        _ => {}
    }
    let (on, nn) = (is_nullable(o.v), is_nullable(n.v));
    if on != nn {
        let id = if nn {
            format!("{p}-became-nullable")
        } else {
            format!("{p}-became-not-nullable")
        };
        let msg = if nn {
            "it became nullable"
        } else {
            "it is no longer nullable"
        };
        cx.emit_kw(&id, at, o, n, "type", msg.to_string());
    }
}

fn list(s: &BTreeSet<String>) -> String {
    let v: Vec<&str> = s.iter().map(String::as_str).collect();
    if v.len() == 1 {
        format!("`{}`", v[0])
    } else {
        format!("[{}]", v.join(", "))
    }
}

fn enums(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    let p = at.prefix();
    let oe = o.v.get("enum").and_then(Value::as_array);
    let ne = n.v.get("enum").and_then(Value::as_array);
    match (oe, ne) {
        (None, Some(_)) => {
            cx.emit_kw(
                &format!("{p}-became-enum"),
                at,
                o,
                n,
                "enum",
                "it became an enum: only the listed values are allowed".into(),
            );
        }
        (Some(a), Some(b)) => {
            for v in a.iter().filter(|v| !b.contains(v)) {
                let id = if at.invisible && at.dir == Dir::Request && at.place == Place::Property {
                    "request-read-only-property-enum-value-removed".to_string()
                } else {
                    format!("{p}-enum-value-removed")
                };
                cx.emit_kw(&id, at, o, n, "enum", format!("enum value {v} was removed"));
            }
            for v in b.iter().filter(|v| !a.contains(v)) {
                let id = if at.invisible && at.dir == Dir::Response && at.place == Place::Property {
                    "response-write-only-property-enum-value-added".to_string()
                } else {
                    format!("{p}-enum-value-added")
                };
                cx.emit_kw(&id, at, o, n, "enum", format!("enum value {v} was added"));
            }
        }
        _ => {}
    }
    let ox = o.v.get("x-extensible-enum").and_then(Value::as_array);
    let nx = n.v.get("x-extensible-enum").and_then(Value::as_array);
    if let (Some(a), Some(b)) = (ox, nx) {
        for v in a.iter().filter(|v| !b.contains(v)) {
            cx.emit_kw(
                &format!("{p}-x-extensible-enum-value-removed"),
                at,
                o,
                n,
                "enum",
                format!("extensible enum value {v} was removed"),
            );
        }
    }
}

/// Numeric and size bounds. `upper` bounds (max…) tighten when lowered, lower bounds when raised.
fn bounds(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    const UPPER: &[(&str, &str)] = &[
        ("maximum", "max"),
        ("maxLength", "max-length"),
        ("maxItems", "max-items"),
        ("maxProperties", "max-properties"),
        ("maxContains", "max-contains"),
    ];
    const LOWER: &[(&str, &str)] = &[
        ("minimum", "min"),
        ("minLength", "min-length"),
        ("minItems", "min-items"),
        ("minProperties", "min-properties"),
        ("minContains", "min-contains"),
    ];
    let p = at.prefix();
    let ro = if at.invisible && at.dir == Dir::Request && at.place == Place::Property {
        "request-read-only-property"
    } else {
        p
    };
    for (key, name) in UPPER.iter().chain(LOWER) {
        let upper = UPPER.iter().any(|(k, _)| k == key);
        // OpenAPI 3.0's `exclusiveMaximum: true` turns `maximum` into an exclusive bound,
        // compared with the exclusive bounds below.
        let inclusive = |v: &Value| {
            let exclusive_flag = match *key {
                "maximum" => v.get("exclusiveMaximum") == Some(&Value::Bool(true)),
                "minimum" => v.get("exclusiveMinimum") == Some(&Value::Bool(true)),
                _ => false,
            };
            num(v, key).filter(|_| !exclusive_flag)
        };
        let bound = Bound {
            key,
            name,
            upper,
            prefix: p,
            read_only: ro,
            unset: true,
        };
        bound.compare(cx, at, o, n, (inclusive(o.v), inclusive(n.v)));
    }
    // exclusiveMaximum/Minimum: a number in 3.1, a boolean modifier in 3.0.
    for (key, base, name, upper) in [
        ("exclusiveMaximum", "maximum", "exclusive-max", true),
        ("exclusiveMinimum", "minimum", "exclusive-min", false),
    ] {
        let value = |v: &Value| match v.get(key) {
            Some(Value::Number(x)) => x.as_f64(),
            Some(Value::Bool(true)) => num(v, base),
            _ => None,
        };
        let bound = Bound {
            key,
            name,
            upper,
            prefix: p,
            read_only: ro,
            unset: false,
        };
        bound.compare(cx, at, o, n, (value(o.v), value(n.v)));
    }
    if let (Some(a), Some(b)) = (num(o.v, "multipleOf"), num(n.v, "multipleOf")) {
        if a != b {
            cx.emit_kw(
                &format!("{p}-multiple-of-changed"),
                at,
                o,
                n,
                "multipleOf",
                format!("multipleOf changed from {a} to {b}"),
            );
        }
    }
}

/// One numeric bound and how its changes are named.
struct Bound<'k> {
    /// Schema keyword (`maximum`).
    key: &'k str,
    /// Id fragment (`max`).
    name: &'k str,
    /// An upper bound tightens when lowered; a lower bound when raised.
    upper: bool,
    /// Id prefix for the place (`request-property`).
    prefix: &'k str,
    /// Prefix used instead when a read-only request property tightens.
    read_only: &'k str,
    /// Whether removing the bound has an id of its own.
    unset: bool,
}

impl Bound<'_> {
    fn compare(
        &self,
        cx: &mut Cx<'_>,
        at: &At<'_>,
        o: S<'_>,
        n: S<'_>,
        values: (Option<f64>, Option<f64>),
    ) {
        let (key, name, p) = (self.key, self.name, self.prefix);
        match values {
            (Some(a), Some(b)) if a != b => {
                let change = if b > a { "increased" } else { "decreased" };
                let tighter = (self.upper && b < a) || (!self.upper && b > a);
                let prefix = if tighter { self.read_only } else { p };
                let id = format!("{prefix}-{name}-{change}");
                cx.emit_kw(
                    &id,
                    at,
                    o,
                    n,
                    key,
                    format!("{key} {change} from {a} to {b}"),
                );
            }
            (None, Some(b)) => cx.emit_kw(
                &format!("{p}-{name}-set"),
                at,
                o,
                n,
                key,
                format!("{key} was set to {b}"),
            ),
            (Some(a), None) if self.unset => cx.emit_kw(
                &format!("{p}-{name}-unset"),
                at,
                o,
                n,
                key,
                format!("{key} {a} was removed"),
            ),
            _ => {}
        }
    }
}

fn pattern(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    let p = at.prefix();
    let a = o.v.get("pattern").and_then(Value::as_str);
    let b = n.v.get("pattern").and_then(Value::as_str);
    match (a, b) {
        (None, Some(b)) => cx.emit_kw(
            &format!("{p}-pattern-added"),
            at,
            o,
            n,
            "pattern",
            format!("pattern `{b}` was added"),
        ),
        (Some(a), None) => cx.emit_kw(
            &format!("{p}-pattern-removed"),
            at,
            o,
            n,
            "pattern",
            format!("pattern `{a}` was removed"),
        ),
        (Some(a), Some(b)) if a != b => {
            let any = |s: &str| matches!(s, ".*" | "^.*$" | "^.*" | ".*$");
            let kind = if any(b) {
                "pattern-generalized"
            } else {
                "pattern-changed"
            };
            cx.emit_kw(
                &format!("{p}-{kind}"),
                at,
                o,
                n,
                "pattern",
                format!("pattern changed from `{a}` to `{b}`"),
            );
        }
        _ => {}
    }
}

fn default_and_const(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    let p = at.prefix();
    for (key, name) in [("default", "default-value"), ("const", "const")] {
        match (o.v.get(key), n.v.get(key)) {
            (None, Some(b)) => cx.emit_kw(
                &format!("{p}-{name}-added"),
                at,
                o,
                n,
                key,
                format!("{key} {b} was added"),
            ),
            (Some(a), None) => cx.emit_kw(
                &format!("{p}-{name}-removed"),
                at,
                o,
                n,
                key,
                format!("{key} {a} was removed"),
            ),
            (Some(a), Some(b)) if a != b => cx.emit_kw(
                &format!("{p}-{name}-changed"),
                at,
                o,
                n,
                key,
                format!("{key} changed from {a} to {b}"),
            ),
            _ => {}
        }
    }
}

/// `allOf` is flattened for comparison (see [`properties`]); the number of subschemas is reported.
/// `oneOf`/`anyOf` variants are paired by shape and compared.
fn composition(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    let p = at.prefix();
    for (key, name) in [
        ("allOf", "all-of"),
        ("oneOf", "one-of"),
        ("anyOf", "any-of"),
    ] {
        let a = subschemas(cx, true, o, key);
        let b = subschemas(cx, false, n, key);
        if a.is_empty() && b.is_empty() {
            continue;
        }
        // Wrapping a schema into a oneOf with itself as one variant.
        if key == "oneOf" && a.is_empty() && !b.is_empty() && o.v.get("type").is_some() {
            let same = b
                .iter()
                .any(|(_, l)| shape(cx.new.get(l)) == shape(Some(o.v)));
            if same {
                cx.emit(
                    &format!("{p}-wrapped-in-one-of"),
                    at,
                    o,
                    n,
                    "the schema was wrapped in a oneOf".into(),
                );
                continue;
            }
        }
        let (pairs, removed, added) = pair_variants(cx, &a, &b);
        for (ol, nl) in pairs {
            let sub = at.nested(key);
            compare(
                cx,
                &ol,
                &nl,
                &At {
                    place: at.place,
                    ..sub
                },
            );
        }
        let annotation_only = |s: &dyn Source, l: &Loc| {
            s.get(l).and_then(Value::as_object).is_some_and(|m| {
                m.keys().all(|k| {
                    matches!(
                        k.as_str(),
                        "description"
                            | "title"
                            | "example"
                            | "examples"
                            | "deprecated"
                            | "readOnly"
                            | "writeOnly"
                            | "x-"
                    )
                }) || m
                    .keys()
                    .all(|k| k == "description" || k == "title" || k.starts_with("x-"))
            })
        };
        for l in removed {
            let id = if key == "allOf" && annotation_only(cx.old, &l) {
                format!("{p}-{name}-removed-annotation-only")
            } else {
                format!("{p}-{name}-removed")
            };
            cx.emit_at(
                &id,
                at,
                Some(&l),
                Some(n.loc),
                format!("a {key} subschema was removed"),
            );
        }
        for l in added {
            // A member written exactly like another one (the same inline schema or the same
            // `$ref`) changes nothing.
            let raw = |v: &Value, i: usize| v.get(key).and_then(|a| a.get(i)).cloned();
            let idx = b.iter().find(|(_, x)| *x == l).map(|(i, _)| *i);
            let mine = idx.and_then(|i| raw(n.v, i));
            let duplicate = key == "allOf"
                && mine.is_some()
                && b.iter()
                    .any(|(i, _)| Some(*i) != idx && raw(n.v, *i) == mine)
                && a.iter().any(|(i, _)| raw(o.v, *i) == mine);
            if duplicate {
                continue;
            }
            let id = if key == "allOf" && annotation_only(cx.new, &l) {
                format!("{p}-{name}-added-annotation-only")
            } else {
                format!("{p}-{name}-added")
            };
            cx.emit_at(
                &id,
                at,
                Some(o.loc),
                Some(&l),
                format!("a {key} subschema was added"),
            );
        }
    }
    // `not` subschemas are walked like any other (as oasdiff does), so changes inside them
    // are reported at their place.
    if let (Some(ol), Some(nl)) = (child(cx.old, o.loc, "not"), child(cx.new, n.loc, "not")) {
        compare(cx, &ol, &nl, &at.nested("not"));
    }
}

/// The dereferenced locations of `schema[key][*]`.
fn subschemas(cx: &Cx<'_>, old: bool, s: S<'_>, key: &str) -> Vec<(usize, Loc)> {
    let src = if old { cx.old } else { cx.new };
    let Some(arr) = s.v.get(key).and_then(Value::as_array) else {
        return Vec::new();
    };
    (0..arr.len())
        .map(|i| (i, deref(src, s.loc.child(key).index(i))))
        .collect()
}

/// A structural fingerprint used to pair `oneOf`/`anyOf` variants regardless of order or of
/// whether they are inline or `$ref`s.
fn shape(v: Option<&Value>) -> String {
    let Some(v) = v else { return String::new() };
    let mut parts = Vec::new();
    if let Some(t) = types(v) {
        parts.push(format!(
            "type={}",
            t.into_iter().collect::<Vec<_>>().join("|")
        ));
    }
    if let Some(props) = v.get("properties").and_then(Value::as_object) {
        let mut keys: Vec<&String> = props.keys().collect();
        keys.sort();
        parts.push(format!(
            "props={}",
            keys.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    if let Some(r) = v.get("required").and_then(Value::as_array) {
        let mut r: Vec<String> = r.iter().map(|x| x.to_string()).collect();
        r.sort();
        parts.push(format!("req={}", r.join(",")));
    }
    if let Some(t) = v.get("title").and_then(Value::as_str) {
        parts.push(format!("title={t}"));
    }
    if let Some(e) = v.get("enum") {
        parts.push(format!("enum={e}"));
    }
    if let Some(c) = v.get("const") {
        parts.push(format!("const={c}"));
    }
    parts.join(";")
}

type Paired = (Vec<(Loc, Loc)>, Vec<Loc>, Vec<Loc>);

/// Pairs variants: same `$ref` target name first, then equal shape, then (one left on each
/// side) by elimination.
fn pair_variants(cx: &Cx<'_>, a: &[(usize, Loc)], b: &[(usize, Loc)]) -> Paired {
    let mut left: Vec<Option<&Loc>> = a.iter().map(|(_, l)| Some(l)).collect();
    let mut right: Vec<Option<&Loc>> = b.iter().map(|(_, l)| Some(l)).collect();
    let mut pairs = Vec::new();
    let name = |l: &Loc| l.ptr.rsplit('/').next().map(str::to_string);
    for pass in 0..2 {
        for slot in left.iter_mut() {
            let Some(l) = *slot else { continue };
            let found = right.iter().position(|r| {
                r.is_some_and(|r| match pass {
                    0 => {
                        l.ptr.starts_with("/components/")
                            && name(l) == name(r)
                            && r.ptr.starts_with("/components/")
                    }
                    _ => shape(cx.old.get(l)) == shape(cx.new.get(r)),
                })
            });
            if let Some(ri) = found {
                pairs.push((l.clone(), right[ri].cloned().unwrap_or_else(|| l.clone())));
                *slot = None;
                right[ri] = None;
            }
        }
    }
    let rest_l: Vec<&Loc> = left.iter().flatten().copied().collect();
    let rest_r: Vec<&Loc> = right.iter().flatten().copied().collect();
    let named = |l: &Loc| l.ptr.starts_with("/components/");
    if rest_l.len() == 1 && rest_r.len() == 1 && !(named(rest_l[0]) && named(rest_r[0])) {
        pairs.push((rest_l[0].clone(), rest_r[0].clone()));
        return (pairs, Vec::new(), Vec::new());
    }
    (
        pairs,
        rest_l.into_iter().cloned().collect(),
        rest_r.into_iter().cloned().collect(),
    )
}

/// JSON Schema 2020-12 keywords that only exist in OpenAPI 3.1 documents.
fn keywords_2020(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    let p = at.prefix();
    for (key, name) in [
        ("if", "if"),
        ("then", "then"),
        ("else", "else"),
        ("contains", "contains"),
        ("propertyNames", "property-names"),
        ("unevaluatedItems", "unevaluated-items"),
        ("unevaluatedProperties", "unevaluated-properties"),
        ("contentSchema", "content-schema"),
        ("prefixItems", "prefix-items"),
    ] {
        match (o.v.get(key).is_some(), n.v.get(key).is_some()) {
            (false, true) => cx.emit(
                &format!("{p}-{name}-added"),
                at,
                o,
                n,
                format!("`{key}` was added"),
            ),
            (true, false) => cx.emit(
                &format!("{p}-{name}-removed"),
                at,
                o,
                n,
                format!("`{key}` was removed"),
            ),
            (true, true) if key == "prefixItems" => {
                let (a, b) = (subschemas(cx, true, o, key), subschemas(cx, false, n, key));
                for i in 0..a.len().min(b.len()) {
                    compare(
                        cx,
                        &a[i].1,
                        &b[i].1,
                        &at.nested(&format!("prefixItems/{i}")),
                    );
                }
                if b.len() > a.len() {
                    cx.emit(
                        &format!("{p}-{name}-added"),
                        at,
                        o,
                        n,
                        "a prefixItems entry was added".into(),
                    );
                } else if a.len() > b.len() {
                    cx.emit(
                        &format!("{p}-{name}-removed"),
                        at,
                        o,
                        n,
                        "a prefixItems entry was removed".into(),
                    );
                }
            }
            (true, true) => {
                if let (Some(ol), Some(nl)) = (child(cx.old, o.loc, key), child(cx.new, n.loc, key))
                {
                    if key != "if" {
                        compare(cx, &ol, &nl, &at.nested(key));
                    }
                }
            }
            _ => {}
        }
    }
    for (key, name) in [
        ("contentMediaType", "content-media-type"),
        ("contentEncoding", "content-encoding"),
    ] {
        let (a, b) = (o.v.get(key), n.v.get(key));
        if a != b && (a.is_some() || b.is_some()) {
            cx.emit(
                &format!("{p}-{name}-changed"),
                at,
                o,
                n,
                format!("`{key}` changed"),
            );
        }
    }
    // dependentRequired: property → list of properties.
    let dr = |v: &Value| -> BTreeMap<String, BTreeSet<String>> {
        v.get("dependentRequired")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let set = v
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str().map(String::from))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (k.clone(), set)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (a, b) = (dr(o.v), dr(n.v));
    for (k, v) in &b {
        match a.get(k) {
            None => cx.emit(
                &format!("{p}-dependent-required-added"),
                at,
                o,
                n,
                format!("dependentRequired for `{k}` was added"),
            ),
            Some(old) if old != v => cx.emit(
                &format!("{p}-dependent-required-changed"),
                at,
                o,
                n,
                format!("dependentRequired for `{k}` changed"),
            ),
            _ => {}
        }
    }
    for k in a.keys().filter(|k| !b.contains_key(*k)) {
        cx.emit(
            &format!("{p}-dependent-required-removed"),
            at,
            o,
            n,
            format!("dependentRequired for `{k}` was removed"),
        );
    }
    for (key, name) in [
        ("dependentSchemas", "dependent-schema"),
        ("patternProperties", "pattern-property"),
    ] {
        let keys = |v: &Value| -> BTreeSet<String> {
            v.get(key)
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let (a, b) = (keys(o.v), keys(n.v));
        for k in b.difference(&a) {
            cx.emit(
                &format!("{p}-{name}-added"),
                at,
                o,
                n,
                format!("{key} `{k}` was added"),
            );
        }
        for k in a.difference(&b) {
            cx.emit(
                &format!("{p}-{name}-removed"),
                at,
                o,
                n,
                format!("{key} `{k}` was removed"),
            );
        }
        for k in a.intersection(&b) {
            if let (Some(ol), Some(nl)) = (
                child(cx.old, &o.loc.child(key), k),
                child(cx.new, &n.loc.child(key), k),
            ) {
                compare(cx, &ol, &nl, &at.nested(&format!("{key}/{k}")));
            }
        }
    }
}

fn discriminator(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    let p = at.prefix();
    let (a, b) = (o.v.get("discriminator"), n.v.get("discriminator"));
    match (a, b) {
        (None, Some(_)) => cx.emit(
            &format!("{p}-discriminator-added"),
            at,
            o,
            n,
            "a discriminator was added".into(),
        ),
        (Some(_), None) => cx.emit(
            &format!("{p}-discriminator-removed"),
            at,
            o,
            n,
            "the discriminator was removed".into(),
        ),
        (Some(a), Some(b)) => {
            if a.get("propertyName") != b.get("propertyName") {
                cx.emit(
                    &format!("{p}-discriminator-property-name-changed"),
                    at,
                    o,
                    n,
                    "the discriminator's propertyName changed".into(),
                );
            }
            let map = |v: &Value| {
                v.get("mapping")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default()
            };
            let (ma, mb) = (map(a), map(b));
            for (k, v) in &mb {
                match ma.get(k) {
                    None => cx.emit(
                        &format!("{p}-discriminator-mapping-added"),
                        at,
                        o,
                        n,
                        format!("discriminator mapping `{k}` was added"),
                    ),
                    Some(x) if x != v => cx.emit(
                        &format!("{p}-discriminator-mapping-changed"),
                        at,
                        o,
                        n,
                        format!("discriminator mapping `{k}` changed"),
                    ),
                    _ => {}
                }
            }
            for k in ma.keys().filter(|k| !mb.contains_key(*k)) {
                cx.emit(
                    &format!("{p}-discriminator-mapping-deleted"),
                    at,
                    o,
                    n,
                    format!("discriminator mapping `{k}` was deleted"),
                );
            }
        }
        _ => {}
    }
}

/// Properties of an object schema, with `allOf` members merged in.
struct Props {
    /// Name → location of the property schema (dereferenced).
    props: BTreeMap<String, Loc>,
    required: BTreeSet<String>,
    additional: Option<Loc>,
}

fn collect_props(src: &dyn Source, loc: &Loc, depth: usize) -> Props {
    let mut out = Props {
        props: BTreeMap::new(),
        required: BTreeSet::new(),
        additional: None,
    };
    let Some(v) = src.get(loc) else { return out };
    if let Some(m) = v.get("properties").and_then(Value::as_object) {
        for k in m.keys() {
            out.props
                .insert(k.clone(), deref(src, loc.child("properties").child(k)));
        }
    }
    if let Some(r) = v.get("required").and_then(Value::as_array) {
        out.required
            .extend(r.iter().filter_map(|x| x.as_str().map(String::from)));
    }
    if obj(v).is_some_and(|m| m.get("additionalProperties").is_some_and(Value::is_object)) {
        out.additional = Some(deref(src, loc.child("additionalProperties")));
    }
    if depth < 16 {
        if let Some(all) = v.get("allOf").and_then(Value::as_array) {
            for i in 0..all.len() {
                let sub = deref(src, loc.child("allOf").index(i));
                let p = collect_props(src, &sub, depth + 1);
                for (k, l) in p.props {
                    out.props.entry(k).or_insert(l);
                }
                out.required.extend(p.required);
                if out.additional.is_none() {
                    out.additional = p.additional;
                }
            }
        }
    }
    out
}

fn properties(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    let (osrc, nsrc) = (cx.old, cx.new);
    let a = collect_props(osrc, o.loc, 0);
    let b = collect_props(nsrc, n.loc, 0);
    let dir = at.dir;
    for (name, nl) in &b.props {
        let nv = nsrc.get(nl).unwrap_or(&Value::Null);
        let sub = at.nested(&format!("properties/{name}"));
        let ro = flag(nv, "readOnly");
        let wo = flag(nv, "writeOnly");
        match a.props.get(name) {
            None => {
                let required = b.required.contains(name);
                let id = match (dir, required) {
                    (Dir::Request, _) if ro => continue,
                    (Dir::Request, true) if nv.get("default").is_some() => {
                        "new-required-request-property-with-default".to_string()
                    }
                    (Dir::Request, true) => "new-required-request-property".to_string(),
                    (Dir::Request, false) => "new-optional-request-property".to_string(),
                    (Dir::Response, true) if wo => {
                        "response-required-write-only-property-added".to_string()
                    }
                    (Dir::Response, true) => "response-required-property-added".to_string(),
                    (Dir::Response, false) if wo => {
                        "response-optional-write-only-property-added".to_string()
                    }
                    (Dir::Response, false) => "response-optional-property-added".to_string(),
                };
                cx.emit_at(
                    &id,
                    &sub,
                    Some(o.loc),
                    Some(nl),
                    format!(
                        "property `{name}` was added{}",
                        if required { " as required" } else { "" }
                    ),
                );
            }
            Some(ol) => {
                let ov = osrc.get(ol).unwrap_or(&Value::Null);
                let (oro, owo) = (flag(ov, "readOnly"), flag(ov, "writeOnly"));
                let (req_a, req_b) = (a.required.contains(name), b.required.contains(name));
                let os = S { loc: ol, v: ov };
                let ns = S { loc: nl, v: nv };
                if req_a != req_b {
                    let id = match (dir, req_b) {
                        (Dir::Request, true) if ro => {
                            "request-required-property-became-read-only".to_string()
                        }
                        (Dir::Request, true) if nv.get("default").is_some() => {
                            "request-property-became-required-with-default".into()
                        }
                        (Dir::Request, true) => "request-property-became-required".into(),
                        (Dir::Request, false) => "request-property-became-optional".into(),
                        (Dir::Response, false) if wo => {
                            "response-write-only-property-became-optional".into()
                        }
                        (Dir::Response, false) => "response-property-became-optional".into(),
                        (Dir::Response, true) if wo => {
                            "response-write-only-property-became-required".into()
                        }
                        (Dir::Response, true) => "response-property-became-required".into(),
                    };
                    cx.emit(
                        &id,
                        &sub,
                        os,
                        ns,
                        format!(
                            "property `{name}` became {}",
                            if req_b { "required" } else { "optional" }
                        ),
                    );
                }
                let req = if req_b { "required" } else { "optional" };
                if oro != ro {
                    let which = if ro {
                        "became-read-only"
                    } else {
                        "became-not-read-only"
                    };
                    cx.emit(
                        &format!("{}-{req}-property-{which}", dir_word(dir)),
                        &sub,
                        os,
                        ns,
                        format!(
                            "property `{name}` {}",
                            if ro {
                                "became read-only"
                            } else {
                                "is no longer read-only"
                            }
                        ),
                    );
                }
                if owo != wo {
                    let which = if wo {
                        "became-write-only"
                    } else {
                        "became-not-write-only"
                    };
                    cx.emit(
                        &format!("{}-{req}-property-{which}", dir_word(dir)),
                        &sub,
                        os,
                        ns,
                        format!(
                            "property `{name}` {}",
                            if wo {
                                "became write-only"
                            } else {
                                "is no longer write-only"
                            }
                        ),
                    );
                }
                property_lifecycle(cx, &sub, os, ns, name);
                let invisible =
                    (dir == Dir::Request && ro && oro) || (dir == Dir::Response && wo && owo);
                compare(
                    cx,
                    ol,
                    nl,
                    &At {
                        invisible: at.invisible || invisible,
                        ..sub
                    },
                );
            }
        }
    }
    for (name, ol) in &a.props {
        if b.props.contains_key(name) {
            continue;
        }
        let ov = osrc.get(ol).unwrap_or(&Value::Null);
        let sub = at.nested(&format!("properties/{name}"));
        let required = a.required.contains(name);
        let (ro, wo) = (flag(ov, "readOnly"), flag(ov, "writeOnly"));
        let id = match (dir, required) {
            (Dir::Request, _) if ro => continue,
            (Dir::Request, _) => "request-property-removed".to_string(),
            (Dir::Response, true) if wo => "response-required-write-only-property-removed".into(),
            (Dir::Response, true) => "response-required-property-removed".into(),
            (Dir::Response, false) if wo => "response-optional-write-only-property-removed".into(),
            (Dir::Response, false) => "response-optional-property-removed".into(),
        };
        cx.emit_at(
            &id,
            &sub,
            Some(ol),
            Some(n.loc),
            format!("property `{name}` was removed"),
        );
    }
    if let (Some(ol), Some(nl)) = (&a.additional, &b.additional) {
        compare(cx, ol, nl, &at.nested("additionalProperties"));
    }
    // additionalProperties: false → schema/true widens a response (clients may meet unknown keys).
    let closed = |v: &Value| v.get("additionalProperties") == Some(&Value::Bool(false));
    if closed(o.v) && !closed(n.v) && at.dir == Dir::Response {
        cx.emit(
            &format!("{}-type-changed", at.prefix()),
            at,
            o,
            n,
            "additionalProperties is no longer false: responses may carry unknown properties"
                .into(),
        );
    }
}

/// Deprecation of a property, with its sunset date checked.
fn property_lifecycle(cx: &mut Cx<'_>, at: &At<'_>, o: S<'_>, n: S<'_>, name: &str) {
    let d = dir_word(at.dir);
    match (flag(o.v, "deprecated"), flag(n.v, "deprecated")) {
        (false, true) => {
            let id = match n
                .v
                .get("x-sunset")
                .map(|s| s.as_str().map(str::parse::<crate::diff::Date>))
            {
                None => format!("{d}-property-deprecated"),
                Some(Some(Ok(_))) => format!("{d}-property-deprecated-with-sunset"),
                Some(_) => format!("{d}-property-deprecated-sunset-invalid"),
            };
            cx.emit(&id, at, o, n, format!("property `{name}` was deprecated"));
            if !id.ends_with("sunset-invalid") {
                let ids = if at.dir == Dir::Request {
                    super::matching::SunsetIds {
                        missing: "request-property-deprecated-sunset-missing",
                        parse: "request-property-deprecated-sunset-invalid",
                        too_small: "request-property-sunset-date-too-small",
                    }
                } else {
                    super::matching::SunsetIds {
                        missing: "response-property-deprecated-sunset-missing",
                        parse: "response-property-deprecated-sunset-invalid",
                        too_small: "response-property-sunset-date-too-small",
                    }
                };
                let path = at.path.clone();
                super::matching::sunset_policy(
                    cx,
                    &ids,
                    at.subject,
                    &path,
                    (o.loc, n.loc),
                    n.v,
                    &serde_json::Value::Null,
                );
            }
        }
        (true, false) => cx.emit(
            &format!("{d}-property-reactivated"),
            at,
            o,
            n,
            format!("property `{name}` is no longer deprecated"),
        ),
        _ => {}
    }
}

fn dir_word(d: Dir) -> &'static str {
    match d {
        Dir::Request => "request",
        Dir::Response => "response",
    }
}

fn items(cx: &mut Cx<'_>, o: S<'_>, n: S<'_>, at: &At<'_>) {
    if let (Some(ol), Some(nl)) = (child(cx.old, o.loc, "items"), child(cx.new, n.loc, "items")) {
        if cx.old.get(&ol).is_some_and(Value::is_object)
            && cx.new.get(&nl).is_some_and(Value::is_object)
        {
            compare(cx, &ol, &nl, &at.nested("items"));
        }
    }
}
