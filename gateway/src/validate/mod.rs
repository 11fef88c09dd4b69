//! Contract compilation and validation: an OpenAPI document is compiled once into an immutable
//! [`CompiledContract`] (route matcher → per-operation validators); the request path only runs
//! what was compiled.
//!
//! Every check names where the contract states it (`file:line`), and no violation message
//! contains a value from the traffic.
//!
//! Input: the document is read by [`document::Document`] (JSON with a pointer → line index)
//! and walked by pointer here, following local `$ref`s. When the `contracts::openapi` model
//! lands, `Compiler` is the one place to switch to its typed views (operations, parameters,
//! bodies, responses, security, multi-file `$ref` resolution, pointer → `Span`); everything
//! after it (router, parameter styles, schema spaces, content readers) stays as it is.
//!
//! Not yet handled: `$ref`s to other files (left unchecked), `discriminator` on an `allOf`
//! base schema (only `oneOf`/`anyOf` alternatives are dispatched), Swagger 2.0 input.

pub mod content;
pub mod document;
pub mod lines;
pub mod params;
pub mod router;
pub mod schema;
pub mod security;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use contracts::{Diagnostic, SourceFile};
use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use crate::config::{Policies, Policy};
use crate::problem::Violation;
use content::{Media, PartEncoding, Read};
use document::{escape, Document};
use lines::{Lines, LinesBuilder};
use params::{In, Shape, Style};
use router::{Routed, Router};
use schema::{Direction, SchemaCheck, SchemaSpace, Version};
use security::{Credential, Security};

/// The HTTP methods an OpenAPI path item may hold operations for.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One declared parameter.
#[derive(Debug)]
struct Param {
    name: String,
    /// `request.<in>.<name>`, the location its violations name.
    location: String,
    loc: In,
    required: bool,
    style: Style,
    explode: bool,
    shape: Shape,
    /// `content: {application/json: …}` instead of `schema`.
    json: bool,
    check: Option<SchemaCheck>,
    spec: Option<String>,
}

/// A declared request body.
#[derive(Debug)]
struct Body {
    required: bool,
    media: Vec<Media>,
    spec: Option<String>,
}

/// A declared response header.
#[derive(Debug)]
struct HeaderSpec {
    name: String,
    required: bool,
    shape: Shape,
    check: Option<SchemaCheck>,
    spec: Option<String>,
}

/// One declared response.
#[derive(Debug)]
struct ResponseSpec {
    headers: Vec<HeaderSpec>,
    media: Vec<Media>,
}

/// The responses of an operation by status: exact codes, `1XX`–`5XX` ranges, `default`.
#[derive(Debug, Default)]
struct Responses {
    exact: Vec<(u16, ResponseSpec)>,
    ranges: Vec<(u16, ResponseSpec)>,
    default: Option<ResponseSpec>,
    spec: Option<String>,
}

impl Responses {
    fn find(&self, status: StatusCode) -> Option<&ResponseSpec> {
        let code = status.as_u16();
        self.exact
            .iter()
            .find(|(c, _)| *c == code)
            .or_else(|| self.ranges.iter().find(|(c, _)| *c == code / 100))
            .map(|(_, r)| r)
            .or(self.default.as_ref())
    }
}

/// One operation of a compiled contract.
#[derive(Debug)]
pub struct Operation {
    /// `operationId`, or `METHOD /template` when the contract gives none.
    pub id: String,
    /// `METHOD /template`.
    pub key: String,
    params: Vec<Param>,
    security: Security,
    body: Option<Body>,
    responses: Responses,
    /// Query keys the operation knows (parameters and query credentials).
    known_query: Vec<String>,
    spec: Option<String>,
}

/// Where a request lands in a contract.
#[derive(Debug, PartialEq, Eq)]
pub enum RouteMatch {
    /// An operation, with the raw (still percent-encoded) path parameter values.
    Found {
        /// Index into [`CompiledContract::operations`].
        op: usize,
        /// `(name, raw value)` per templated segment.
        params: Vec<(String, String)>,
    },
    /// The path is declared, not with this method: the declared methods.
    MethodNotAllowed(Vec<Method>),
    /// No declared path matches.
    NotFound,
}

/// What request validation looks at.
#[derive(Debug)]
pub struct RequestView<'a> {
    /// The method.
    pub method: &'a Method,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The whole body.
    pub body: &'a Bytes,
}

/// The outcome of request validation.
#[derive(Debug, Default)]
pub struct RequestCheck {
    /// Violations that reject the request in enforce mode.
    pub violations: Vec<Violation>,
    /// Violations that are only recorded (what a `report` policy found).
    pub advisory: Vec<Violation>,
}

/// A contract compiled for validation. Immutable; swapped whole on reload.
#[derive(Debug)]
pub struct CompiledContract {
    name: String,
    files: Vec<PathBuf>,
    lines: Lines,
    router: Router,
    operations: Vec<Operation>,
}

impl CompiledContract {
    /// Loads and compiles the OpenAPI document at `path`. Warnings (checks that could not be
    /// compiled and are skipped) come back with the contract; errors refuse it.
    pub fn compile(path: &Path) -> Result<(CompiledContract, Vec<Diagnostic>), Vec<Diagnostic>> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![
                Diagnostic::error("unreadable-input", format!("cannot read: {e}"))
                    .with_file(name.clone())
                    .with_hint("check the path and its permissions"),
            ]
        })?;
        let mut c = CompiledContract::compile_text(&name, &text)?;
        c.0.files = vec![path.to_path_buf()];
        Ok(c)
    }

    /// Compiles a document given as text, shown as `name`.
    pub fn compile_text(
        name: &str,
        text: &str,
    ) -> Result<(CompiledContract, Vec<Diagnostic>), Vec<Diagnostic>> {
        let source = SourceFile::new(name, text);
        let doc = Document::parse(name, text).map_err(|e| {
            vec![Diagnostic::error("invalid-contract", e)
                .with_file(name.to_string())
                .with_hint("fix the YAML/JSON syntax")]
        })?;
        Compiler::new(doc, source).run()
    }

    /// The contract's display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every file the contract was read from (watched for reloads).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// The operations.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// Finds the operation for a request path (already stripped of the route prefix).
    pub fn route(&self, method: &Method, path: &str, policies: &Policies) -> RouteMatch {
        match self.router.route(method, path, policies.trailing_slash) {
            Routed::Found(op, params) => RouteMatch::Found { op, params },
            Routed::MethodNotAllowed(m) => RouteMatch::MethodNotAllowed(m),
            Routed::NotFound => RouteMatch::NotFound,
        }
    }

    /// Every way the request breaks the operation's contract.
    pub fn check_request(
        &self,
        op: usize,
        path_params: &[(String, String)],
        req: &RequestView<'_>,
        policies: &Policies,
    ) -> RequestCheck {
        let mut out = RequestCheck::default();
        let Some(op) = self.operations.get(op) else {
            return out;
        };
        let v = &mut out.violations;
        op.security.check(req.headers, req.query, v);
        let query = req.query.map(params::query_pairs).unwrap_or_default();
        let cookies = params::cookie_pairs(
            req.headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|h| h.to_str().ok()),
        );
        let mut consumed: Vec<String> = Vec::new();
        for p in &op.params {
            let location = &p.location;
            let value = match p.loc {
                In::Path => path_params
                    .iter()
                    .find(|(n, _)| *n == p.name)
                    .map(|(_, raw)| self.simple(p, raw, true)),
                In::Header => {
                    let all: Vec<&str> = req
                        .headers
                        .get_all(p.name.as_str())
                        .iter()
                        .filter_map(|h| h.to_str().ok())
                        .collect();
                    (!all.is_empty()).then(|| self.simple(p, &all.join(","), false))
                }
                In::Query | In::Cookie => {
                    let pairs = if p.loc == In::Query { &query } else { &cookies };
                    if p.json {
                        let found = pairs.iter().find(|(k, _)| *k == p.name);
                        consumed.push(p.name.clone());
                        found.map(|(_, raw)| {
                            serde_json::from_str(&params::decode(raw, p.loc == In::Query))
                                .map_err(|_| "is not valid JSON".to_string())
                        })
                    } else {
                        let (val, keys) = params::from_form_like(
                            pairs,
                            &p.name,
                            p.style,
                            p.explode,
                            &p.shape,
                            p.loc == In::Query,
                        );
                        if p.loc == In::Query {
                            consumed.extend(keys);
                        }
                        val.map(Ok)
                    }
                }
            };
            match value {
                None if p.required => v.push(
                    Violation::new(
                        "parameter-missing",
                        location.clone(),
                        format!(
                            "required {} parameter `{}` is missing",
                            p.loc.as_str(),
                            p.name
                        ),
                    )
                    .with_spec(p.spec.clone()),
                ),
                None => {}
                Some(Err(why)) => v.push(
                    Violation::new(
                        "parameter-invalid",
                        location.clone(),
                        format!("{} parameter `{}` {why}", p.loc.as_str(), p.name),
                    )
                    .with_spec(p.spec.clone()),
                ),
                Some(Ok(value)) => {
                    if let Some(c) = &p.check {
                        c.check(value, location, "parameter-invalid", &self.lines, v);
                    }
                }
            }
        }
        if policies.unknown_query != Policy::Allow {
            for (k, _) in &query {
                if consumed.contains(k) || op.known_query.contains(k) {
                    continue;
                }
                let vio = Violation::new(
                    "unknown-query-parameter",
                    format!("request.query.{k}"),
                    format!("query parameter `{k}` is not declared by the operation"),
                )
                .with_spec(op.spec.clone());
                if policies.unknown_query == Policy::Reject {
                    out.violations.push(vio);
                } else {
                    out.advisory.push(vio);
                }
                consumed.push(k.clone());
            }
        }
        self.check_body(op, req, &mut out.violations);
        out
    }

    fn simple(&self, p: &Param, raw: &str, pct: bool) -> Result<Value, String> {
        if p.json {
            let text = if pct {
                params::decode(raw, false)
            } else {
                raw.to_string()
            };
            return serde_json::from_str(&text).map_err(|_| "is not valid JSON".to_string());
        }
        params::from_simple_like(raw, &p.name, p.style, p.explode, &p.shape, pct)
    }

    fn check_body(&self, op: &Operation, req: &RequestView<'_>, v: &mut Vec<Violation>) {
        let ct = req
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok());
        let Some(body) = &op.body else {
            if !req.body.is_empty() {
                v.push(
                    Violation::new(
                        "body-unexpected",
                        "request.body",
                        "the operation declares no request body",
                    )
                    .with_spec(op.spec.clone()),
                );
            }
            return;
        };
        if req.body.is_empty() {
            if body.required {
                v.push(
                    Violation::new("body-missing", "request.body", "a request body is required")
                        .with_spec(body.spec.clone()),
                );
            }
            return;
        }
        let declared = || {
            body.media
                .iter()
                .map(|m| m.range.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(ct) = ct else {
            v.push(
                Violation::new(
                    "unsupported-media-type",
                    "request.header.content-type",
                    format!("the body has no Content-Type; declared: {}", declared()),
                )
                .with_spec(body.spec.clone()),
            );
            return;
        };
        let Some(media) = content::pick(&body.media, &content::essence(ct)) else {
            v.push(
                Violation::new(
                    "unsupported-media-type",
                    "request.header.content-type",
                    format!(
                        "Content-Type `{}` is not declared; declared: {}",
                        content::essence(ct),
                        declared()
                    ),
                )
                .with_spec(body.spec.clone()),
            );
            return;
        };
        let Some(check) = &media.check else { return };
        match content::read(ct, req.body, media) {
            Read::Value(value) => {
                check.check(value, "request.body", "body-invalid", &self.lines, v)
            }
            Read::Malformed(why) => {
                let kind = if content::kind_of(&content::essence(ct)) == content::Kind::Json {
                    "malformed-json"
                } else {
                    "body-malformed"
                };
                v.push(Violation::new(kind, "request.body", why).with_spec(media.spec.clone()));
            }
            Read::PartType(part, allowed) => v.push(
                Violation::new(
                    "part-content-type",
                    format!("request.body.{part}"),
                    format!("part `{part}` must be one of: {allowed}"),
                )
                .with_spec(media.spec.clone()),
            ),
            Read::Skip => {}
        }
    }

    /// Checks a response's status and headers; says whether its body must be read to finish.
    pub fn check_response_head(
        &self,
        op: usize,
        status: StatusCode,
        headers: &HeaderMap,
        out: &mut Vec<Violation>,
    ) -> bool {
        let Some(op) = self.operations.get(op) else {
            return false;
        };
        let Some(resp) = op.responses.find(status) else {
            out.push(
                Violation::new(
                    "response-status-undeclared",
                    "response.status",
                    format!(
                        "status {} is not declared for this operation",
                        status.as_u16()
                    ),
                )
                .with_spec(op.responses.spec.clone()),
            );
            return false;
        };
        for h in &resp.headers {
            let location = format!("response.header.{}", h.name);
            let all: Vec<&str> = headers
                .get_all(h.name.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            if all.is_empty() {
                if h.required {
                    out.push(
                        Violation::new(
                            "response-header-missing",
                            location,
                            format!("required response header `{}` is missing", h.name),
                        )
                        .with_spec(h.spec.clone()),
                    );
                }
                continue;
            }
            if let Some(c) = &h.check {
                match params::from_simple_like(
                    &all.join(","),
                    &h.name,
                    Style::Simple,
                    false,
                    &h.shape,
                    false,
                ) {
                    Ok(value) => c.check(
                        value,
                        &location,
                        "response-header-invalid",
                        &self.lines,
                        out,
                    ),
                    Err(why) => out.push(Violation::new("response-header-invalid", location, why)),
                }
            }
        }
        if resp.media.is_empty() {
            return false;
        }
        let empty = headers
            .get(http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0");
        let ct = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok());
        match ct.map(|ct| content::pick(&resp.media, &content::essence(ct))) {
            Some(Some(m)) => m.check.is_some() && !empty,
            Some(None) => {
                out.push(
                    Violation::new(
                        "response-content-type",
                        "response.header.content-type",
                        format!(
                            "Content-Type `{}` is not declared for status {}",
                            ct.map(content::essence).unwrap_or_default(),
                            status.as_u16()
                        ),
                    )
                    .with_spec(op.responses.spec.clone()),
                );
                false
            }
            None if empty => false,
            None => {
                out.push(
                    Violation::new(
                        "response-content-type",
                        "response.header.content-type",
                        "the response has a body but no Content-Type",
                    )
                    .with_spec(op.responses.spec.clone()),
                );
                false
            }
        }
    }

    /// Checks a response body against the operation's declared response.
    pub fn check_response_body(
        &self,
        op: usize,
        status: StatusCode,
        headers: &HeaderMap,
        body: &Bytes,
        out: &mut Vec<Violation>,
    ) {
        let Some(resp) = self
            .operations
            .get(op)
            .and_then(|o| o.responses.find(status))
        else {
            return;
        };
        let Some(ct) = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|h| h.to_str().ok())
        else {
            return;
        };
        let Some(m) = content::pick(&resp.media, &content::essence(ct)) else {
            return;
        };
        let Some(check) = &m.check else { return };
        match content::read(ct, body, m) {
            Read::Value(v) => check.check(
                v,
                "response.body",
                "response-body-invalid",
                &self.lines,
                out,
            ),
            Read::Malformed(why) => out.push(
                Violation::new("response-body-malformed", "response.body", why)
                    .with_spec(m.spec.clone()),
            ),
            Read::PartType(part, allowed) => out.push(Violation::new(
                "response-body-malformed",
                format!("response.body.{part}"),
                format!("part `{part}` must be one of: {allowed}"),
            )),
            Read::Skip => {}
        }
    }
}

/// Builds a [`CompiledContract`] from a parsed document.
struct Compiler {
    /// Shared so the compile loop can read the document while it borrows the compiler
    /// mutably, without a copy of the whole document.
    doc: std::sync::Arc<Document>,
    source: std::sync::Arc<SourceFile>,
    space: Option<SchemaSpace>,
    warnings: Vec<Diagnostic>,
}

impl Compiler {
    fn new(doc: Document, source: std::sync::Arc<SourceFile>) -> Self {
        Compiler {
            doc: std::sync::Arc::new(doc),
            source,
            space: None,
            warnings: Vec::new(),
        }
    }

    fn span(&self, pointer: &str) -> Option<contracts::Span> {
        let line = self.doc.line_of(pointer)?;
        Some(self.source.span_lc(line, 1, line, 1))
    }

    fn warn(&mut self, code: &'static str, pointer: &str, msg: String, hint: &str) {
        self.warnings.push(
            Diagnostic::warning(code, msg)
                .with_span(self.span(pointer))
                .with_file(self.doc.name.clone())
                .with_hint(hint.to_string()),
        );
    }

    fn error(&self, code: &'static str, pointer: &str, msg: String, hint: &str) -> Diagnostic {
        Diagnostic::error(code, msg)
            .with_span(self.span(pointer))
            .with_file(self.doc.name.clone())
            .with_hint(hint.to_string())
    }

    /// Follows a local `$ref` chain: the target and its pointer.
    fn deref<'a>(&'a self, v: &'a Value, pointer: &str) -> (&'a Value, String) {
        let mut cur = v;
        let mut ptr = pointer.to_string();
        for _ in 0..32 {
            match cur.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with('#') => {
                    let p = schema::pointer_of_ref(r);
                    match self.doc.value().pointer(&p) {
                        Some(t) => {
                            cur = t;
                            ptr = p;
                        }
                        None => break,
                    }
                }
                _ => break,
            }
        }
        (cur, ptr)
    }

    fn compile_schema(&mut self, dir: Direction, pointer: &str) -> Option<SchemaCheck> {
        Some(self.space.as_mut()?.register(pointer, dir))
    }

    /// Compiles both directions' schemas; schemas that do not compile become warnings.
    /// Also keeps the lines of every schema node, for the violations to come.
    fn finish_schemas(&mut self) -> Result<Lines, Vec<Diagnostic>> {
        let doc = std::sync::Arc::clone(&self.doc);
        let line_of = |p: &str| doc.line_of(p);
        let mut lines = LinesBuilder::new(&line_of);
        if let Some(space) = self.space.take() {
            space.add_lines(&mut lines);
            let skipped = space
                .finish()
                .map_err(|e| vec![self.error("invalid-contract", "", e, "fix the schemas")])?;
            for s in skipped {
                if self.warnings.iter().any(|w| w.message.contains(&s.pointer)) {
                    continue;
                }
                self.warn(
                    "gateway-schema-skipped",
                    &s.pointer,
                    format!(
                        "the schema at {} does not compile ({}); it is not checked",
                        s.pointer, s.reason
                    ),
                    "fix the schema so that it is valid JSON Schema",
                );
            }
        }
        Ok(lines.finish(&self.doc.name))
    }

    fn shape(&self, schema: &Value) -> Shape {
        let resolve = |v: &Value| schema::resolve(self.doc.value(), v).clone();
        Shape::of(schema, &resolve)
    }

    fn run(mut self) -> Result<(CompiledContract, Vec<Diagnostic>), Vec<Diagnostic>> {
        let doc = std::sync::Arc::clone(&self.doc);
        let root = doc.value();
        let version = match root
            .get("openapi")
            .and_then(Value::as_str)
            .map(|v| v.get(..3).unwrap_or(v))
        {
            Some("3.0") => Version::V30,
            Some("3.1") | Some("3.2") => Version::V31,
            _ => {
                let what = if root.get("swagger").is_some() {
                    "Swagger 2.0 documents are not supported by the gateway"
                } else {
                    "not an OpenAPI 3.x document (no `openapi: 3.x` field)"
                };
                return Err(vec![self.error(
                    "unsupported-contract",
                    "",
                    what.to_string(),
                    "give the gateway an OpenAPI 3.0 or 3.1 document",
                )]);
            }
        };
        self.space = Some(SchemaSpace::new(root, version));
        let servers = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    let url = s.get("url")?.as_str()?;
                    let vars = s.get("variables");
                    let defaults = |n: &str| {
                        vars.and_then(|v| v.get(n))
                            .and_then(|v| v.get("default"))
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    };
                    Some(router::server_base_path(url, &defaults))
                })
                .collect()
        };
        let mut router = Router::new(&servers(root.get("servers")));
        let mut operations = Vec::new();
        let empty = serde_json::Map::new();
        let paths = root
            .get("paths")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (template, item) in paths {
            let pbase = format!("/paths/{}", escape(template));
            let (item, item_ptr) = self.deref(item, &pbase);
            let item = item.clone();
            for m in METHODS {
                let Some(op) = item.get(m) else { continue };
                let obase = format!("{item_ptr}/{m}");
                let method =
                    Method::from_bytes(m.to_ascii_uppercase().as_bytes()).unwrap_or(Method::GET);
                let index = operations.len();
                if let Err(e) = router.add(template, method.clone(), index) {
                    return Err(vec![self.error(
                        "invalid-path-template",
                        &pbase,
                        e,
                        "close every `{` with `}` and start paths with `/`",
                    )]);
                }
                let op = self.operation(root, &item, &item_ptr, op, &obase, &method, template);
                operations.push(op);
            }
        }
        let lines = self.finish_schemas()?;
        // The document is dropped here: checks carry what they need, and `lines` answers for
        // the schema nodes violations point at.
        let Compiler { doc, warnings, .. } = self;
        Ok((
            CompiledContract {
                name: doc.name.clone(),
                files: Vec::new(),
                lines,
                router,
                operations,
            },
            warnings,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        root: &Value,
        item: &Value,
        item_ptr: &str,
        op: &Value,
        obase: &str,
        method: &Method,
        template: &str,
    ) -> Operation {
        let key = format!("{method} {template}");
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .map_or_else(|| key.clone(), str::to_string);
        // Operation parameters override path-item ones by (name, in).
        let mut raw_params: Vec<(Value, String)> = Vec::new();
        for (list, base) in [
            (item.get("parameters"), item_ptr.to_string()),
            (op.get("parameters"), obase.to_string()),
        ] {
            for (i, p) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let (p, ptr) = self.deref(p, &format!("{base}/parameters/{i}"));
                let ident = (p.get("name").cloned(), p.get("in").cloned());
                raw_params.retain(|(q, _)| (q.get("name").cloned(), q.get("in").cloned()) != ident);
                raw_params.push((p.clone(), ptr));
            }
        }
        let mut params = Vec::new();
        let mut known_query = Vec::new();
        for (p, ptr) in raw_params {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                continue;
            };
            let loc = match p.get("in").and_then(Value::as_str) {
                Some("path") => In::Path,
                Some("query") => In::Query,
                Some("header") => In::Header,
                Some("cookie") => In::Cookie,
                _ => {
                    self.warn(
                        "gateway-parameter-skipped",
                        &ptr,
                        format!("parameter `{name}` has no valid `in`"),
                        "set `in` to path, query, header or cookie",
                    );
                    continue;
                }
            };
            if loc == In::Query {
                known_query.push(name.to_string());
            }
            // OAS: header parameters named Accept, Content-Type or Authorization are ignored.
            if loc == In::Header
                && ["accept", "content-type", "authorization"]
                    .contains(&name.to_ascii_lowercase().as_str())
            {
                continue;
            }
            let style = match p.get("style").and_then(Value::as_str) {
                Some(s) => match Style::parse(s) {
                    Some(st) => st,
                    None => {
                        self.warn(
                            "gateway-parameter-skipped",
                            &ptr,
                            format!("parameter `{name}` has unknown style `{s}`"),
                            "use a style from the OpenAPI specification",
                        );
                        continue;
                    }
                },
                None => Style::default_for(loc),
            };
            let explode = p
                .get("explode")
                .and_then(Value::as_bool)
                .unwrap_or(style == Style::Form);
            let (schema_ptr, json) =
                match (p.get("schema"), p.get("content").and_then(Value::as_object)) {
                    (Some(_), _) => (Some(format!("{ptr}/schema")), false),
                    (None, Some(c)) => match c.iter().next() {
                        Some((mt, m)) if m.get("schema").is_some() => (
                            Some(format!("{ptr}/content/{}/schema", escape(mt))),
                            content::kind_of(&content::essence(mt)) == content::Kind::Json,
                        ),
                        _ => (None, false),
                    },
                    _ => (None, false),
                };
            let shape = schema_ptr
                .as_deref()
                .and_then(|s| self.doc.value().pointer(s).cloned())
                .map_or(Shape::Prim(params::Prim::Str), |s| self.shape(&s));
            let check = schema_ptr
                .as_deref()
                .and_then(|s| self.compile_schema(Direction::Request, s));
            let name = if loc == In::Header {
                name.to_ascii_lowercase()
            } else {
                name.to_string()
            };
            params.push(Param {
                location: format!("request.{}.{name}", loc.as_str()),
                name,
                loc,
                required: loc == In::Path
                    || p.get("required").and_then(Value::as_bool).unwrap_or(false),
                style,
                explode,
                shape,
                json,
                check,
                spec: self.doc.spec(&ptr),
            });
        }

        // Security: the operation's, else the document's.
        let (sec_value, sec_ptr) = match op.get("security") {
            Some(s) => (Some(s), format!("{obase}/security")),
            None => (root.get("security"), "/security".to_string()),
        };
        let schemes = root.pointer("/components/securitySchemes");
        let mut alternatives = Vec::new();
        for alt in sec_value.and_then(Value::as_array).into_iter().flatten() {
            let mut all = Vec::new();
            for (scheme, _) in alt.as_object().into_iter().flatten() {
                let def = schemes
                    .and_then(|s| s.get(scheme))
                    .map(|d| self.deref(d, "").0.clone());
                match def {
                    Some(d) => all.push((scheme.clone(), Credential::from_scheme(&d))),
                    None => self.warn(
                        "gateway-security-skipped",
                        &sec_ptr,
                        format!("security scheme `{scheme}` is not defined; it is not checked"),
                        "define it under components.securitySchemes",
                    ),
                }
            }
            alternatives.push(all);
        }
        let security = Security {
            alternatives,
            spec: self.doc.spec(&sec_ptr),
        };
        known_query.extend(security.query_names().map(str::to_string));

        let body = op.get("requestBody").map(|rb| {
            let (rb, ptr) = self.deref(rb, &format!("{obase}/requestBody"));
            let rb = rb.clone();
            Body {
                required: rb.get("required").and_then(Value::as_bool).unwrap_or(false),
                media: self.media(&rb, &ptr, Direction::Request),
                spec: self.doc.spec(&ptr),
            }
        });

        let mut responses = Responses {
            spec: self.doc.spec(&format!("{obase}/responses")),
            ..Responses::default()
        };
        for (code, r) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let (r, ptr) = self.deref(r, &format!("{obase}/responses/{}", escape(code)));
            let r = r.clone();
            let spec = self.response(&r, &ptr);
            let c = code.to_ascii_uppercase();
            if c == "DEFAULT" {
                responses.default = Some(spec);
            } else if let Ok(n) = c.parse::<u16>() {
                responses.exact.push((n, spec));
            } else if c.len() == 3 && c.ends_with("XX") {
                if let Some(d) = c.chars().next().and_then(|d| d.to_digit(10)) {
                    responses.ranges.push((d as u16, spec));
                }
            } else {
                self.warn(
                    "gateway-response-skipped",
                    &ptr,
                    format!("response key `{code}` is not a status code"),
                    "use a code such as 200, a range such as 2XX, or default",
                );
            }
        }
        Operation {
            id,
            key,
            params,
            security,
            body,
            responses,
            known_query,
            spec: self.doc.spec(obase),
        }
    }

    fn media(&mut self, holder: &Value, ptr: &str, dir: Direction) -> Vec<Media> {
        let mut out = Vec::new();
        for (mt, m) in holder
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let mptr = format!("{ptr}/content/{}", escape(mt));
            let schema_ptr = format!("{mptr}/schema");
            let (check, fields) = match m.get("schema") {
                Some(s) => {
                    // Property shapes coerce form and multipart text; other bodies are JSON
                    // or opaque, and keeping shapes for them would only cost memory.
                    let coerced = matches!(
                        content::kind_of(&content::essence(mt)),
                        content::Kind::Form | content::Kind::Multipart
                    );
                    let resolved = schema::resolve(self.doc.value(), s);
                    let fields = resolved
                        .get("properties")
                        .and_then(Value::as_object)
                        .filter(|_| coerced)
                        .map(|props| {
                            props
                                .iter()
                                .map(|(k, v)| (k.clone(), self.shape(v)))
                                .collect()
                        })
                        .unwrap_or_default();
                    (self.compile_schema(dir, &schema_ptr), fields)
                }
                None => (None, Vec::new()),
            };
            let encoding = m
                .get("encoding")
                .and_then(Value::as_object)
                .map(|e| {
                    e.iter()
                        .map(|(k, v)| {
                            let style = v
                                .get("style")
                                .and_then(Value::as_str)
                                .and_then(Style::parse)
                                .unwrap_or(Style::Form);
                            (
                                k.clone(),
                                PartEncoding {
                                    content_type: v
                                        .get("contentType")
                                        .and_then(Value::as_str)
                                        .map(str::to_string),
                                    style,
                                    explode: v
                                        .get("explode")
                                        .and_then(Value::as_bool)
                                        .unwrap_or(style == Style::Form),
                                },
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Media {
                range: content::essence(mt).into_owned(),
                check,
                fields,
                encoding,
                spec: self.doc.spec(&mptr),
            });
        }
        out
    }

    fn response(&mut self, r: &Value, ptr: &str) -> ResponseSpec {
        let mut headers = Vec::new();
        for (name, h) in r
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            let (h, hptr) = self.deref(h, &format!("{ptr}/headers/{}", escape(name)));
            let h = h.clone();
            let check = h
                .get("schema")
                .and_then(|_| self.compile_schema(Direction::Response, &format!("{hptr}/schema")));
            let shape = h
                .get("schema")
                .map_or(Shape::Prim(params::Prim::Str), |s| self.shape(s));
            headers.push(HeaderSpec {
                name: name.to_ascii_lowercase(),
                required: h.get("required").and_then(Value::as_bool).unwrap_or(false),
                shape,
                check,
                spec: self.doc.spec(&hptr),
            });
        }
        ResponseSpec {
            headers,
            media: self.media(r, ptr, Direction::Response),
        }
    }
}
