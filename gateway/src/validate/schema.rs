//! Schemas: the contract's schemas rewritten once per direction into plain JSON Schema, compiled
//! with `jsonschema` (cheap `is_valid` first, errors only on failure), and errors turned into
//! violations that never echo the offending value.
//!
//! The rewrite (on a copy of the document, pointers kept where they were):
//! - OAS 3.0 `nullable: true` → `type: [T, "null"]` (and `null` joins an `enum`); 3.0 documents
//!   are checked with draft 4 semantics (boolean `exclusiveMinimum`), 3.1 with 2020-12.
//! - `format: int32` / `int64` → `minimum` / `maximum` bounds (formats only apply to strings).
//! - `readOnly` properties are forbidden in requests, `writeOnly` ones in responses (and dropped
//!   from `required` there).
//! - `discriminator` on a `oneOf`/`anyOf`: the discriminator property must name one of the
//!   alternatives (mapping keys, or schema names without a mapping), and the value is checked
//!   against that alternative only, so its own errors are reported.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Registry, ValidationError, Validator};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Map, Value};

use super::document::escape;
use super::lines::{Lines, LinesBuilder};
use crate::problem::Violation;

/// The URI the rewritten document is registered under.
const BASE: &str = "urn:contract:doc";

/// Characters that may not appear raw in a URI fragment.
const FRAGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Which side of the exchange a schema checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Requests: `readOnly` properties are forbidden.
    Request,
    /// Responses: `writeOnly` properties are forbidden.
    Response,
}

/// The OpenAPI version family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// 3.0.x: JSON Schema draft 4 plus `nullable`.
    V30,
    /// 3.1.x: JSON Schema 2020-12.
    V31,
}

/// What the rewrite left behind to explain errors with.
#[derive(Debug, Default)]
struct Marks {
    /// Pointer of a forbidden property's schema → (`readOnly`/`writeOnly`, property name).
    forbidden: HashMap<String, (&'static str, String)>,
    /// Pointers of discriminator implications (`anyOf: [not this name, the alternative]`).
    implications: HashSet<String>,
    /// Pointer of a discriminator guard's `enum` → (property, allowed names).
    guards: HashMap<String, (String, Vec<String>)>,
}

/// Every schema of one document, rewritten for both directions. Uses are registered one by one
/// ([`SchemaSpace::register`]) and compiled together into ONE validator
/// ([`SchemaSpace::finish`]), so that a schema referenced from a thousand operations is
/// compiled once: the validator's root has one property per use, and a value is checked as
/// `{"<use>": value}`.
///
/// The validator's document holds each schema root under a short id (`/17` for the root
/// `/paths/~1repos~1{owner}/get/responses/200/content/application~1json/schema`), references
/// rewritten to match: the validator keeps a location per compiled keyword, and short ones
/// keep a large contract's validator small. `Roots::contract_pointer` maps back.
///
/// Most schemas read the same both ways; the request rewrite of those is the one kept. A
/// schema whose response rewrite differs (it holds a `readOnly`/`writeOnly` property, or
/// refers to one that does) also gets its response copy, under `/r17`, whose references reach
/// the response copies of such schemas.
pub struct SchemaSpace {
    doc: Value,
    draft: Draft,
    marks: Marks,
    roots: Roots,
    sites: Vec<String>,
    shared: Arc<Shared>,
}

/// The schema roots of a document and their short ids.
#[derive(Debug, Default)]
struct Roots {
    /// Contract pointer by id.
    pointers: Vec<String>,
    /// Id by contract pointer.
    ids: HashMap<String, usize>,
    /// Ids of the roots that have a response copy.
    two_way: HashSet<usize>,
}

impl Roots {
    /// The root `pointer` lies in (roots never nest, so at most one), and the rest of it.
    fn find<'p>(&self, pointer: &'p str) -> Option<(usize, &'p str)> {
        let cuts = pointer
            .match_indices('/')
            .map(|(i, _)| i)
            .skip(1)
            .chain([pointer.len()]);
        cuts.filter_map(|i| Some((*self.ids.get(&pointer[..i])?, &pointer[i..])))
            .next()
    }

    /// The validator's pointer for a contract pointer, in the copy for `response` if the
    /// root has one.
    fn short(&self, pointer: &str, response: bool) -> String {
        match self.find(pointer) {
            Some((id, rest)) if response && self.two_way.contains(&id) => format!("/r{id}{rest}"),
            Some((id, rest)) => format!("/{id}{rest}"),
            None => pointer.to_string(),
        }
    }

    /// The contract's pointer for a validator pointer.
    fn contract_pointer(&self, pointer: &str) -> String {
        let body = pointer.strip_prefix('/').unwrap_or(pointer);
        let (head, rest) = body.split_once('/').unwrap_or((body, ""));
        let id = head.strip_prefix('r').unwrap_or(head);
        match id.parse::<usize>().ok().and_then(|i| self.pointers.get(i)) {
            Some(root) if rest.is_empty() => root.clone(),
            Some(root) => format!("{root}/{rest}"),
            None => pointer.to_string(),
        }
    }
}

#[derive(Default)]
struct Shared {
    validator: OnceLock<Validator>,
    marks: OnceLock<Marks>,
    roots: OnceLock<Roots>,
}

impl std::fmt::Debug for SchemaSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SchemaSpace")
    }
}

/// One schema use (a parameter's, a body's, a header's), checkable once its space is finished.
pub struct SchemaCheck {
    key: String,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SchemaCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SchemaCheck({})", self.key)
    }
}

/// A schema that could not be compiled and was replaced by `{}` (checks nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where it is.
    pub pointer: String,
    /// Why it did not compile.
    pub reason: String,
}

impl SchemaSpace {
    /// Rewrites the document's schemas for both directions.
    pub fn new(doc: &Value, version: Version) -> SchemaSpace {
        let pointers = schema_roots(doc);
        let rewrite = |dir: Direction, marks: &mut Marks| {
            let mut copy = doc.clone();
            for root in &pointers {
                rewrite_at(doc, &mut copy, root, version, dir, marks, 0);
            }
            copy
        };
        let mut req_marks = Marks::default();
        let mut req = rewrite(Direction::Request, &mut req_marks);
        let mut resp_marks = Marks::default();
        let mut resp = rewrite(Direction::Response, &mut resp_marks);
        let mut roots = Roots {
            ids: pointers
                .iter()
                .enumerate()
                .map(|(i, p)| (p.clone(), i))
                .collect(),
            pointers,
            two_way: HashSet::new(),
        };
        roots.two_way = two_way_roots(&roots, &req, &resp);
        // Only the schemas, under short ids, without their annotations: the validator keeps
        // what it compiles for as long as the contract is loaded, and descriptions and
        // examples are most of a large contract's text.
        let mut out = Map::new();
        for (id, root) in roots.pointers.iter().enumerate() {
            for (copy, response) in [(&mut req, false), (&mut resp, true)] {
                if response && !roots.two_way.contains(&id) {
                    continue;
                }
                if let Some(slot) = copy.pointer_mut(root) {
                    let mut schema = std::mem::take(slot);
                    strip_annotations(&mut schema);
                    shorten_refs(&mut schema, &roots, response);
                    let key = if response {
                        format!("r{id}")
                    } else {
                        id.to_string()
                    };
                    out.insert(key, schema);
                }
            }
        }
        drop((req, resp));
        let mut marks = Marks::default();
        for (m, response) in [(req_marks, false), (resp_marks, true)] {
            for (p, v) in m.forbidden {
                marks
                    .forbidden
                    .entry(roots.short(&p, response))
                    .or_insert(v);
            }
            for p in m.implications {
                marks.implications.insert(roots.short(&p, response));
            }
            for (p, v) in m.guards {
                marks.guards.entry(roots.short(&p, response)).or_insert(v);
            }
        }
        let draft = match version {
            Version::V30 => Draft::Draft4,
            Version::V31 => Draft::Draft202012,
        };
        SchemaSpace {
            doc: Value::Object(out),
            draft,
            marks,
            roots,
            sites: Vec::new(),
            shared: Arc::new(Shared::default()),
        }
    }

    /// Keeps the lines of every node of the schemas this space checks with (response copies
    /// answer with their originals' lines).
    pub fn add_lines(&self, lines: &mut LinesBuilder<'_>) {
        for (id, root) in self.roots.pointers.iter().enumerate() {
            if let Some(schema) = self.doc.get(id.to_string()) {
                lines.add_tree(root, schema);
            }
        }
    }

    /// Registers the schema at `pointer` (`/paths/…/schema`) for checking in direction `dir`.
    pub fn register(&mut self, pointer: &str, dir: Direction) -> SchemaCheck {
        let key = self.sites.len().to_string();
        self.sites
            .push(self.roots.short(pointer, dir == Direction::Response));
        SchemaCheck {
            key,
            shared: Arc::clone(&self.shared),
        }
    }

    /// Compiles every registered use into one validator. A schema that does not compile (an
    /// invalid `pattern`, a keyword of the wrong type) is replaced by `{}` and reported, so the
    /// rest of the contract is still checked.
    pub fn finish(mut self) -> Result<Vec<Skipped>, String> {
        let mut properties = Map::new();
        for (i, p) in self.sites.iter().enumerate() {
            let reference = format!("{BASE}#{}", utf8_percent_encode(p, FRAGMENT));
            properties.insert(i.to_string(), json!({ "$ref": reference }));
        }
        let root = json!({ "properties": properties });
        let mut skipped: Vec<Skipped> = Vec::new();
        let mut neutralized: Vec<String> = Vec::new();
        loop {
            let registry = Registry::new()
                .draft(self.draft)
                .add(BASE, self.draft.create_resource(self.doc.clone()))
                .and_then(|b| b.prepare())
                .map_err(|e| format!("cannot index the contract's schemas: {e}"))?;
            let mut options = jsonschema::options().with_draft(self.draft);
            if self.draft == Draft::Draft4 {
                // OAS 3.0 names `uuid`, which draft 4 does not know.
                options = options.with_format("uuid", is_uuid);
            }
            let built = options
                .with_registry(&registry)
                .should_validate_formats(true)
                .should_ignore_unknown_formats(true)
                .with_format("byte", is_base64)
                .with_format("binary", |_: &str| true)
                .with_format("password", |_: &str| true)
                .build(&root);
            match built {
                Ok(v) => {
                    let _ = self.shared.validator.set(v);
                    let _ = self.shared.marks.set(std::mem::take(&mut self.marks));
                    let _ = self.shared.roots.set(std::mem::take(&mut self.roots));
                    return Ok(skipped);
                }
                Err(e) => {
                    // The failing keyword's location in the document: neutralize its schema.
                    let at = e.instance_path().as_str().to_string();
                    let schema_at = at.rsplit_once('/').map_or("", |(p, _)| p).to_string();
                    let reason = e.masked().to_string();
                    if schema_at.is_empty()
                        || neutralized.len() >= 100
                        || neutralized.contains(&schema_at)
                    {
                        return Err(format!("the contract's schemas do not compile: {reason}"));
                    }
                    match self.doc.pointer_mut(&schema_at) {
                        Some(slot) => *slot = json!({}),
                        None => {
                            return Err(format!("the contract's schemas do not compile: {reason}"))
                        }
                    }
                    // A response copy fails where its original does: one report for both.
                    let shown = self.roots.contract_pointer(&schema_at);
                    if !skipped.iter().any(|s| s.pointer == shown) {
                        skipped.push(Skipped {
                            pointer: shown,
                            reason,
                        });
                    }
                    neutralized.push(schema_at);
                }
            }
        }
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_base64(s: &str) -> bool {
    let t = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - t.len() <= 2
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

impl SchemaCheck {
    fn wrap(&self, v: Value) -> Value {
        let mut m = Map::with_capacity(1);
        m.insert(self.key.clone(), v);
        Value::Object(m)
    }

    /// The cheap check (true when the space failed to compile: nothing is checked then).
    pub fn is_valid(&self, v: Value) -> bool {
        match self.shared.validator.get() {
            Some(val) => val.is_valid(&self.wrap(v)),
            None => true,
        }
    }

    /// Checks `v`; on failure adds one violation per error at `location` (such as
    /// `request.body`), of kind `kind`.
    pub fn check(
        &self,
        v: Value,
        location: &str,
        kind: &'static str,
        lines: &Lines,
        out: &mut Vec<Violation>,
    ) {
        let (Some(validator), Some(marks), Some(roots)) = (
            self.shared.validator.get(),
            self.shared.marks.get(),
            self.shared.roots.get(),
        ) else {
            return;
        };
        let wrapped = self.wrap(v);
        if validator.is_valid(&wrapped) {
            return;
        }
        let prefix = format!("/{}", self.key);
        for e in validator.iter_errors(&wrapped) {
            push((marks, roots), &prefix, &e, location, kind, lines, out, 0);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn push(
    (marks, roots): (&Marks, &Roots),
    prefix: &str,
    e: &ValidationError<'_>,
    location: &str,
    kind: &'static str,
    lines: &Lines,
    out: &mut Vec<Violation>,
    depth: usize,
) {
    let pointer = e
        .absolute_keyword_location()
        .and_then(|u| u.fragment().map(|f| f.as_str().to_string()))
        .map(|f| percent_decode_str(&f).decode_utf8_lossy().into_owned())
        .unwrap_or_else(|| e.schema_path().as_str().to_string());
    let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
    // A discriminator implication failed: report the chosen alternative's own errors.
    if let ValidationErrorKind::AnyOf { context } = e.kind() {
        if depth < 8 && marks.implications.contains(parent) {
            if let Some(branch) = context.get(1) {
                for inner in branch {
                    push(
                        (marks, roots),
                        prefix,
                        inner,
                        location,
                        kind,
                        lines,
                        out,
                        depth + 1,
                    );
                }
                return;
            }
        }
    }
    let message = match e.kind() {
        ValidationErrorKind::Not { .. } | ValidationErrorKind::FalseSchema => {
            match marks.forbidden.get(parent) {
                Some((why, prop)) if *why == "readOnly" => {
                    format!("`{prop}` is readOnly: clients must not send it")
                }
                Some((_, prop)) => {
                    format!("`{prop}` is writeOnly: servers must not return it")
                }
                None => e.masked().to_string(),
            }
        }
        ValidationErrorKind::Enum { .. } => match marks.guards.get(&pointer) {
            Some((prop, names)) => {
                format!("discriminator `{prop}` must be one of {}", names.join(", "))
            }
            None => e.masked().to_string(),
        },
        _ => e.masked().to_string(),
    };
    let instance = e.instance_path().as_str();
    let instance = instance.strip_prefix(prefix).unwrap_or(instance);
    let shown = roots.contract_pointer(&pointer);
    out.push(
        Violation::new(kind, location, message)
            .with_spec(lines.spec(&shown))
            .with_paths(instance, shown),
    );
}

/// Pointers of every schema root in an OpenAPI document: under `components.schemas`,
/// parameters, headers, media types of request bodies and responses, in paths and components.
fn schema_roots(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let obj = |v: Option<&Value>| v.and_then(Value::as_object).cloned().unwrap_or_default();
    let comps = obj(doc.get("components"));
    for (name, _) in obj(comps.get("schemas")) {
        out.push(format!("/components/schemas/{}", escape(&name)));
    }
    let media = |base: &str, v: &Value, out: &mut Vec<String>| {
        for (mt, _) in obj(v.get("content")) {
            out.push(format!("{base}/content/{}/schema", escape(&mt)));
        }
    };
    let param = |base: &str, v: &Value, out: &mut Vec<String>| {
        if v.get("schema").is_some() {
            out.push(format!("{base}/schema"));
        }
        media(base, v, out);
    };
    let response = |base: &str, v: &Value, out: &mut Vec<String>| {
        media(base, v, out);
        for (h, hv) in obj(v.get("headers")) {
            param(&format!("{base}/headers/{}", escape(&h)), &hv, out);
        }
    };
    for (n, v) in obj(comps.get("parameters")) {
        param(
            &format!("/components/parameters/{}", escape(&n)),
            &v,
            &mut out,
        );
    }
    for (n, v) in obj(comps.get("headers")) {
        param(&format!("/components/headers/{}", escape(&n)), &v, &mut out);
    }
    for (n, v) in obj(comps.get("requestBodies")) {
        media(
            &format!("/components/requestBodies/{}", escape(&n)),
            &v,
            &mut out,
        );
    }
    for (n, v) in obj(comps.get("responses")) {
        response(
            &format!("/components/responses/{}", escape(&n)),
            &v,
            &mut out,
        );
    }
    for (p, item) in obj(doc.get("paths")) {
        let pbase = format!("/paths/{}", escape(&p));
        for (i, v) in item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            param(&format!("{pbase}/parameters/{i}"), v, &mut out);
        }
        for (m, op) in item.as_object().into_iter().flatten() {
            if !super::METHODS.contains(&m.as_str()) {
                continue;
            }
            let obase = format!("{pbase}/{m}");
            for (i, v) in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                param(&format!("{obase}/parameters/{i}"), v, &mut out);
            }
            if let Some(rb) = op.get("requestBody") {
                media(&format!("{obase}/requestBody"), rb, &mut out);
            }
            for (code, r) in obj(op.get("responses")) {
                response(
                    &format!("{obase}/responses/{}", escape(&code)),
                    &r,
                    &mut out,
                );
            }
        }
    }
    out
}

/// Resolves a local `$ref` chain in the original document.
pub fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with('#') => match doc.pointer(&pointer_of_ref(r)) {
                Some(t) => v = t,
                None => return v,
            },
            _ => return v,
        }
    }
    v
}

/// `#/a/b%7B` → `/a/b{`.
pub fn pointer_of_ref(r: &str) -> String {
    percent_decode_str(r.trim_start_matches('#'))
        .decode_utf8_lossy()
        .into_owned()
}

const SUBSCHEMA_MAPS: [&str; 5] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
const SUBSCHEMA_LISTS: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
const SUBSCHEMA_ONE: [&str; 10] = [
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
];

fn rewrite_at(
    orig: &Value,
    copy: &mut Value,
    pointer: &str,
    version: Version,
    dir: Direction,
    marks: &mut Marks,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let Some(node) = copy.pointer(pointer).cloned() else {
        return;
    };
    let Value::Object(mut schema) = node else {
        return;
    };
    // Children first, at their original places.
    let mut children = Vec::new();
    for k in SUBSCHEMA_MAPS {
        if let Some(Value::Object(m)) = schema.get(k) {
            for name in m.keys() {
                children.push(format!("{pointer}/{k}/{}", escape(name)));
            }
        }
    }
    for k in SUBSCHEMA_LISTS {
        if let Some(Value::Array(a)) = schema.get(k) {
            for i in 0..a.len() {
                children.push(format!("{pointer}/{k}/{i}"));
            }
        }
    }
    for k in SUBSCHEMA_ONE {
        match schema.get(k) {
            Some(Value::Object(_)) => children.push(format!("{pointer}/{k}")),
            Some(Value::Array(a)) if k == "items" => {
                for i in 0..a.len() {
                    children.push(format!("{pointer}/{k}/{i}"));
                }
            }
            _ => {}
        }
    }
    for c in &children {
        rewrite_at(orig, copy, c, version, dir, marks, depth + 1);
    }
    // Re-read: the children were rewritten in `copy`.
    if let Some(Value::Object(m)) = copy.pointer(pointer) {
        schema = m.clone();
    }

    if version == Version::V30 && schema.get("nullable") == Some(&Value::Bool(true)) {
        if let Some(Value::String(t)) = schema.get("type").cloned() {
            schema.insert("type".into(), json!([t, "null"]));
            if let Some(Value::Array(e)) = schema.get_mut("enum") {
                if !e.contains(&Value::Null) {
                    e.push(Value::Null);
                }
            }
        }
    }
    match schema.get("format").and_then(Value::as_str) {
        Some("int32") => bound(&mut schema, i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") => bound(&mut schema, i64::MIN, i64::MAX),
        _ => {}
    }
    forbid_properties(orig, &mut schema, pointer, dir, marks);
    discriminate(orig, &mut schema, pointer, marks);
    if let Some(slot) = copy.pointer_mut(pointer) {
        *slot = Value::Object(schema);
    }
}

/// The local `$ref` targets in a schema tree.
fn refs_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                if r.starts_with('#') {
                    out.push(pointer_of_ref(r));
                }
            }
            for c in m.values() {
                refs_in(c, out);
            }
        }
        Value::Array(a) => {
            for c in a {
                refs_in(c, out);
            }
        }
        _ => {}
    }
}

/// The ids of the roots whose two rewrites differ, and of every root that refers to one of
/// those (a reference must reach the copy for its own direction).
fn two_way_roots(roots: &Roots, req: &Value, resp: &Value) -> HashSet<usize> {
    let mut out: HashSet<usize> = (0..roots.pointers.len())
        .filter(|&i| req.pointer(&roots.pointers[i]) != resp.pointer(&roots.pointers[i]))
        .collect();
    if out.is_empty() {
        return out;
    }
    let mut referrers: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, r) in roots.pointers.iter().enumerate() {
        let mut targets = Vec::new();
        if let Some(v) = resp.pointer(r) {
            refs_in(v, &mut targets);
        }
        for t in targets {
            if let Some((target, _)) = roots.find(&t) {
                referrers.entry(target).or_default().push(i);
            }
        }
    }
    let mut queue: Vec<usize> = out.iter().copied().collect();
    while let Some(t) = queue.pop() {
        for &r in referrers.get(&t).into_iter().flatten() {
            if out.insert(r) {
                queue.push(r);
            }
        }
    }
    out
}

/// Rewrites the local references of a schema to the validator's short pointers (to the
/// response copies for a response copy).
fn shorten_refs(v: &mut Value, roots: &Roots, response: bool) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref") {
                if r.starts_with('#') {
                    let target = pointer_of_ref(r);
                    if roots.find(&target).is_some() {
                        let short = roots.short(&target, response);
                        *r = format!("#{}", utf8_percent_encode(&short, FRAGMENT));
                    }
                }
            }
            for c in m.values_mut() {
                shorten_refs(c, roots, response);
            }
        }
        Value::Array(a) => {
            for c in a {
                shorten_refs(c, roots, response);
            }
        }
        _ => {}
    }
}

/// Annotation keywords: they never change whether a value is valid.
const ANNOTATIONS: [&str; 11] = [
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "$comment",
    "xml",
    "deprecated",
    "default",
    "readOnly",
    "writeOnly",
];

/// Removes annotations (and `x-` extensions) from a schema and its subschemas.
fn strip_annotations(schema: &mut Value) {
    let Value::Object(m) = schema else { return };
    m.retain(|k, _| !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-"));
    for k in SUBSCHEMA_MAPS {
        if let Some(Value::Object(children)) = m.get_mut(k) {
            for c in children.values_mut() {
                strip_annotations(c);
            }
        }
    }
    for k in SUBSCHEMA_LISTS {
        if let Some(Value::Array(children)) = m.get_mut(k) {
            for c in children {
                strip_annotations(c);
            }
        }
    }
    for k in SUBSCHEMA_ONE {
        match m.get_mut(k) {
            Some(Value::Array(children)) => {
                for c in children {
                    strip_annotations(c);
                }
            }
            Some(c) => strip_annotations(c),
            None => {}
        }
    }
}

fn bound(schema: &mut Map<String, Value>, lo: i64, hi: i64) {
    schema.entry("minimum").or_insert(json!(lo));
    schema.entry("maximum").or_insert(json!(hi));
}

fn forbid_properties(
    orig: &Value,
    schema: &mut Map<String, Value>,
    pointer: &str,
    dir: Direction,
    marks: &mut Marks,
) {
    let flag = match dir {
        Direction::Request => "readOnly",
        Direction::Response => "writeOnly",
    };
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return;
    };
    let mut forbidden = Vec::new();
    for (name, p) in props.iter_mut() {
        let target = resolve(orig, p);
        if target.get(flag) == Some(&Value::Bool(true)) || p.get(flag) == Some(&Value::Bool(true)) {
            forbidden.push(name.clone());
            *p = json!({ "not": {} });
            marks.forbidden.insert(
                format!("{pointer}/properties/{}", escape(name)),
                (flag, name.clone()),
            );
        }
    }
    if let Some(Value::Array(req)) = schema.get_mut("required") {
        req.retain(|r| !r.as_str().is_some_and(|r| forbidden.iter().any(|f| f == r)));
    }
}

/// `oneOf`/`anyOf` with a `discriminator` → a guard that the property names an alternative, plus
/// one implication per alternative: `anyOf: [{property not in its names}, alternative]`.
fn discriminate(orig: &Value, schema: &mut Map<String, Value>, pointer: &str, marks: &mut Marks) {
    let Some(prop) = schema
        .get("discriminator")
        .and_then(|d| d.get("propertyName"))
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    let key = if schema.contains_key("oneOf") {
        "oneOf"
    } else if schema.contains_key("anyOf") {
        "anyOf"
    } else {
        return;
    };
    let Some(Value::Array(alternatives)) = schema.get(key).cloned() else {
        return;
    };
    let mapping: Vec<(String, String)> = schema
        .get("discriminator")
        .and_then(|d| d.get("mapping"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let mut all_names = Vec::new();
    let mut implications = Vec::new();
    for alt in &alternatives {
        let Some(r) = alt.get("$ref").and_then(Value::as_str) else {
            // Inline alternatives cannot be named: keep the plain check for them.
            return;
        };
        let short = r.rsplit('/').next().unwrap_or(r).to_string();
        let mut names: Vec<String> = mapping
            .iter()
            .filter(|(_, target)| target == r || *target == short)
            .map(|(k, _)| k.clone())
            .collect();
        if names.is_empty() {
            names.push(short);
        }
        all_names.extend(names.iter().cloned());
        implications.push((names, alt.clone()));
    }
    let _ = orig;
    schema.remove(key);
    let mut all_of = match schema.remove("allOf") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let guard_at = all_of.len();
    marks.guards.insert(
        format!(
            "{pointer}/allOf/{guard_at}/properties/{}/enum",
            escape(&prop)
        ),
        (prop.clone(), all_names.clone()),
    );
    all_of.push(json!({
        "type": "object",
        "required": [prop],
        "properties": { prop.clone(): { "enum": all_names } },
    }));
    for (names, alt) in implications {
        marks
            .implications
            .insert(format!("{pointer}/allOf/{}", all_of.len()));
        all_of.push(json!({
            "anyOf": [
                { "properties": { prop.clone(): { "not": { "enum": names } } } },
                alt,
            ]
        }));
    }
    schema.insert("allOf".into(), Value::Array(all_of));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::document::Document;

    fn doc(v: Value) -> Document {
        Document::from_value("api.yaml", v)
    }

    fn errors(d: &Document, ver: Version, dir: Direction, ptr: &str, v: Value) -> Vec<Violation> {
        let mut space = SchemaSpace::new(d.value(), ver);
        let c = space.register(ptr, dir);
        let line_of = |p: &str| d.line_of(p);
        let mut lines = LinesBuilder::new(&line_of);
        space.add_lines(&mut lines);
        let lines = lines.finish(&d.name);
        assert_eq!(space.finish().unwrap(), vec![]);
        let mut out = Vec::new();
        c.check(v, "request.body", "body-invalid", &lines, &mut out);
        out
    }

    fn pets() -> Value {
        json!({
            "openapi": "3.0.3",
            "components": {"schemas": {
                "Pet": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        "id": {"type": "integer", "format": "int32", "readOnly": true},
                        "name": {"type": "string", "nullable": true, "minLength": 1},
                        "secret": {"type": "string", "writeOnly": true},
                        "tag": {"type": "string", "enum": ["a", "b"], "nullable": true},
                        "born": {"type": "string", "format": "date"},
                        "uid": {"type": "string", "format": "uuid"},
                        "blob": {"type": "string", "format": "byte"}
                    }
                },
                "Cat": {"type": "object", "required": ["kind", "meows"],
                        "properties": {"kind": {"type": "string"}, "meows": {"type": "boolean"}}},
                "Dog": {"type": "object", "required": ["kind", "barks"],
                        "properties": {"kind": {"type": "string"}, "barks": {"type": "boolean"}}},
                "Animal": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                           "discriminator": {"propertyName": "kind"}},
                "Mapped": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                           "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat", "dog": "Dog"}}}
            }}
        })
    }

    #[test]
    fn read_only_and_write_only_by_direction() {
        let d = doc(pets());
        let p = "/components/schemas/Pet";
        // id is required but readOnly: not required (and forbidden) in requests.
        assert!(errors(
            &d,
            Version::V30,
            Direction::Request,
            p,
            json!({"name": "x", "secret": "s"})
        )
        .is_empty());
        let e = errors(
            &d,
            Version::V30,
            Direction::Request,
            p,
            json!({"id": 1, "name": "x"}),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].message.contains("`id` is readOnly"),
            "{}",
            e[0].message
        );
        assert_eq!(e[0].instance_path, "/id");
        let e = errors(
            &d,
            Version::V30,
            Direction::Response,
            p,
            json!({"id": 1, "name": "x", "secret": "hunter2"}),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("writeOnly"));
        assert!(!e[0].message.contains("hunter2"), "never echo values");
        assert!(
            !errors(
                &d,
                Version::V30,
                Direction::Response,
                p,
                json!({"name": "x"})
            )
            .is_empty(),
            "id required in responses"
        );
    }

    #[test]
    fn nullable_formats_and_int32() {
        let d = doc(pets());
        let p = "/components/schemas/Pet";
        assert!(errors(
            &d,
            Version::V30,
            Direction::Response,
            p,
            json!({"id": 1, "name": null, "tag": null})
        )
        .is_empty());
        assert_eq!(
            errors(
                &d,
                Version::V30,
                Direction::Response,
                p,
                json!({"id": 1, "name": "x", "tag": "c"})
            )
            .len(),
            1
        );
        assert_eq!(
            errors(
                &d,
                Version::V30,
                Direction::Response,
                p,
                json!({"id": 3_000_000_000u64, "name": "x"})
            )
            .len(),
            1
        );
        let e = errors(
            &d,
            Version::V30,
            Direction::Response,
            p,
            json!({"id": 1, "name": "x", "born": "2020-13-45"}),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].schema_path,
            "/components/schemas/Pet/properties/born/format"
        );
        assert_eq!(
            errors(
                &d,
                Version::V30,
                Direction::Response,
                p,
                json!({"id": 1, "name": "x", "uid": "nope"})
            )
            .len(),
            1
        );
        assert_eq!(
            errors(
                &d,
                Version::V30,
                Direction::Response,
                p,
                json!({"id": 1, "name": "x", "blob": "a$=="})
            )
            .len(),
            1
        );
        assert!(errors(&d, Version::V30, Direction::Response, p, json!({"id": 1, "name": "x", "blob": "aGk=", "uid": "123e4567-e89b-12d3-a456-426614174000"})).is_empty());
    }

    #[test]
    fn discriminator_selects_the_alternative() {
        let d = doc(pets());
        let a = "/components/schemas/Animal";
        assert!(errors(
            &d,
            Version::V30,
            Direction::Request,
            a,
            json!({"kind": "Cat", "meows": true})
        )
        .is_empty());
        let e = errors(
            &d,
            Version::V30,
            Direction::Request,
            a,
            json!({"kind": "Dog", "meows": true}),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].message.contains("barks"),
            "the Dog's own error: {}",
            e[0].message
        );
        assert_eq!(e[0].schema_path, "/components/schemas/Dog/required");
        let e = errors(
            &d,
            Version::V30,
            Direction::Request,
            a,
            json!({"kind": "Cow"}),
        );
        assert!(
            e.iter()
                .any(|v| v.message.contains("must be one of Cat, Dog")),
            "{e:?}"
        );
        // Both alternatives would match: plain oneOf would fail, the discriminator decides.
        assert!(errors(
            &d,
            Version::V30,
            Direction::Request,
            a,
            json!({"kind": "Cat", "meows": true, "barks": true})
        )
        .is_empty());
        let m = "/components/schemas/Mapped";
        assert!(errors(
            &d,
            Version::V30,
            Direction::Request,
            m,
            json!({"kind": "dog", "barks": false})
        )
        .is_empty());
        let e = errors(
            &d,
            Version::V30,
            Direction::Request,
            m,
            json!({"kind": "Dog", "barks": false}),
        );
        assert!(e.iter().any(|v| v.message.contains("cat, dog")), "{e:?}");
    }

    #[test]
    fn openapi_31_type_arrays() {
        let d = doc(json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"N": {"type": ["integer", "null"], "exclusiveMinimum": 0}}}
        }));
        let n = "/components/schemas/N";
        assert!(errors(&d, Version::V31, Direction::Request, n, json!(null)).is_empty());
        assert!(errors(&d, Version::V31, Direction::Request, n, json!(1)).is_empty());
        assert_eq!(
            errors(&d, Version::V31, Direction::Request, n, json!(0)).len(),
            1
        );
        assert_eq!(
            errors(&d, Version::V31, Direction::Request, n, json!("1")).len(),
            1
        );
    }

    #[test]
    fn pointers_with_braces_compile() {
        let d = doc(
            json!({"openapi": "3.0.0", "paths": {"/a/{id}": {"get": {"parameters": [
            {"name": "id", "in": "path", "schema": {"type": "integer"}}]}}}}),
        );
        let e = errors(
            &d,
            Version::V30,
            Direction::Request,
            "/paths/~1a~1{id}/get/parameters/0/schema",
            json!("x"),
        );
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].schema_path,
            "/paths/~1a~1{id}/get/parameters/0/schema/type"
        );
    }

    #[test]
    fn one_validator_serves_both_directions_through_references() {
        let text = r##"{
  "openapi": "3.1.0",
  "components": {"schemas": {
    "Pet": {
      "type": "object",
      "properties": {
        "id": {"type": "integer", "readOnly": true},
        "secret": {"type": "string", "writeOnly": true},
        "name": {"type": "string"}
      }
    },
    "Page": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}},
    "Plain": {"type": "object", "properties": {"n": {"type": "integer"}}}
  }}
}"##;
        let d = Document::parse("api.json", text).unwrap();
        let mut space = SchemaSpace::new(d.value(), Version::V31);
        let page = "/components/schemas/Page";
        let req = space.register(page, Direction::Request);
        let resp = space.register(page, Direction::Response);
        let plain = space.register("/components/schemas/Plain", Direction::Response);
        assert_eq!(
            space.roots.two_way.len(),
            2,
            "Pet and Page (which refers to it) differ by direction; Plain does not"
        );
        let line_of = |p: &str| d.line_of(p);
        let mut lines = LinesBuilder::new(&line_of);
        space.add_lines(&mut lines);
        let lines = lines.finish("api.json");
        assert_eq!(space.finish().unwrap(), vec![]);
        let check = |c: &SchemaCheck, v: Value| {
            let mut out = Vec::new();
            c.check(v, "body", "body-invalid", &lines, &mut out);
            out
        };
        let with_id = json!({"items": [{"id": 1, "name": "Rex"}]});
        let with_secret = json!({"items": [{"secret": "s", "name": "Rex"}]});
        assert!(check(&resp, with_id.clone()).is_empty());
        assert!(check(&req, with_secret.clone()).is_empty());
        let e = check(&req, with_id);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("readOnly"), "{e:?}");
        let e = check(&resp, with_secret);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("writeOnly"), "{e:?}");
        // The response copy is shown as the contract's own schema, with its line.
        assert_eq!(
            e[0].schema_path,
            "/components/schemas/Pet/properties/secret/not"
        );
        assert_eq!(e[0].spec.as_deref(), Some("api.json:8"));
        assert_eq!(check(&plain, json!({"n": "x"})).len(), 1);
    }

    #[test]
    fn a_broken_schema_is_skipped_and_the_rest_still_checked() {
        let d = doc(json!({"openapi": "3.0.0", "components": {"schemas": {
            "A": {"type": "object", "properties": {
                "x": {"type": "string", "pattern": "(unclosed"},
                "n": {"type": "integer"}}}}}}));
        let mut space = SchemaSpace::new(d.value(), Version::V30);
        let c = space.register("/components/schemas/A", Direction::Request);
        let skipped = space.finish().unwrap();
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].pointer, "/components/schemas/A/properties/x");
        let mut out = Vec::new();
        c.check(
            json!({"x": 1, "n": "no"}),
            "request.body",
            "body-invalid",
            &Lines::default(),
            &mut out,
        );
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].instance_path, "/n");
    }
}
