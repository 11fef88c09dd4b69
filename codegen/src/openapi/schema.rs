//! JSON Schema (OpenAPI 3.0 and 3.1 dialects) to Rust types in the [`TypeSpace`].
//!
//! `$ref` targets become named types under their pointer (reserved before their body is
//! built, so recursion resolves and is boxed later); inline objects, enums and unions are
//! interned by structure under a name derived from where they are used. What cannot be typed
//! becomes `serde_json::Value` with a warning.

use std::collections::{BTreeSet, HashMap, HashSet};

use contracts::openapi::{escape, OpenApi, Ptr};
use contracts::Diagnostic;
use serde_json::Value;

use crate::ir::{Ty, TypeKind, TypeSpace};
use crate::naming::{type_ident, Namer};

/// `serde_json::Value`, the type of what has no better one.
pub(super) const JSON: &str = "::serde_json::Value";

/// The Rust side of a schema that needs a type of its own.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    /// An object.
    Struct {
        fields: Vec<Field>,
        /// `additionalProperties`, flattened into a map field.
        additional: Option<(String, Ty)>,
    },
    /// `enum` of strings.
    StrEnum { values: Vec<(String, String)> },
    /// `enum` of integers: a checked newtype over `i64`.
    IntEnum { values: Vec<i64> },
    /// `enum` of mixed or non-integer values: a checked newtype over `serde_json::Value`
    /// (the values as JSON text).
    ValueEnum { values: Vec<String> },
    /// `oneOf`/`anyOf`/type lists: untagged, or tagged by a discriminator property.
    Union {
        variants: Vec<Variant>,
        tag: Option<String>,
    },
    /// A named schema that is not an object, enum or union: `pub type X = …;`.
    Alias(Ty),
}

/// A property.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Field {
    /// JSON name.
    pub wire: String,
    /// Rust name.
    pub ident: String,
    /// Type (`Option` when the property may be absent or null).
    pub ty: Ty,
    /// May be absent: skipped when `None`.
    pub optional: bool,
    pub doc: Option<String>,
    /// Constraints checked while deserializing: (field of `contract_runtime::check::Checks`,
    /// Rust literal). Empty when none apply to the field's type.
    pub checks: Vec<(&'static str, String)>,
    /// The contract's `default`, used when the property is absent (the field is then not an
    /// `Option`).
    pub default: Option<Dflt>,
}

/// A schema's `default` as Rust code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Dflt {
    /// An expression of the field's type (`30`, `String::from("x")`, `Vec::new()`).
    Expr(String),
    /// A unit variant of the field's (string enum) type.
    Variant(String),
}

/// Which way a type travels: `readOnly` properties are left out of request views, `writeOnly`
/// ones out of response views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dir {
    Request,
    Response,
}

/// A union member.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Variant {
    pub ident: String,
    pub ty: Ty,
    /// Discriminator values naming this member (the first is written).
    pub tags: Vec<String>,
}

impl TypeKind for Kind {
    fn uses(&self) -> Vec<&Ty> {
        match self {
            Kind::Struct { fields, additional } => fields
                .iter()
                .map(|f| &f.ty)
                .chain(additional.as_ref().map(|(_, t)| t))
                .collect(),
            Kind::Union { variants, .. } => variants.iter().map(|v| &v.ty).collect(),
            Kind::Alias(t) => vec![t],
            Kind::StrEnum { .. } | Kind::IntEnum { .. } | Kind::ValueEnum { .. } => Vec::new(),
        }
    }
    fn uses_mut(&mut self) -> Vec<&mut Ty> {
        match self {
            Kind::Struct { fields, additional } => fields
                .iter_mut()
                .map(|f| &mut f.ty)
                .chain(additional.as_mut().map(|(_, t)| t))
                .collect(),
            Kind::Union { variants, .. } => variants.iter_mut().map(|v| &mut v.ty).collect(),
            Kind::Alias(t) => vec![t],
            Kind::StrEnum { .. } | Kind::IntEnum { .. } | Kind::ValueEnum { .. } => Vec::new(),
        }
    }
}

/// A schema's shape: a type use, or a body that needs a type of its own.
enum Shape {
    Ty(Ty),
    Kind(Kind),
}

/// Builds types from schemas.
pub(super) struct Schemas<'a> {
    pub api: &'a OpenApi,
    pub space: TypeSpace<Kind>,
    pub warnings: Vec<Diagnostic>,
    /// `$ref` chains being expanded inline (allOf members), to stop on cycles.
    merging: BTreeSet<Ptr>,
    /// The direction types are being built for (named types get a request view of their own
    /// when they hold `readOnly`/`writeOnly` properties).
    pub dir: Dir,
    /// Whether a `$ref` target holds a `readOnly`/`writeOnly` property, itself or below.
    one_way: HashMap<String, bool>,
    /// The `$ref` targets some response reaches (see [`Schemas::mark_responses`]).
    in_responses: HashSet<String>,
}

/// A pointer one segment deeper.
pub(super) fn child(p: &Ptr, segment: &str) -> Ptr {
    Ptr {
        doc: p.doc,
        pointer: format!("{}/{}", p.pointer, escape(segment)),
    }
}

fn key(p: &Ptr) -> String {
    format!("{}#{}", p.doc, p.pointer)
}

/// The last pointer segment, unescaped: a schema's name under `components/schemas`.
fn last_segment(p: &Ptr) -> String {
    p.pointer
        .rsplit('/')
        .next()
        .unwrap_or("")
        .replace("~1", "/")
        .replace("~0", "~")
}

/// A description or title, for doc comments.
pub(super) fn doc_of(v: &Value) -> Option<String> {
    v.get("description")
        .or_else(|| v.get("title"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `Option<t>`, without doubling an `Option`.
pub(super) fn optional(t: Ty) -> Ty {
    match t {
        Ty::Option(_) => t,
        t => t.optional(),
    }
}

impl<'a> Schemas<'a> {
    /// An empty space for `api`, with `reserved` names kept out of it.
    pub fn new(api: &'a OpenApi, reserved: &[&str]) -> Self {
        let mut space = TypeSpace::new();
        for r in reserved {
            space.reserve_name(r);
        }
        Schemas {
            api,
            space,
            warnings: Vec::new(),
            merging: BTreeSet::new(),
            dir: Dir::Response,
            one_way: HashMap::new(),
            in_responses: HashSet::new(),
        }
    }

    /// Reports a degradation at `at`.
    pub fn warn(&mut self, at: &Ptr, message: String, hint: &str) {
        self.warnings.push(
            Diagnostic::warning("codegen-degraded", message)
                .with_span(self.api.span(at))
                .with_hint(hint),
        );
    }

    /// The type of the schema at `at`, named after `hint` if it needs a type of its own.
    pub fn ty(&mut self, at: &Ptr, hint: &str) -> Ty {
        let Some(v) = self.api.get(at) else {
            return Ty::path(JSON);
        };
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            return match self.api.resolve_ref(at.doc, r) {
                Ok(target) => self.named(&target),
                Err(_) => {
                    self.warn(
                        at,
                        format!("$ref {r} does not resolve; typed as JSON"),
                        "fix the reference",
                    );
                    Ty::path(JSON)
                }
            };
        }
        match self.shape(at, v, hint) {
            // `type: string, nullable: true` (3.0) or `type: [string, "null"]` (3.1).
            Shape::Ty(t) if is_nullable(v) => optional(t),
            Shape::Ty(t) => t,
            Shape::Kind(k) => {
                let nullable = is_nullable(v);
                let id = self.space.intern(hint, &at.pointer, k, doc_of(v));
                if nullable {
                    Ty::Named(id).optional()
                } else {
                    Ty::Named(id)
                }
            }
        }
    }

    /// The type of a `$ref` target: a named type (built once); `Option` of it when the target
    /// schema allows `null`.
    pub fn named(&mut self, target: &Ptr) -> Ty {
        // A request view of its own when the schema differs by direction; the plain name is
        // the response view.
        // The view the plain name does not stand for gets a suffix.
        let suffix = match (self.dir, self.in_responses(target)) {
            (Dir::Request, true) => "Request",
            (Dir::Response, false) => "Response",
            _ => "",
        };
        let suffix = if !suffix.is_empty() && self.one_way(target) {
            suffix
        } else {
            ""
        };
        // A view's key must not meet the key of a schema named, say, `PetRequest`.
        let k = if suffix.is_empty() {
            key(target)
        } else {
            format!("{}\u{0}{suffix}", key(target))
        };
        let Some(v) = self.api.get(target) else {
            return Ty::path(JSON);
        };
        let nullable = is_nullable(v);
        let wrap = |t: Ty| if nullable { optional(t) } else { t };
        if let Some(id) = self.space.by_key(&k) {
            return wrap(Ty::Named(id));
        }
        // A reference to a reference: follow it.
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            if let Ok(next) = self.api.resolve_ref(target.doc, r) {
                if next != *target && !self.merging.contains(&next) {
                    self.merging.insert(target.clone());
                    let t = self.named(&next);
                    self.merging.remove(target);
                    return wrap(t);
                }
            }
            return Ty::path(JSON);
        }
        let name = format!("{}{suffix}", last_segment(target));
        let id = self.space.reserve(Some(&k), &name, &target.pointer);
        let type_name = self.space.name(id).to_string();
        let kind = match self.shape(target, v, &type_name) {
            Shape::Kind(kind) => kind,
            Shape::Ty(t) => Kind::Alias(t),
        };
        self.space.define(id, kind, doc_of(v));
        wrap(Ty::Named(id))
    }

    /// What the schema `v` at `at` is, ignoring nullability (callers wrap `Option`).
    fn shape(&mut self, at: &Ptr, v: &Value, hint: &str) -> Shape {
        let Some(obj) = v.as_object() else {
            // `true`/`false` schemas and non-objects.
            return Shape::Ty(Ty::path(JSON));
        };
        if let Some(values) = obj.get("enum").and_then(Value::as_array) {
            return self.enumeration(values);
        }
        if let Some(c) = obj.get("const") {
            return self.enumeration(std::slice::from_ref(c));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(members) = obj.get(key).and_then(Value::as_array) {
                if !members.is_empty() {
                    return self.union(at, v, key, members.len(), hint);
                }
            }
        }
        if obj.get("allOf").and_then(Value::as_array).is_some() {
            return self.all_of(at, v, hint);
        }
        let types = non_null_types(v);
        match types.as_slice() {
            [] if obj.contains_key("properties") || obj.contains_key("additionalProperties") => {
                self.object(at, v, hint)
            }
            [] if obj.contains_key("items") => self.array(at, hint),
            [] => Shape::Ty(Ty::path(JSON)),
            [t] => match *t {
                "object" => self.object(at, v, hint),
                "array" => self.array(at, hint),
                "string" => Shape::Ty(Ty::path(string_type(v))),
                "integer" => Shape::Ty(Ty::path(integer(v))),
                "number" => Shape::Ty(Ty::path(
                    if v.get("format").and_then(Value::as_str) == Some("float") {
                        "f32"
                    } else {
                        "f64"
                    },
                )),
                "boolean" => Shape::Ty(Ty::path("bool")),
                _ => Shape::Ty(Ty::path(JSON)),
            },
            // Several types: an untagged union of them.
            many => {
                let mut namer = Namer::new();
                let variants = many
                    .iter()
                    .map(|t| {
                        let ty = match *t {
                            "string" => Ty::path("String"),
                            "integer" => Ty::path(integer(v)),
                            "number" => Ty::path("f64"),
                            "boolean" => Ty::path("bool"),
                            "array" => Ty::path(JSON).list(),
                            _ => Ty::path("::serde_json::Map<String, ::serde_json::Value>"),
                        };
                        Variant {
                            ident: namer.type_name(t, "Variant"),
                            ty,
                            tags: Vec::new(),
                        }
                    })
                    .collect();
                Shape::Kind(Kind::Union {
                    variants,
                    tag: None,
                })
            }
        }
    }

    fn array(&mut self, at: &Ptr, hint: &str) -> Shape {
        let items = child(at, "items");
        let item = if self.api.get(&items).is_some() {
            self.ty(&items, &format!("{hint}Item"))
        } else {
            Ty::path(JSON)
        };
        Shape::Ty(item.list())
    }

    fn enumeration(&mut self, values: &[Value]) -> Shape {
        let non_null: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
        if !non_null.is_empty() && non_null.iter().all(|v| v.is_string()) {
            let mut namer = Namer::new();
            let mut seen = BTreeSet::new();
            let values = non_null
                .iter()
                .filter_map(|v| v.as_str())
                .filter(|s| seen.insert(*s))
                .map(|s| (s.to_string(), namer.type_name(s, "Empty")))
                .collect();
            return Shape::Kind(Kind::StrEnum { values });
        }
        if !non_null.is_empty() && non_null.iter().all(|v| v.is_i64()) {
            let mut values: Vec<i64> = non_null.iter().filter_map(|v| v.as_i64()).collect();
            values.dedup();
            return Shape::Kind(Kind::IntEnum { values });
        }
        if non_null.is_empty() {
            return Shape::Ty(Ty::path(JSON));
        }
        let mut values: Vec<String> = Vec::new();
        for v in non_null {
            let text = v.to_string();
            if !values.contains(&text) {
                values.push(text);
            }
        }
        Shape::Kind(Kind::ValueEnum { values })
    }

    fn union(&mut self, at: &Ptr, v: &Value, key: &str, n: usize, hint: &str) -> Shape {
        let members_at = child(at, key);
        // Null members make the union nullable (the caller wraps `Option`); the rest are variants.
        let mut variants: Vec<(Ptr, Option<Ptr>)> = Vec::new();
        for i in 0..n {
            let m = child(&members_at, &i.to_string());
            let target = self
                .api
                .get(&m)
                .and_then(|mv| mv.get("$ref"))
                .and_then(Value::as_str)
                .and_then(|r| self.api.resolve_ref(m.doc, r).ok());
            let resolved = target.clone().unwrap_or_else(|| m.clone());
            let is_null = self
                .api
                .get(&resolved)
                .is_some_and(|mv| non_null_types(mv).is_empty() && type_list(mv).contains(&"null"));
            if !is_null {
                variants.push((m, target));
            }
        }
        if let [(only, _)] = variants.as_slice() {
            return Shape::Ty(self.ty(only, hint));
        }
        if variants.is_empty() {
            return Shape::Ty(Ty::path(JSON));
        }
        let disc = v.get("discriminator");
        let tag = disc
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let mapping: Vec<(String, Option<Ptr>)> = disc
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(value, r)| {
                        let target = r.as_str().and_then(|r| {
                            // A mapping value is a reference or a schema name.
                            self.api.resolve_ref(at.doc, r).ok().or_else(|| {
                                self.api
                                    .resolve_ref(at.doc, &format!("#/components/schemas/{r}"))
                                    .ok()
                            })
                        });
                        (value.clone(), target)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let tagged = tag.is_some() && variants.iter().all(|(_, t)| t.is_some());
        if tag.is_some() && !tagged {
            self.warn(
                at,
                format!("{hint}: the discriminator needs every member to be a $ref; the union is untagged"),
                "make every member a $ref to a named schema",
            );
        }
        let mut namer = Namer::new();
        let mut out = Vec::new();
        for (i, (m, target)) in variants.iter().enumerate() {
            let base = match target {
                Some(t) => last_segment(t),
                None => self
                    .api
                    .get(m)
                    .map(|mv| {
                        non_null_types(mv)
                            .first()
                            .copied()
                            .unwrap_or("variant")
                            .to_string()
                    })
                    .unwrap_or_else(|| format!("variant{i}")),
            };
            let ident = namer.type_name(&base, "Variant");
            let ty = self.ty(m, &format!("{hint}{}", type_ident(&base, "Variant")));
            let tags = match (tagged, target) {
                (true, Some(t)) => {
                    let mut tags: Vec<String> = mapping
                        .iter()
                        .filter(|(_, mt)| mt.as_ref() == Some(t))
                        .map(|(value, _)| value.clone())
                        .collect();
                    if tags.is_empty() {
                        tags.push(last_segment(t));
                    }
                    tags
                }
                _ => Vec::new(),
            };
            out.push(Variant { ident, ty, tags });
        }
        Shape::Kind(Kind::Union {
            variants: out,
            tag: if tagged { tag } else { None },
        })
    }

    fn object(&mut self, at: &Ptr, v: &Value, hint: &str) -> Shape {
        let props = v.get("properties").and_then(Value::as_object);
        let additional = v.get("additionalProperties");
        if props.is_none_or(|p| p.is_empty()) {
            let item = match additional {
                Some(Value::Object(_)) => {
                    self.ty(&child(at, "additionalProperties"), &format!("{hint}Value"))
                }
                _ => Ty::path(JSON),
            };
            return Shape::Ty(Ty::Map(Box::new(item)));
        }
        let mut fields = Vec::new();
        let mut namer = Namer::new();
        self.fields(at, v, hint, &mut namer, &mut fields, &BTreeSet::new());
        let additional = match additional {
            Some(Value::Object(_)) => {
                let t = self.ty(&child(at, "additionalProperties"), &format!("{hint}Value"));
                Some((namer.field_name("additional_properties", "additional"), t))
            }
            Some(Value::Bool(true)) => Some((
                namer.field_name("additional_properties", "additional"),
                Ty::path(JSON),
            )),
            _ => None,
        };
        Shape::Kind(Kind::Struct { fields, additional })
    }

    /// Adds the properties of the object schema `v` at `at` to `out` (a property already there
    /// keeps its first type; `extra_required` names properties required by an enclosing
    /// `allOf`).
    fn fields(
        &mut self,
        at: &Ptr,
        v: &Value,
        hint: &str,
        namer: &mut Namer,
        out: &mut Vec<Field>,
        extra_required: &BTreeSet<String>,
    ) {
        let required: BTreeSet<&str> = v
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(props) = v.get("properties").and_then(Value::as_object) else {
            return;
        };
        let props_at = child(at, "properties");
        for (name, pv) in props {
            if let Some(existing) = out.iter_mut().find(|f| &f.wire == name) {
                if required.contains(name.as_str()) && existing.optional {
                    existing.optional = false;
                }
                continue;
            }
            let p_at = child(&props_at, name);
            let resolved = self.resolved(&p_at);
            // A readOnly property is never sent in a request, a writeOnly one never in a
            // response: the view for that direction leaves it out.
            let flag = |k: &str| {
                [pv, &resolved]
                    .iter()
                    .any(|v| v.get(k).and_then(Value::as_bool) == Some(true))
            };
            let skip = match self.dir {
                Dir::Request => flag("readOnly"),
                Dir::Response => flag("writeOnly"),
            };
            if skip {
                continue;
            }
            let ty = self.ty(&p_at, &format!("{hint}{}", type_ident(name, "Property")));
            let is_required = required.contains(name.as_str()) || extra_required.contains(name);
            let default = match pv.get("default").or_else(|| resolved.get("default")) {
                Some(d) if !is_required => self.default_of(&p_at, name, &ty, d),
                _ => None,
            };
            let ty = if is_required || default.is_some() {
                ty
            } else {
                optional(ty)
            };
            let checks = if checkable(&ty) {
                self.checks(&p_at, &resolved)
            } else {
                Vec::new()
            };
            out.push(Field {
                wire: name.clone(),
                ident: namer.field_name(name, "field"),
                ty,
                optional: !is_required && default.is_none(),
                doc: doc_of(pv).or_else(|| doc_of(&resolved)),
                checks,
                default,
            });
        }
    }

    /// The constraints of schema `v` (at `at`) as `Checks` fields with Rust literals. A pattern
    /// the `regex` crate cannot compile (ECMA-262 look-arounds, back-references) is left out
    /// with a warning.
    pub fn checks(&mut self, at: &Ptr, v: &Value) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let count = |k: &str| v.get(k).and_then(Value::as_u64);
        let num = |k: &str| v.get(k).and_then(Value::as_f64).filter(|x| x.is_finite());
        let float = |x: f64| format!("{x:?}");
        for (key, field) in [
            ("minLength", "min_length"),
            ("maxLength", "max_length"),
            ("minItems", "min_items"),
            ("maxItems", "max_items"),
        ] {
            if let Some(n) = count(key) {
                out.push((field, format!("{n}")));
            }
        }
        for (key, field) in [
            ("minimum", "minimum"),
            ("maximum", "maximum"),
            ("multipleOf", "multiple_of"),
        ] {
            if let Some(x) = num(key) {
                out.push((field, float(x)));
            }
        }
        // 3.0: a boolean that makes `minimum`/`maximum` exclusive; 3.1: the bound itself.
        for (key, plain, field) in [
            ("exclusiveMinimum", "minimum", "exclusive_minimum"),
            ("exclusiveMaximum", "maximum", "exclusive_maximum"),
        ] {
            match v.get(key) {
                Some(Value::Bool(true)) => {
                    if let Some(x) = num(plain) {
                        out.retain(|(f, _)| *f != plain);
                        out.push((field, float(x)));
                    }
                }
                Some(x) => {
                    if let Some(x) = x.as_f64().filter(|x| x.is_finite()) {
                        out.push((field, float(x)));
                    }
                }
                None => {}
            }
        }
        if v.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
            out.push(("unique_items", "true".into()));
        }
        if let Some(p) = v.get("pattern").and_then(Value::as_str) {
            if regex_syntax::Parser::new().parse(p).is_ok() {
                out.push(("pattern", format!("{:?}", p)));
            } else {
                self.warn(
                    at,
                    format!("pattern {p:?} is not supported by the regex crate; it is not checked"),
                    "write it without look-around or back-references",
                );
            }
        }
        out
    }

    /// The `default` value `d` as Rust code of type `ty`, or `None` with a warning when it does
    /// not fit the type or cannot be written as a constant (the field then stays an `Option`).
    pub fn default_of(&mut self, at: &Ptr, name: &str, ty: &Ty, d: &Value) -> Option<Dflt> {
        let found = self.default_expr(ty, d);
        if found.is_none() {
            self.warn(
                at,
                format!("the default {d} of {name} is not applied: it is not a constant of the property's type"),
                "give a default that matches the schema (a string, number, boolean, enum value or [])",
            );
        }
        found
    }

    fn default_expr(&self, ty: &Ty, d: &Value) -> Option<Dflt> {
        let expr = |s: String| Some(Dflt::Expr(s));
        match ty {
            Ty::Extern(p) => match (p.as_str(), d) {
                ("String", Value::String(s)) => expr(format!("::std::string::String::from({s:?})")),
                ("bool", Value::Bool(b)) => expr(b.to_string()),
                ("f64", Value::Number(n)) => n.as_f64().and_then(|x| expr(format!("{x:?}"))),
                ("f32", Value::Number(n)) => n
                    .as_f64()
                    .filter(|x| x.abs() <= f64::from(f32::MAX))
                    .and_then(|x| expr(format!("{x:?}"))),
                (int, Value::Number(n)) => {
                    let v = i128::from(n.as_i64()?);
                    let (lo, hi): (i128, i128) = match int {
                        "i8" => (i8::MIN.into(), i8::MAX.into()),
                        "i16" => (i16::MIN.into(), i16::MAX.into()),
                        "i32" => (i32::MIN.into(), i32::MAX.into()),
                        "i64" => (i64::MIN.into(), i64::MAX.into()),
                        "u8" => (0, u8::MAX.into()),
                        "u16" => (0, u16::MAX.into()),
                        "u32" => (0, u32::MAX.into()),
                        "u64" => (0, i64::MAX.into()),
                        _ => return None,
                    };
                    (lo..=hi).contains(&v).then(|| Dflt::Expr(v.to_string()))
                }
                _ => None,
            },
            Ty::Vec(_) if d.as_array().is_some_and(Vec::is_empty) => {
                expr("::std::vec::Vec::new()".into())
            }
            Ty::Named(id) => match self.space.get(*id).and_then(|t| t.kind.as_ref()) {
                Some(Kind::StrEnum { values }) => {
                    let s = d.as_str()?;
                    values
                        .iter()
                        .find(|(wire, _)| wire == s)
                        .map(|(_, ident)| Dflt::Variant(ident.clone()))
                }
                Some(Kind::Alias(t)) => self.default_expr(t, d),
                _ => None,
            },
            _ => None,
        }
    }

    /// Finds the `$ref` targets some operation's responses use as types (an `allOf` member is
    /// merged, not used: its own references count). A schema that differs by direction keeps
    /// its name for its response view when a response uses it, and for its request view
    /// otherwise (a `NewPet` only ever sent stays `NewPet`); the other view gets a suffix.
    pub fn mark_responses(&mut self) {
        let mut marked = HashSet::new();
        let mut walked = HashSet::new();
        for op in self.api.operations() {
            let at = child(&op.ptr, "responses");
            if let Some(v) = self.api.get(&at) {
                self.reach_in(at.doc, v, true, &mut marked, &mut walked);
            }
        }
        self.in_responses = marked;
    }

    /// Whether a response uses the `$ref` target `target`.
    pub fn in_responses(&self, target: &Ptr) -> bool {
        self.in_responses.contains(&key(target))
    }

    fn reach_in(
        &self,
        doc: usize,
        v: &Value,
        mark: bool,
        marked: &mut HashSet<String>,
        walked: &mut HashSet<String>,
    ) {
        match v {
            Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                    if let Ok(t) = self.api.resolve_ref(doc, r) {
                        let k = key(&t);
                        if mark {
                            marked.insert(k.clone());
                        }
                        if walked.insert(k) {
                            if let Some(tv) = self.api.get(&t) {
                                self.reach_in(t.doc, tv, true, marked, walked);
                            }
                        }
                    }
                }
                for (k, c) in o {
                    match (k.as_str(), c) {
                        ("allOf", Value::Array(members)) => {
                            for m in members {
                                self.reach_in(doc, m, false, marked, walked);
                            }
                        }
                        _ => self.reach_in(doc, c, true, marked, walked),
                    }
                }
            }
            Value::Array(items) => {
                for c in items {
                    self.reach_in(doc, c, true, marked, walked);
                }
            }
            _ => {}
        }
    }

    /// Whether the schema at `target` holds a `readOnly` or `writeOnly` property, itself or
    /// through its subschemas and references.
    ///
    /// Each schema's text is scanned once: the first question explores the references that
    /// are not answered yet, then answers for all of them at once (a flag spreads backwards
    /// along the references), so the whole document costs one pass however many ask.
    pub fn one_way(&mut self, target: &Ptr) -> bool {
        if let Some(&known) = self.one_way.get(&key(target)) {
            return known;
        }
        // Explore: each unanswered schema's own flag and the references it makes.
        let mut nodes: Vec<(String, bool, Vec<String>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut stack = vec![target.clone()];
        while let Some(p) = stack.pop() {
            let k = key(&p);
            if self.one_way.contains_key(&k) || index.contains_key(&k) {
                continue;
            }
            let mut refs = Vec::new();
            let direct = self
                .api
                .get(&p)
                .is_some_and(|v| self.one_way_in(p.doc, v, &mut refs));
            let keys = refs.iter().map(key).collect();
            stack.extend(refs);
            index.insert(k.clone(), nodes.len());
            nodes.push((k, direct, keys));
        }
        // Spread: a schema is one-way if it is itself, or refers to one that is.
        let mut referrers: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        let mut value: Vec<bool> = nodes.iter().map(|n| n.1).collect();
        for (i, (_, _, refs)) in nodes.iter().enumerate() {
            for r in refs {
                match index.get(r) {
                    Some(&j) => referrers[j].push(i),
                    None => value[i] |= self.one_way.get(r).copied().unwrap_or(false),
                }
            }
        }
        let mut queue: Vec<usize> = (0..nodes.len()).filter(|&i| value[i]).collect();
        while let Some(j) = queue.pop() {
            for &i in &referrers[j] {
                if !value[i] {
                    value[i] = true;
                    queue.push(i);
                }
            }
        }
        for ((k, _, _), v) in nodes.into_iter().zip(value) {
            self.one_way.insert(k, v);
        }
        self.one_way.get(&key(target)).copied().unwrap_or(false)
    }

    /// Whether `v` itself (references not followed) holds a `readOnly`/`writeOnly` flag; the
    /// references it makes are added to `refs`.
    fn one_way_in(&self, doc: usize, v: &Value, refs: &mut Vec<Ptr>) -> bool {
        match v {
            Value::Object(o) => {
                let mut found = ["readOnly", "writeOnly"]
                    .iter()
                    .any(|k| o.get(*k).and_then(Value::as_bool) == Some(true));
                if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                    if let Ok(t) = self.api.resolve_ref(doc, r) {
                        refs.push(t);
                    }
                }
                for (k, c) in o {
                    if !matches!(
                        k.as_str(),
                        "example" | "examples" | "default" | "enum" | "const"
                    ) {
                        found |= self.one_way_in(doc, c, refs);
                    }
                }
                found
            }
            Value::Array(items) => {
                let mut found = false;
                for c in items {
                    found |= self.one_way_in(doc, c, refs);
                }
                found
            }
            _ => false,
        }
    }

    /// The schema at `at` with `$ref`s followed (the value itself when they do not resolve).
    fn resolved(&self, at: &Ptr) -> Value {
        let p = self.api.deref(at).unwrap_or_else(|_| at.clone());
        self.api.get(&p).cloned().unwrap_or(Value::Null)
    }

    /// `allOf`: object members merge into one struct; a single typed member stands alone.
    fn all_of(&mut self, at: &Ptr, v: &Value, hint: &str) -> Shape {
        // `allOf: [{$ref: X}, {description: …}]` (a common way to annotate a reference) is X
        // itself: the named type, not a copy of its shape. Copying would repeat X's whole tree
        // at every use, without end when X is recursive.
        const SHAPING: &[&str] = &[
            "type",
            "properties",
            "additionalProperties",
            "items",
            "enum",
            "const",
            "oneOf",
            "anyOf",
            "allOf",
            "required",
            "$ref",
        ];
        let shaping = |m: &Value| {
            m.as_object()
                .is_some_and(|o| o.keys().any(|k| SHAPING.contains(&k.as_str())))
        };
        if let Some(all) = v.get("allOf").and_then(Value::as_array) {
            let refs: Vec<usize> = (0..all.len())
                .filter(|&i| all[i].get("$ref").is_some())
                .collect();
            let own_shape = v.as_object().is_some_and(|o| {
                o.keys()
                    .any(|k| k != "allOf" && SHAPING.contains(&k.as_str()))
            });
            if let [i] = refs.as_slice() {
                let others_plain = all.iter().enumerate().all(|(j, m)| j == *i || !shaping(m));
                if others_plain && !own_shape {
                    let member = child(&child(at, "allOf"), &i.to_string());
                    return Shape::Ty(self.ty(&member, hint));
                }
            }
        }
        let mut members: Vec<(Ptr, Value)> = Vec::new();
        if !self.collect_all_of(at, v, &mut members) {
            self.warn(
                at,
                format!("{hint}: a recursive allOf is typed as JSON"),
                "break the cycle through a property",
            );
            return Shape::Ty(Ty::path(JSON));
        }
        let objectish = |m: &Value| {
            m.get("properties").is_some()
                || m.get("additionalProperties").is_some()
                || non_null_types(m) == ["object"]
        };
        let typed: Vec<&(Ptr, Value)> = members
            .iter()
            .filter(|(_, m)| {
                m.get("type").is_some()
                    || m.get("properties").is_some()
                    || m.get("items").is_some()
                    || m.get("enum").is_some()
                    || m.get("oneOf").is_some()
                    || m.get("anyOf").is_some()
            })
            .collect();
        if typed.iter().all(|(_, m)| objectish(m)) && !typed.is_empty() {
            let mut fields = Vec::new();
            let mut namer = Namer::new();
            let required: BTreeSet<String> = members
                .iter()
                .flat_map(|(_, m)| {
                    m.get("required")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                })
                .collect();
            let mut additional = None;
            for (p, m) in &members {
                self.fields(p, m, hint, &mut namer, &mut fields, &required);
                if additional.is_none() {
                    match m.get("additionalProperties") {
                        Some(Value::Object(_)) => {
                            let t =
                                self.ty(&child(p, "additionalProperties"), &format!("{hint}Value"));
                            additional =
                                Some((namer.field_name("additional_properties", "additional"), t));
                        }
                        Some(Value::Bool(true)) => {
                            additional = Some((
                                namer.field_name("additional_properties", "additional"),
                                Ty::path(JSON),
                            ))
                        }
                        _ => {}
                    }
                }
            }
            return Shape::Kind(Kind::Struct { fields, additional });
        }
        if let [(p, m)] = typed.as_slice() {
            let (p, m) = (p.clone(), m.clone());
            let mut m = m;
            // The merged member must not see the allOf again.
            if let Some(o) = m.as_object_mut() {
                o.remove("allOf");
            }
            return self.shape(&p, &m, hint);
        }
        self.warn(
            at,
            format!("{hint}: allOf of members that are not all objects is typed as JSON"),
            "merge the members into one object schema",
        );
        Shape::Ty(Ty::path(JSON))
    }

    /// Flattens `allOf` (following `$ref`s) into its member schemas, the schema's own
    /// properties included. `false` on a `$ref` cycle.
    fn collect_all_of(&mut self, at: &Ptr, v: &Value, out: &mut Vec<(Ptr, Value)>) -> bool {
        let mut own = v.clone();
        if let Some(o) = own.as_object_mut() {
            o.remove("allOf");
        }
        out.push((at.clone(), own));
        let n = v.get("allOf").and_then(Value::as_array).map_or(0, Vec::len);
        let all_at = child(at, "allOf");
        for i in 0..n {
            let m = child(&all_at, &i.to_string());
            let target = self.api.deref(&m).unwrap_or_else(|_| m.clone());
            if !self.merging.insert(target.clone()) {
                return false;
            }
            let mv = self.api.get(&target).cloned().unwrap_or(Value::Null);
            let ok = self.collect_all_of(&target, &mv, out);
            self.merging.remove(&target);
            if !ok {
                return false;
            }
        }
        true
    }
}

/// `type` as a list (a string, a list, or absent).
fn type_list(v: &Value) -> Vec<&str> {
    match v.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn non_null_types(v: &Value) -> Vec<&str> {
    type_list(v).into_iter().filter(|t| *t != "null").collect()
}

/// `nullable: true` (3.0), `null` in a type list (3.1), or `null` among the enum values.
pub(super) fn is_nullable(v: &Value) -> bool {
    v.get("nullable").and_then(Value::as_bool) == Some(true)
        || type_list(v).contains(&"null")
        || v.get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.iter().any(Value::is_null))
        || ["oneOf", "anyOf"].iter().any(|k| {
            v.get(*k).and_then(Value::as_array).is_some_and(|ms| {
                ms.iter()
                    .any(|m| non_null_types(m).is_empty() && type_list(m).contains(&"null"))
            })
        })
}

fn integer(v: &Value) -> &'static str {
    match v.get("format").and_then(Value::as_str) {
        Some("int32") => "i32",
        Some("uint32") => "u32",
        Some("uint64") => "u64",
        Some("int8") => "i8",
        Some("int16") => "i16",
        Some("uint8") => "u8",
        Some("uint16") => "u16",
        _ => "i64",
    }
}

/// The Rust type of a string schema: formats with a shape of their own are validated newtypes
/// that keep the text; `binary` is raw bytes, `byte` bytes carried as base64, `ipv4`/`ipv6`
/// addresses.
fn string_type(v: &Value) -> &'static str {
    match v.get("format").and_then(Value::as_str) {
        Some("binary") => "::contract_runtime::form::Binary",
        Some("byte") => "::contract_runtime::format::Base64",
        Some("date-time") => "::contract_runtime::format::DateTime",
        Some("date") => "::contract_runtime::format::Date",
        Some("uuid") => "::contract_runtime::format::Uuid",
        Some("email") => "::contract_runtime::format::Email",
        Some("uri") => "::contract_runtime::format::Uri",
        Some("ipv4") => "::std::net::Ipv4Addr",
        Some("ipv6") => "::std::net::Ipv6Addr",
        _ => "String",
    }
}

/// The validated text newtypes, which take length and pattern constraints like `String`.
const TEXT_FORMATS: &[&str] = &[
    "::contract_runtime::format::DateTime",
    "::contract_runtime::format::Date",
    "::contract_runtime::format::Uuid",
    "::contract_runtime::format::Email",
    "::contract_runtime::format::Uri",
];

/// Whether constraints can be checked on a field of type `t` (text, numbers, lists, optionally).
pub(super) fn checkable(t: &Ty) -> bool {
    match t {
        Ty::Option(inner) => checkable(inner),
        Ty::Vec(_) => true,
        Ty::Extern(p) => {
            matches!(
                p.as_str(),
                "String"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "u8"
                    | "u16"
                    | "u32"
                    | "u64"
                    | "f32"
                    | "f64"
            ) || TEXT_FORMATS.contains(&p.as_str())
        }
        _ => false,
    }
}
