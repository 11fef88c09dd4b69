//! The intermediate representation shared by the generators: a type space.
//!
//! A generator walks its contract model and fills a [`TypeSpace`]: named types are reserved
//! under a key (a `$ref` target, a GraphQL type name) before their body is built, so references
//! and recursion resolve to a [`TypeId`]; anonymous types are interned by structure, so two
//! identical inline shapes become one type. [`TypeSpace::finish`] then boxes the fields that make
//! a type contain itself by value and returns the types in name order, ready for `quote!`.
//!
//! The space is generic over the format's own type body ([`TypeKind`]): GraphQL objects have
//! arguments, OpenAPI schemas have constraints, but naming, dedup and boxing are the same.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::naming::Namer;

/// Index of a type in its [`TypeSpace`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(usize);

/// A use of a type: in a field, a variant, an argument.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    /// A type of the space.
    Named(TypeId),
    /// A type from outside: a path such as `i64` or `::async_graphql::ID`.
    Extern(String),
    /// `Option<T>`.
    Option(Box<Ty>),
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// `Box<T>`, put in by [`TypeSpace::finish`] to break recursion.
    Boxed(Box<Ty>),
}

impl Ty {
    /// An extern type by path.
    pub fn path(p: &str) -> Ty {
        Ty::Extern(p.to_string())
    }

    /// `Option<self>`.
    pub fn optional(self) -> Ty {
        Ty::Option(Box::new(self))
    }

    /// `Vec<self>`.
    pub fn list(self) -> Ty {
        Ty::Vec(Box::new(self))
    }

    /// The named types this use holds by value (not behind a `Vec`, map or `Box`).
    fn direct(&self, out: &mut Vec<TypeId>) {
        match self {
            Ty::Named(id) => out.push(*id),
            Ty::Option(t) => t.direct(out),
            Ty::Extern(_) | Ty::Vec(_) | Ty::Map(_) | Ty::Boxed(_) => {}
        }
    }

    /// Boxes the by-value uses of types in `cycle`.
    fn box_in(&mut self, cycle: &dyn Fn(TypeId) -> bool) {
        match self {
            Ty::Named(id) if cycle(*id) => {
                *self = Ty::Boxed(Box::new(Ty::Named(*id)));
            }
            Ty::Option(t) => t.box_in(cycle),
            _ => {}
        }
    }
}

/// The format-specific body of a type: it lists the type uses it holds, so the space can find
/// and break recursion.
pub trait TypeKind: Clone + Eq + Hash {
    /// Every type use in this body.
    fn uses(&self) -> Vec<&Ty>;
    /// Every type use in this body, mutably (same order as [`TypeKind::uses`]).
    fn uses_mut(&mut self) -> Vec<&mut Ty>;
}

/// One type of the space.
#[derive(Clone, Debug)]
pub struct TypeDef<K> {
    /// Its Rust name, unique in the space.
    pub name: String,
    /// The key it was reserved under (a `$ref` target, a GraphQL type name), if any.
    pub key: Option<String>,
    /// Doc comment.
    pub doc: Option<String>,
    /// Where it comes from (a JSON Pointer, a GraphQL type name), for diagnostics.
    pub origin: String,
    /// Its body; `None` only between [`TypeSpace::reserve`] and [`TypeSpace::define`].
    pub kind: Option<K>,
}

/// The types of one generated module.
#[derive(Clone, Debug)]
pub struct TypeSpace<K> {
    defs: Vec<TypeDef<K>>,
    keys: HashMap<String, TypeId>,
    interned: HashMap<(K, Option<String>), TypeId>,
    namer: Namer,
}

impl<K: TypeKind> Default for TypeSpace<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: TypeKind> TypeSpace<K> {
    /// An empty space; prelude type names are taken.
    pub fn new() -> Self {
        TypeSpace {
            defs: Vec::new(),
            keys: HashMap::new(),
            interned: HashMap::new(),
            namer: Namer::for_types(),
        }
    }

    /// Takes `name` out of the type namespace (for items the generator emits beside the types).
    pub fn reserve_name(&mut self, name: &str) {
        self.namer.reserve(name);
    }

    /// A unique name in the type namespace for an item the generator emits beside a type (a
    /// resolver trait, say), made from `hint`.
    pub fn claim_name(&mut self, hint: &str) -> String {
        self.namer.type_name(hint, "Unnamed")
    }

    /// The type reserved under `key`, if any.
    pub fn by_key(&self, key: &str) -> Option<TypeId> {
        self.keys.get(key).copied()
    }

    /// A new type named after `name_hint` (made unique), registered under `key`, body to come.
    /// If `key` is already registered, that type.
    pub fn reserve(&mut self, key: Option<&str>, name_hint: &str, origin: &str) -> TypeId {
        if let Some(id) = key.and_then(|k| self.by_key(k)) {
            return id;
        }
        let id = TypeId(self.defs.len());
        let name = self.namer.type_name(name_hint, "Unnamed");
        self.defs.push(TypeDef {
            name,
            key: key.map(str::to_string),
            doc: None,
            origin: origin.to_string(),
            kind: None,
        });
        if let Some(k) = key {
            self.keys.insert(k.to_string(), id);
        }
        id
    }

    /// Gives a reserved type its body.
    pub fn define(&mut self, id: TypeId, kind: K, doc: Option<String>) {
        if let Some(def) = self.defs.get_mut(id.0) {
            def.kind = Some(kind);
            def.doc = doc;
        }
    }

    /// An anonymous type: the existing one if a type with the same body and doc was interned
    /// before, else a new one named after `name_hint`.
    pub fn intern(
        &mut self,
        name_hint: &str,
        origin: &str,
        kind: K,
        doc: Option<String>,
    ) -> TypeId {
        let key = (kind, doc);
        if let Some(id) = self.interned.get(&key) {
            return *id;
        }
        let id = self.reserve(None, name_hint, origin);
        self.define(id, key.0.clone(), key.1.clone());
        self.interned.insert(key, id);
        id
    }

    /// A type by id.
    pub fn get(&self, id: TypeId) -> Option<&TypeDef<K>> {
        self.defs.get(id.0)
    }

    /// The Rust name of a type.
    pub fn name(&self, id: TypeId) -> &str {
        self.defs.get(id.0).map_or("Unnamed", |d| d.name.as_str())
    }

    /// Boxes recursion and returns the finished space. A field holding a type of its own
    /// strongly connected component by value (directly or through `Option`) becomes a `Box`.
    pub fn finish(mut self) -> Finished<K> {
        let edges: Vec<Vec<TypeId>> = self
            .defs
            .iter()
            .map(|d| {
                let mut out = Vec::new();
                if let Some(k) = &d.kind {
                    for t in k.uses() {
                        t.direct(&mut out);
                    }
                }
                out
            })
            .collect();
        let comp = strongly_connected(&edges);
        for (i, def) in self.defs.iter_mut().enumerate() {
            let own = comp.get(i).copied().flatten();
            if let Some(k) = &mut def.kind {
                let in_cycle = |t: TypeId| own.is_some() && comp.get(t.0).copied().flatten() == own;
                for t in k.uses_mut() {
                    t.box_in(&in_cycle);
                }
            }
        }
        Finished { defs: self.defs }
    }
}

/// A space after [`TypeSpace::finish`]: recursion boxed, ready to emit.
#[derive(Clone, Debug)]
pub struct Finished<K> {
    defs: Vec<TypeDef<K>>,
}

impl<K> Finished<K> {
    /// The defined types in name order (reserved but never defined types are left out).
    pub fn types(&self) -> impl Iterator<Item = (TypeId, &TypeDef<K>, &K)> {
        let sorted: BTreeMap<&str, usize> = self
            .defs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.as_str(), i))
            .collect();
        sorted.into_values().filter_map(|i| {
            let d = self.defs.get(i)?;
            Some((TypeId(i), d, d.kind.as_ref()?))
        })
    }

    /// The Rust name of a type.
    pub fn name(&self, id: TypeId) -> &str {
        self.defs.get(id.0).map_or("Unnamed", |d| d.name.as_str())
    }

    /// A type by id.
    pub fn def(&self, id: TypeId) -> Option<&TypeDef<K>> {
        self.defs.get(id.0)
    }

    /// The body of a type by id.
    pub fn get(&self, id: TypeId) -> Option<&K> {
        self.defs.get(id.0)?.kind.as_ref()
    }

    /// The tokens of a type use.
    pub fn ty(&self, t: &Ty) -> TokenStream {
        match t {
            Ty::Named(id) => {
                let i = ident(self.name(*id));
                quote!(#i)
            }
            Ty::Extern(p) => path(p),
            Ty::Option(t) => {
                let t = self.ty(t);
                quote!(Option<#t>)
            }
            Ty::Vec(t) => {
                let t = self.ty(t);
                quote!(Vec<#t>)
            }
            Ty::Map(t) => {
                let t = self.ty(t);
                quote!(::std::collections::BTreeMap<String, #t>)
            }
            Ty::Boxed(t) => {
                let t = self.ty(t);
                quote!(Box<#t>)
            }
        }
    }
}

/// Tarjan's algorithm, iterative. For every node, its component number if it is part of a
/// cycle (a component of several nodes, or one node with an edge to itself), else `None`.
fn strongly_connected(edges: &[Vec<TypeId>]) -> Vec<Option<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![0usize; n];
    let mut stack = Vec::new();
    let mut next_index = 0usize;
    let mut next_comp = 0usize;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0usize)];
        while let Some(top) = work.last_mut() {
            let (v, ei) = *top;
            if ei == 0 && index[v] == UNSEEN {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(t) = edges[v].get(ei) {
                top.1 += 1;
                let w = t.0;
                if w >= n {
                    continue;
                }
                if index[w] == UNSEEN {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    let mut size = vec![0usize; next_comp];
    for &c in &comp {
        size[c] += 1;
    }
    (0..n)
        .map(|v| {
            let c = comp[v];
            let self_edge = edges[v].iter().any(|t| t.0 == v);
            (size[c] > 1 || self_edge).then_some(c)
        })
        .collect()
}

/// An identifier from a name the [`Namer`] produced (`r#kw` becomes a raw identifier). A name
/// that is not an identifier (a generator bug) becomes `invalid_name`, which fails to compile
/// visibly instead of panicking.
pub fn ident(name: &str) -> Ident {
    let (raw, s) = match name.strip_prefix("r#") {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let valid = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s != "_";
    if !valid {
        return Ident::new("invalid_name", Span::call_site());
    }
    if raw {
        if ["self", "Self", "super", "crate"].contains(&s) {
            return Ident::new("invalid_name", Span::call_site());
        }
        Ident::new_raw(s, Span::call_site())
    } else {
        Ident::new(s, Span::call_site())
    }
}

/// The tokens of a path such as `::std::string::String` or `i64`; a string that does not lex
/// (a generator bug) becomes a `compile_error!`.
pub fn path(p: &str) -> TokenStream {
    match p.parse::<TokenStream>() {
        Ok(t) => t,
        Err(_) => {
            let msg = format!("contract-codegen: not a type path: {p}");
            quote!(compile_error!(#msg))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A struct-like body for tests: its fields' types.
    #[derive(Clone, PartialEq, Eq, Hash, Debug)]
    struct Fields(Vec<Ty>);

    impl TypeKind for Fields {
        fn uses(&self) -> Vec<&Ty> {
            self.0.iter().collect()
        }
        fn uses_mut(&mut self) -> Vec<&mut Ty> {
            self.0.iter_mut().collect()
        }
    }

    #[test]
    fn recursion_is_boxed_only_inside_cycles() {
        let mut s = TypeSpace::<Fields>::new();
        let node = s.reserve(Some("#/Node"), "Node", "#/Node");
        let tree = s.reserve(Some("#/Tree"), "tree", "#/Tree");
        let leaf = s.reserve(Some("#/Leaf"), "leaf", "#/Leaf");
        // Node -> Option<Node> (self), Vec<Node> (indirect already), Leaf (no cycle)
        s.define(
            node,
            Fields(vec![
                Ty::Named(node).optional(),
                Ty::Named(node).list(),
                Ty::Named(leaf),
            ]),
            None,
        );
        // Tree <-> Leaf? no: Tree -> Node only.
        s.define(tree, Fields(vec![Ty::Named(node)]), None);
        s.define(leaf, Fields(vec![Ty::path("i64")]), None);
        let f = s.finish();
        let got: Vec<(String, Vec<String>)> = f
            .types()
            .map(|(_, d, k)| {
                (
                    d.name.clone(),
                    k.0.iter().map(|t| f.ty(t).to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("Leaf".into(), vec!["i64".into()]),
                (
                    "Node".into(),
                    vec![
                        "Option < Box < Node > >".into(),
                        "Vec < Node >".into(),
                        "Leaf".into()
                    ]
                ),
                ("Tree".into(), vec!["Node".into()]),
            ]
        );
    }

    #[test]
    fn mutual_recursion_boxes_both_sides() {
        let mut s = TypeSpace::<Fields>::new();
        let a = s.reserve(Some("a"), "A", "a");
        let b = s.reserve(Some("b"), "B", "b");
        s.define(a, Fields(vec![Ty::Named(b).optional()]), None);
        s.define(b, Fields(vec![Ty::Named(a)]), None);
        let f = s.finish();
        let got: Vec<String> = f
            .types()
            .flat_map(|(_, _, k)| k.0.iter().map(|t| f.ty(t).to_string()))
            .collect();
        assert_eq!(got, vec!["Option < Box < B > >", "Box < A >"]);
    }

    #[test]
    fn anonymous_types_dedup_by_structure_and_keys_resolve() {
        let mut s = TypeSpace::<Fields>::new();
        let x = s.intern("inline", "#/a", Fields(vec![Ty::path("bool")]), None);
        let y = s.intern("other", "#/b", Fields(vec![Ty::path("bool")]), None);
        let z = s.intern("inline", "#/c", Fields(vec![Ty::path("i32")]), None);
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert_eq!(s.name(z), "Inline2");
        let k = s.reserve(Some("#/k"), "K", "#/k");
        assert_eq!(s.reserve(Some("#/k"), "Other", "#/k"), k);
        assert_eq!(s.by_key("#/k"), Some(k));
    }

    #[test]
    fn idents_never_panic() {
        assert_eq!(ident("r#type").to_string(), "r#type");
        assert_eq!(ident("r#self").to_string(), "invalid_name");
        assert_eq!(ident("a-b").to_string(), "invalid_name");
        assert_eq!(ident("").to_string(), "invalid_name");
        assert_eq!(
            path("::std::vec::Vec<i32>").to_string(),
            ":: std :: vec :: Vec < i32 >"
        );
        assert!(path("a\"b").to_string().starts_with("compile_error !"));
    }
}
