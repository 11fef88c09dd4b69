//! OpenAPI loader: 3.0.x and 3.1.x in YAML or JSON, with every externally referenced document
//! loaded through the [`Vfs`], `$ref`s resolvable (local pointers, relative files, chains,
//! recursion represented rather than unrolled) and a span for every element.
//!
//! The model is the parsed JSON (`serde_json::Value`, so the gateway can compile schemas with a
//! JSON Schema validator) plus typed views; it is lenient: documents that are usable but not
//! strictly valid load with warnings.

mod lint;
mod refs;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::document::Document;
use crate::fs::Vfs;
use crate::source::Span;
use crate::{Diagnostic, LoadResult, Loaded, Refused, Severity};

pub use lint::lint;
pub use refs::RefError;

/// The HTTP methods an OpenAPI path item can hold.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Which OpenAPI version a document declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OasVersion {
    /// 3.0.x
    V3_0,
    /// 3.1.x
    V3_1,
}

/// A place in one of the contract's documents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ptr {
    /// Index of the document (0 = the root document).
    pub doc: usize,
    /// JSON Pointer inside it.
    pub pointer: String,
}

/// A loaded OpenAPI contract: the root document and every document it references.
#[derive(Debug)]
pub struct OpenApi {
    version: OasVersion,
    docs: Vec<Document>,
    paths: Vec<PathBuf>,
    by_path: HashMap<PathBuf, usize>,
}

/// One operation, as the typed view gives it.
#[derive(Debug, Clone)]
pub struct Operation<'a> {
    /// Lower-case method.
    pub method: &'static str,
    /// Path template as written (`/pokemon/{id}`).
    pub path: &'a str,
    /// Where the operation object is (after following a path item `$ref`).
    pub ptr: Ptr,
    /// The operation object.
    pub value: &'a Value,
    /// Where its path item is.
    pub path_item: Ptr,
}

impl OpenApi {
    /// The declared version.
    pub fn version(&self) -> OasVersion {
        self.version
    }

    /// The root document's value.
    pub fn root(&self) -> &Value {
        self.docs[0].value()
    }

    /// Every document (0 = root).
    pub fn documents(&self) -> &[Document] {
        &self.docs
    }

    /// The file a document was read from.
    pub fn path_of(&self, doc: usize) -> Option<&Path> {
        self.paths.get(doc).map(PathBuf::as_path)
    }

    /// Builds every document's span tree now (see [`Document::prepare_spans`]).
    pub fn prepare_spans(&self) {
        for d in &self.docs {
            d.prepare_spans();
        }
    }

    /// The value at `ptr`.
    pub fn get(&self, ptr: &Ptr) -> Option<&Value> {
        self.docs.get(ptr.doc)?.get(&ptr.pointer)
    }

    /// The span of `ptr` (or of its nearest existing ancestor).
    pub fn span(&self, ptr: &Ptr) -> Option<Span> {
        self.docs.get(ptr.doc)?.span(&ptr.pointer)
    }

    /// Where a `$ref` string written in document `doc` points, checked to exist.
    pub fn resolve_ref(&self, doc: usize, reference: &str) -> Result<Ptr, RefError> {
        refs::target(self, doc, reference)
    }

    /// Follows `$ref`s from `ptr` to the first value that is not a reference (a circular or
    /// broken chain ends in an error).
    pub fn deref(&self, ptr: &Ptr) -> Result<Ptr, RefError> {
        refs::deref(self, ptr)
    }

    /// Every operation in `paths`, path items' `$ref`s followed, in document order.
    pub fn operations(&self) -> Vec<Operation<'_>> {
        let mut out = Vec::new();
        let Some(paths) = self.root().get("paths").and_then(Value::as_object) else {
            return out;
        };
        for (template, _) in paths {
            let at = Ptr {
                doc: 0,
                pointer: format!("/paths/{}", escape(template)),
            };
            let item = self.deref(&at).unwrap_or(at);
            let Some(iv) = self.get(&item) else { continue };
            for m in METHODS {
                if let Some(value) = iv.get(*m) {
                    out.push(Operation {
                        method: m,
                        path: template,
                        ptr: Ptr {
                            doc: item.doc,
                            pointer: format!("{}/{m}", item.pointer),
                        },
                        value,
                        path_item: item.clone(),
                    });
                }
            }
        }
        out
    }
}

/// Escapes one JSON Pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Loads an OpenAPI document and everything it references.
pub fn load(fs: &dyn Vfs, path: &Path) -> LoadResult<OpenApi> {
    let shown = fs.display(path);
    let text = fs.read_to_string(path).map_err(|e| {
        Refused::one(
            Diagnostic::error("unreadable-input", format!("cannot read: {e}"))
                .with_file(shown.clone())
                .with_hint("check the path and its permissions"),
        )
    })?;
    let doc = crate::document::parse(shown.clone(), text)?;
    let root = doc.value();
    if !root.is_object() {
        return Err(Refused::one(
            Diagnostic::error(
                "not-openapi",
                "an OpenAPI document must be a mapping at the top",
            )
            .with_span(doc.span(""))
            .with_hint("start the document with `openapi: 3.1.0`"),
        ));
    }
    let version = match (root.get("openapi"), root.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.0") => OasVersion::V3_0,
        (Some(Value::String(v)), _) if v.starts_with("3.1") => OasVersion::V3_1,
        (_, Some(v)) => return Err(Refused::one(
            Diagnostic::error(
                "unsupported-version",
                format!(
                    "Swagger {} (OpenAPI 2.0) documents are not supported",
                    show(v)
                ),
            )
            .with_span(doc.span("/swagger"))
            .with_hint(
                "convert it to OpenAPI 3.0 first, e.g. `npx swagger2openapi api.yaml -o api3.yaml`",
            ),
        )),
        (Some(v), _) => {
            return Err(Refused::one(
                Diagnostic::error(
                    "unsupported-version",
                    format!("OpenAPI version {} is not supported", show(v)),
                )
                .with_span(doc.span("/openapi"))
                .with_hint("write `openapi: 3.0.3` or `openapi: 3.1.0` (as a string)"),
            ))
        }
        (None, None) => {
            return Err(Refused::one(
                Diagnostic::error("not-openapi", "no `openapi` version key at the top")
                    .with_span(doc.span(""))
                    .with_hint(
                        "start the document with `openapi: 3.1.0`, or pass --kind for another kind",
                    ),
            ))
        }
    };
    let mut api = OpenApi {
        version,
        docs: vec![doc],
        paths: vec![path.to_path_buf()],
        by_path: HashMap::from([(normalize(path), 0)]),
    };
    let mut diagnostics = Vec::new();
    let refs = refs::load_external(&mut api, fs, &mut diagnostics);
    diagnostics.extend(refs::check_all(&api, &refs));
    diagnostics.extend(structure(&api));
    Ok(Loaded {
        contract: api,
        diagnostics,
    })
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Lenient structural checks: problems that do not stop the document from being used.
fn structure(api: &OpenApi) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let root = api.root();
    let at = |p: &str| api.docs[0].span(p);
    if api.version == OasVersion::V3_0 && root.get("paths").is_none() {
        out.push(
            Diagnostic::warning("missing-paths", "an OpenAPI 3.0 document needs `paths`")
                .with_span(at(""))
                .with_hint("add `paths: {}` (3.1 makes it optional)"),
        );
    }
    if root.get("info").is_none() {
        out.push(
            Diagnostic::warning("missing-info", "the document has no `info` section")
                .with_span(at(""))
                .with_hint("add `info: {title: …, version: …}`"),
        );
    }
    if let Some(paths) = root.get("paths").and_then(Value::as_object) {
        for (template, item) in paths {
            let base = format!("/paths/{}", escape(template));
            if !template.starts_with('/') {
                out.push(
                    Diagnostic::warning(
                        "invalid-path",
                        format!("path `{template}` does not start with `/`"),
                    )
                    .with_span(at(&base))
                    .with_hint("write paths as `/resource/{id}`"),
                );
            }
            let Some(item) = item.as_object() else {
                continue;
            };
            for key in item.keys() {
                let known = METHODS.contains(&key.as_str())
                    || matches!(
                        key.as_str(),
                        "$ref" | "summary" | "description" | "servers" | "parameters"
                    )
                    || key.starts_with("x-");
                if !known {
                    out.push(
                        Diagnostic::warning("unknown-method", format!("`{key}` is not an HTTP method OpenAPI knows"))
                            .with_span(at(&format!("{base}/{}", escape(key))))
                            .with_hint("use one of get, put, post, delete, options, head, patch, trace, or an `x-` extension"),
                    );
                }
            }
        }
    }
    out.retain(|d| d.severity >= Severity::Warning);
    out
}
