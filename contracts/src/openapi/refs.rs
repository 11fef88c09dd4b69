//! `$ref` handling: external documents loaded once each, references resolved to [`Ptr`]s,
//! chains followed with cycle detection, and every broken reference reported where it is written.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{normalize, OpenApi, Ptr};
use crate::fs::Vfs;
use crate::Diagnostic;

/// Why a reference does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// The referenced file could not be loaded.
    MissingFile(String),
    /// The pointer does not exist in the target document.
    MissingPointer(String),
    /// The fragment is not a JSON Pointer.
    BadPointer(String),
    /// The chain of references loops without reaching a value.
    Circular(Vec<String>),
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefError::MissingFile(p) => write!(f, "the file `{p}` could not be loaded"),
            RefError::MissingPointer(p) => write!(f, "nothing exists at `{p}`"),
            RefError::BadPointer(p) => {
                write!(f, "`{p}` is not a JSON Pointer (it must start with `#/`)")
            }
            RefError::Circular(chain) => write!(f, "the references loop: {}", chain.join(" → ")),
        }
    }
}

/// Splits `file.yaml#/a/b` into the file part and the decoded pointer.
fn split(reference: &str) -> Result<(&str, String), RefError> {
    let (file, frag) = reference.split_once('#').unwrap_or((reference, ""));
    let frag = percent_encoding::percent_decode_str(frag)
        .decode_utf8()
        .map_err(|_| RefError::BadPointer(reference.to_string()))?
        .into_owned();
    if !frag.is_empty() && !frag.starts_with('/') {
        return Err(RefError::BadPointer(reference.to_string()));
    }
    Ok((file, frag))
}

fn relative(base: &Path, file: &str) -> PathBuf {
    normalize(&base.parent().unwrap_or(Path::new("")).join(file))
}

/// Where `reference`, written in document `doc`, points.
pub fn target(api: &OpenApi, doc: usize, reference: &str) -> Result<Ptr, RefError> {
    let (file, pointer) = split(reference)?;
    let doc = if file.is_empty() {
        doc
    } else {
        let base = api.paths.get(doc).cloned().unwrap_or_default();
        let p = relative(&base, file);
        *api.by_path
            .get(&p)
            .ok_or_else(|| RefError::MissingFile(file.to_string()))?
    };
    if api.docs[doc].get(&pointer).is_none() {
        return Err(RefError::MissingPointer(reference.to_string()));
    }
    Ok(Ptr { doc, pointer })
}

/// Follows a chain of references from `ptr`.
pub fn deref(api: &OpenApi, ptr: &Ptr) -> Result<Ptr, RefError> {
    let mut cur = ptr.clone();
    let mut seen = Vec::new();
    loop {
        let Some(Value::String(r)) = api.get(&cur).and_then(|v| v.get("$ref")) else {
            return Ok(cur);
        };
        let r = r.clone();
        if let Some(start) = seen.iter().position(|p: &Ptr| *p == cur) {
            // The loop itself, from its first member back to it.
            let mut chain: Vec<String> = seen[start..]
                .iter()
                .map(|p| format!("#{}", p.pointer))
                .collect();
            chain.push(format!("#{}", cur.pointer));
            return Err(RefError::Circular(chain));
        }
        if seen.len() > 64 {
            let chain = seen.iter().map(|p| format!("#{}", p.pointer)).collect();
            return Err(RefError::Circular(chain));
        }
        seen.push(cur.clone());
        cur = target(api, cur.doc, &r)?;
    }
}

/// Every `$ref` string in a document: (pointer of the `$ref` value, the reference).
pub(crate) fn refs_in(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(v, &mut String::new(), &mut out, 0);
    out
}

fn walk(v: &Value, at: &mut String, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 256 {
        return;
    }
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push((format!("{at}/$ref"), r.clone()));
            }
            let schema_like = [
                "type",
                "properties",
                "items",
                "format",
                "allOf",
                "oneOf",
                "anyOf",
            ]
            .iter()
            .any(|k| m.contains_key(*k));
            for (k, child) in m {
                // Example, enum and const values are data, not schema: a `$ref` key there is
                // text. So is a schema's `default` (a response map's `default` is a response).
                let data = matches!(k.as_str(), "example" | "enum" | "const" | "$ref")
                    || (k == "default" && schema_like);
                if data {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(&super::escape(k));
                walk(child, at, out, depth + 1);
                at.truncate(len);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                walk(child, at, out, depth + 1);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Loads every document the contract references, transitively, each once. Files that cannot be
/// loaded are reported by [`check_all`] at the references that name them.
/// Returns every document's references (as [`refs_in`] lists them), for [`check_all`].
pub fn load_external(
    api: &mut OpenApi,
    fs: &dyn Vfs,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Vec<(String, String)>> {
    let mut all = Vec::new();
    let mut i = 0;
    let mut failed: HashSet<PathBuf> = HashSet::new();
    while i < api.docs.len() {
        let base = api.paths[i].clone();
        let refs = refs_in(api.docs[i].value());
        for (ptr, r) in &refs {
            let Ok((file, _)) = split(r) else { continue };
            if file.is_empty() {
                continue;
            }
            let p = relative(&base, file);
            if api.by_path.contains_key(&p) || failed.contains(&p) {
                continue;
            }
            let loaded = fs
                .read_to_string(&p)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    crate::document::parse(fs.display(&p), text).map_err(|r| r.to_string())
                });
            match loaded {
                Ok(doc) => {
                    api.by_path.insert(p.clone(), api.docs.len());
                    api.docs.push(doc);
                    api.paths.push(p);
                }
                Err(why) => {
                    diags.push(
                        Diagnostic::error(
                            "unresolved-ref",
                            format!("`{r}`: the file `{file}` cannot be loaded ({why})"),
                        )
                        .with_span(api.docs[i].span(ptr))
                        .with_hint(format!(
                            "the path is relative to this file; check that `{}` exists",
                            fs.display(&p)
                        )),
                    );
                    failed.insert(p);
                }
            }
        }
        all.push(refs);
        i += 1;
    }
    all
}

/// Checks every reference of every document: unresolved targets and pure cycles.
pub fn check_all(api: &OpenApi, refs: &[Vec<(String, String)>]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut cycles: BTreeSet<Vec<String>> = BTreeSet::new();
    for (doc, d) in api.docs.iter().enumerate() {
        for (ptr, r) in refs.get(doc).map(Vec::as_slice).unwrap_or_default() {
            // Spans are looked up only for what is reported: the span tree of a large JSON
            // document is built on first use.
            let span = || d.span(ptr);
            match target(api, doc, r) {
                Err(RefError::MissingFile(_)) => {} // reported when loading
                Err(e) => out.push(
                    Diagnostic::error("unresolved-ref", format!("`{r}` does not resolve: {e}"))
                        .with_span(span())
                        .with_hint(
                            "point it at an existing element, e.g. `#/components/schemas/Name`",
                        ),
                ),
                // Only a target that is itself a reference can start a loop of references.
                Ok(t) if api.get(&t).is_none_or(|v| v.get("$ref").is_none()) => {}
                Ok(_) => {
                    let at = Ptr {
                        doc,
                        pointer: ptr.trim_end_matches("/$ref").to_string(),
                    };
                    if let Err(RefError::Circular(chain)) = deref(api, &at) {
                        if chain.first() != Some(&format!("#{}", at.pointer)) {
                            continue; // a reference into a loop: the loop is reported itself
                        }
                        let mut key = chain.clone();
                        key.sort();
                        key.dedup();
                        if cycles.insert(key) {
                            out.push(
                                Diagnostic::error("circular-ref", format!("`{r}` starts a loop of references that never reaches a schema: {}", chain.join(" → ")))
                                    .with_span(span())
                                    .with_hint("make one of them a real schema; recursion through `properties` or `items` is fine"),
                            );
                        }
                    }
                }
            }
        }
    }
    out
}
