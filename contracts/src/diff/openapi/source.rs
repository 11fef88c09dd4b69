//! What the OpenAPI diff needs from a loaded document: values by location, `$ref` chains
//! followed cycle-safely, and spans. Implemented for the loader's model; the engine never
//! parses anything itself.

use serde_json::Value;

use crate::source::Span;

/// A place in one of the documents that make up a contract: document index + JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    /// Which document (0 = the root document).
    pub doc: usize,
    /// JSON Pointer inside it (`""` for the whole document).
    pub ptr: String,
}

impl Loc {
    /// The root of document `doc`.
    pub fn root(doc: usize) -> Loc {
        Loc {
            doc,
            ptr: String::new(),
        }
    }

    /// The location of child `key` (escaped per RFC 6901).
    pub fn child(&self, key: &str) -> Loc {
        let mut ptr = String::with_capacity(self.ptr.len() + key.len() + 1);
        ptr.push_str(&self.ptr);
        ptr.push('/');
        for c in key.chars() {
            match c {
                '~' => ptr.push_str("~0"),
                '/' => ptr.push_str("~1"),
                c => ptr.push(c),
            }
        }
        Loc { doc: self.doc, ptr }
    }

    /// The location of array element `i`.
    pub fn index(&self, i: usize) -> Loc {
        Loc {
            doc: self.doc,
            ptr: format!("{}/{i}", self.ptr),
        }
    }
}

/// A document set the diff can read (shared between the diff's worker threads).
pub trait Source: Sync {
    /// The value at `loc`, if any.
    fn get(&self, loc: &Loc) -> Option<&Value>;
    /// Where the `$ref` held by the value at `loc` points (one step), if it is a reference that
    /// resolves.
    fn follow(&self, loc: &Loc) -> Option<Loc> {
        let r = self.get(loc)?.get("$ref")?.as_str()?;
        self.resolve(loc.doc, r)
    }
    /// Where reference `r`, written in document `doc`, points (one step), if it resolves.
    fn resolve(&self, doc: usize, r: &str) -> Option<Loc>;
    /// The source span of `loc` (or its nearest existing ancestor).
    fn span(&self, loc: &Loc) -> Option<Span>;
}

/// A value with its location, `$ref`s already followed.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    /// The (dereferenced) value.
    pub v: &'a Value,
    /// Where the dereferenced value lives.
    pub loc: &'a Loc,
}

/// Follows a `$ref` chain from `loc` to the first value that is not a reference. A broken or
/// circular chain stops at the last value reached.
pub fn deref<S: Source + ?Sized>(s: &S, loc: Loc) -> Loc {
    let mut cur = loc;
    for _ in 0..64 {
        match s.get(&cur) {
            Some(Value::Object(m)) if m.contains_key("$ref") => match s.follow(&cur) {
                Some(next) if next != cur => cur = next,
                _ => return cur,
            },
            _ => return cur,
        }
    }
    cur
}

/// `deref(loc + key)`, when the child exists.
pub fn child<S: Source + ?Sized>(s: &S, loc: &Loc, key: &str) -> Option<Loc> {
    let c = loc.child(key);
    s.get(&c)?;
    Some(deref(s, c))
}

/// A single JSON document with local `#/…` references only: for tests, and for documents
/// that reference nothing else.
#[derive(Debug)]
pub struct JsonSource {
    /// The document.
    pub root: Value,
    /// Its source, for spans (optional).
    pub spans: Option<std::sync::Arc<crate::SourceFile>>,
}

impl Source for JsonSource {
    fn get(&self, loc: &Loc) -> Option<&Value> {
        if loc.doc != 0 {
            return None;
        }
        crate::document::pointer_get(&self.root, &loc.ptr)
    }

    fn resolve(&self, doc: usize, r: &str) -> Option<Loc> {
        if doc != 0 {
            return None;
        }
        let ptr = r.strip_prefix('#')?;
        let ptr = percent_encoding::percent_decode_str(ptr)
            .decode_utf8()
            .ok()?
            .into_owned();
        self.root.pointer(&ptr)?;
        Some(Loc { doc: 0, ptr })
    }

    fn span(&self, _loc: &Loc) -> Option<Span> {
        None
    }
}

impl Source for crate::openapi::OpenApi {
    fn get(&self, loc: &Loc) -> Option<&Value> {
        self.documents().get(loc.doc)?.get(&loc.ptr)
    }

    fn resolve(&self, doc: usize, r: &str) -> Option<Loc> {
        let t = self.resolve_ref(doc, r).ok()?;
        Some(Loc {
            doc: t.doc,
            ptr: t.pointer,
        })
    }

    fn span(&self, loc: &Loc) -> Option<Span> {
        self.documents().get(loc.doc)?.span(&loc.ptr)
    }
}
