//! Tokens for the OpenAPI IR: serde types, per-operation parameter structs and response
//! enums, the server trait with its router and handlers, and the typed client.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::ops::{Body, Carry, In, Op, Param, Response, Status};
use super::schema::{Dflt, Field, Kind, Variant};
use crate::emit::doc_attrs;
use crate::ir::{ident, Finished, Ty};

const RT: &str = "::contract_runtime";

fn rt() -> TokenStream {
    crate::ir::path(RT)
}

/// `#[serde(rename = "wire")]` when the Rust name differs.
fn rename(ident_name: &str, wire: &str) -> Option<TokenStream> {
    (ident_name.trim_start_matches("r#") != wire).then(|| quote!(rename = #wire))
}

/// A `default` as an expression of type `ty`.
fn default_tokens(fin: &Finished<Kind>, ty: &Ty, d: &Dflt) -> TokenStream {
    match d {
        Dflt::Expr(e) => e.parse().unwrap_or_default(),
        Dflt::Variant(v) => {
            let t = fin.ty(ty);
            let v = ident(v);
            quote!(#t::#v)
        }
    }
}

/// The associated function that gives field `ident` its default.
fn default_fn(ident: &str) -> String {
    format!("__default_{}", bare(ident))
}

/// An identifier without `r#` and without the `_` that a leading digit got (`_1st` → `1st`),
/// to be put after a prefix: `p__1st` would not be snake case.
fn bare(ident: &str) -> &str {
    ident.trim_start_matches("r#").trim_start_matches('_')
}

/// Every type of the space.
pub(super) fn types(fin: &Finished<Kind>) -> Vec<TokenStream> {
    fin.types()
        .map(|(_, def, kind)| {
            let docs = doc_attrs(def.doc.as_deref());
            let name = ident(&def.name);
            match kind {
                Kind::Struct { fields, additional } => strukt(fin, docs, &name, fields, additional),
                Kind::StrEnum { values } => {
                    let variants = values.iter().map(|(wire, v)| {
                        let vi = ident(v);
                        quote!(#[serde(rename = #wire)] #vi)
                    });
                    quote! {
                        #docs
                        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
                        pub enum #name {
                            #(#variants,)*
                        }
                    }
                }
                Kind::IntEnum { values } => {
                    let vals = values.iter().map(|v| Literal::i64_unsuffixed(*v));
                    let allowed = format!("not one of the values of {}", def.name);
                    quote! {
                        #docs
                        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
                        #[serde(try_from = "i64", into = "i64")]
                        pub struct #name(i64);

                        impl #name {
                            /// The values the contract allows.
                            pub const VALUES: &'static [i64] = &[#(#vals),*];

                            /// `Some` when `value` is one of [`Self::VALUES`].
                            pub fn new(value: i64) -> Option<Self> {
                                Self::VALUES.contains(&value).then_some(Self(value))
                            }

                            /// The value.
                            pub fn get(self) -> i64 {
                                self.0
                            }
                        }

                        impl ::std::convert::TryFrom<i64> for #name {
                            type Error = String;
                            fn try_from(value: i64) -> Result<Self, String> {
                                Self::new(value).ok_or_else(|| format!("{}{}", ::contract_runtime::check::MARK, #allowed))
                            }
                        }

                        impl ::std::convert::From<#name> for i64 {
                            fn from(value: #name) -> i64 {
                                value.0
                            }
                        }
                    }
                }
                Kind::ValueEnum { values } => {
                    let allowed = format!("not one of the values of {}", def.name);
                    quote! {
                        #docs
                        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                        #[serde(try_from = "::serde_json::Value", into = "::serde_json::Value")]
                        pub struct #name(::serde_json::Value);

                        impl #name {
                            /// The values the contract allows, as JSON text.
                            pub const VALUES: &'static [&'static str] = &[#(#values),*];

                            /// `Some` when `value` is one of [`Self::VALUES`].
                            pub fn new(value: ::serde_json::Value) -> Option<Self> {
                                Self::VALUES
                                    .iter()
                                    .any(|v| ::serde_json::from_str::<::serde_json::Value>(v).is_ok_and(|a| a == value))
                                    .then_some(Self(value))
                            }

                            /// The value.
                            pub fn get(&self) -> &::serde_json::Value {
                                &self.0
                            }
                        }

                        impl ::std::convert::TryFrom<::serde_json::Value> for #name {
                            type Error = String;
                            fn try_from(value: ::serde_json::Value) -> Result<Self, String> {
                                Self::new(value).ok_or_else(|| format!("{}{}", ::contract_runtime::check::MARK, #allowed))
                            }
                        }

                        impl ::std::convert::From<#name> for ::serde_json::Value {
                            fn from(value: #name) -> ::serde_json::Value {
                                value.0
                            }
                        }
                    }
                }
                Kind::Union { variants, tag } => union(fin, docs, &name, &def.name, variants, tag.as_deref()),
                Kind::Alias(t) => {
                    let t = fin.ty(t);
                    quote! {
                        #docs
                        pub type #name = #t;
                    }
                }
            }
        })
        .collect()
}

fn strukt(
    fin: &Finished<Kind>,
    docs: TokenStream,
    name: &proc_macro2::Ident,
    fields: &[Field],
    additional: &Option<(String, Ty)>,
) -> TokenStream {
    let members = fields.iter().map(|f| {
        let fdoc = doc_attrs(f.doc.as_deref());
        let fi = ident(&f.ident);
        let ty = fin.ty(&f.ty);
        let mut serde = Vec::new();
        if let Some(r) = rename(&f.ident, &f.wire) {
            serde.push(r);
        }
        if f.optional {
            serde.push(quote!(default, skip_serializing_if = "Option::is_none"));
        }
        if f.default.is_some() {
            let with = format!("{}::{}", name, default_fn(&f.ident));
            serde.push(quote!(default = #with));
        }
        if !f.checks.is_empty() {
            let with = format!("{}::{}", name, check_fn(&f.ident));
            serde.push(quote!(deserialize_with = #with));
        }
        let attr = (!serde.is_empty()).then(|| quote!(#[serde(#(#serde),*)]));
        quote!(#fdoc #attr pub #fi: #ty)
    });
    // The contract's constraints, checked as each field deserializes.
    let rt = rt();
    let check_fns: Vec<TokenStream> = fields
        .iter()
        .filter(|f| !f.checks.is_empty())
        .map(|f| {
            let fname = format_ident!("{}", check_fn(&f.ident));
            let ty = fin.ty(&f.ty);
            let wire = &f.wire;
            let checks = checks_literal(&f.checks);
            quote! {
                fn #fname<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<#ty, D::Error> {
                    #rt::check::deserialize(d, #wire, &#checks)
                }
            }
        })
        .collect();
    // The contract's defaults, for absent properties.
    let default_fns: Vec<TokenStream> = fields
        .iter()
        .filter_map(|f| {
            let d = f.default.as_ref()?;
            let fname = format_ident!("{}", default_fn(&f.ident));
            let ty = fin.ty(&f.ty);
            let value = default_tokens(fin, &f.ty, d);
            Some(quote! {
                fn #fname() -> #ty {
                    #value
                }
            })
        })
        .collect();
    let check_impl = (!check_fns.is_empty() || !default_fns.is_empty()).then(|| {
        quote! {
            impl #name {
                #(#check_fns)*
                #(#default_fns)*
            }
        }
    });
    let extra = additional.as_ref().map(|(f, t)| {
        let fi = ident(f);
        let t = fin.ty(t);
        quote! {
            /// Properties the contract does not name (`additionalProperties`).
            #[serde(flatten)]
            pub #fi: ::std::collections::BTreeMap<String, #t>,
        }
    });
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#members,)*
            #extra
        }

        #check_impl
    }
}

/// A `contract_runtime::check::Checks` value with the given fields set.
fn checks_literal(checks: &[(&'static str, String)]) -> TokenStream {
    let rt = rt();
    let sets = checks.iter().map(|(field, lit)| {
        let flag = *field == "unique_items";
        let field = format_ident!("{}", field);
        let lit: TokenStream = if flag {
            quote!(true)
        } else {
            let v: TokenStream = lit.parse().unwrap_or_default();
            quote!(Some(#v))
        };
        quote!(#field: #lit)
    });
    quote! {
        #rt::check::Checks {
            #(#sets,)*
            ..::core::default::Default::default()
        }
    }
}

/// The associated function that deserializes and checks field `ident`.
fn check_fn(ident: &str) -> String {
    format!("__check_{}", bare(ident))
}

fn union(
    fin: &Finished<Kind>,
    docs: TokenStream,
    name: &proc_macro2::Ident,
    rust_name: &str,
    variants: &[Variant],
    tag: Option<&str>,
) -> TokenStream {
    let decls = variants.iter().map(|v| {
        let vi = ident(&v.ident);
        let t = fin.ty(&v.ty);
        quote!(#vi(#t))
    });
    let Some(tag) = tag else {
        return quote! {
            #docs
            #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #name {
                #(#decls,)*
            }
        };
    };
    // Tagged by a property the members declare themselves: read the tag from the JSON value,
    // then decode the whole value (tag included) as the member; write the member and make
    // sure the tag is there.
    let ser_arms = variants.iter().map(|v| {
        let vi = ident(&v.ident);
        let first = v.tags.first().cloned().unwrap_or_default();
        quote!(#name::#vi(x) => (#first, ::serde_json::to_value(x)))
    });
    let de_arms = variants.iter().map(|v| {
        let vi = ident(&v.ident);
        let tags = &v.tags;
        quote! {
            #(Some(#tags))|* => ::serde_json::from_value(value).map(#name::#vi).map_err(::serde::de::Error::custom)
        }
    });
    let unknown = format!("`{tag}` does not name a variant of {rust_name}");
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq)]
        pub enum #name {
            #(#decls,)*
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let (tag, value) = match self {
                    #(#ser_arms,)*
                };
                let mut value = value.map_err(::serde::ser::Error::custom)?;
                if let ::serde_json::Value::Object(map) = &mut value {
                    map.entry(#tag).or_insert_with(|| ::serde_json::Value::from(tag));
                }
                ::serde::Serialize::serialize(&value, serializer)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#tag).and_then(::serde_json::Value::as_str).map(str::to_string);
                match tag.as_deref() {
                    #(#de_arms,)*
                    _ => Err(::serde::de::Error::custom(#unknown)),
                }
            }
        }
    }
}

/// The parameter struct and response enum of an operation.
pub(super) fn op_types(fin: &Finished<Kind>, op: &Op) -> TokenStream {
    let params = op.params_type.as_ref().map(|pt| {
        let pt = ident(pt);
        let fields = op.params.iter().map(|p| {
            let pdoc = doc_attrs(p.doc.as_deref());
            let pi = ident(&p.ident);
            let t = fin.ty(&p.field_ty());
            quote!(#pdoc pub #pi: #t)
        });
        let all_optional = op.params.iter().all(|p| !p.required);
        let defaulted = op.params.iter().any(|p| p.default.is_some());
        let derive_default = (all_optional && !defaulted).then(|| quote!(Default,));
        // With contract defaults, `Default` gives them rather than the types' own.
        let default_impl = (all_optional && defaulted).then(|| {
            let values = op.params.iter().map(|p| {
                let pi = ident(&p.ident);
                match &p.default {
                    Some(d) => {
                        let v = default_tokens(fin, &p.ty, d);
                        quote!(#pi: #v)
                    }
                    None => quote!(#pi: ::core::default::Default::default()),
                }
            });
            quote! {
                impl ::core::default::Default for #pt {
                    fn default() -> Self {
                        Self { #(#values,)* }
                    }
                }
            }
        });
        let doc = format!(" The parameters of `{}`.", op.name.trim_start_matches("r#"));
        quote! {
            #[doc = #doc]
            #[derive(Clone, Debug, #derive_default PartialEq)]
            pub struct #pt {
                #(#fields,)*
            }

            #default_impl
        }
    });
    let rt_name = ident(&op.response_type);
    let variants = op.responses.iter().map(|r| {
        let vi = ident(&r.variant);
        let doc = format!(
            " {}{}",
            status_text(r.status),
            r.doc
                .as_deref()
                .map(|d| format!(": {}", d.lines().next().unwrap_or(d)))
                .unwrap_or_default()
        );
        let body_ty = r.body.as_ref().map(|b| fin.ty(&b.ty));
        if tuple_like(r) {
            match body_ty {
                Some(t) => quote!(#[doc = #doc] #vi(#t)),
                None => quote!(#[doc = #doc] #vi),
            }
        } else {
            let status = (!matches!(r.status, Status::Code(_))).then(|| quote!(status: u16,));
            let body = body_ty.map(|t| quote!(body: #t,));
            let headers = r.headers.iter().map(|h| {
                let hi = ident(&h.ident);
                let t = fin.ty(&h.field_ty());
                let hdoc = doc_attrs(h.doc.as_deref());
                quote!(#hdoc #hi: #t)
            });
            quote!(#[doc = #doc] #vi { #status #body #(#headers,)* })
        }
    });
    let doc = format!(
        " The responses of `{}`, by status.",
        op.name.trim_start_matches("r#")
    );
    // A streamed body can be neither cloned nor compared.
    let streamed = op
        .responses
        .iter()
        .any(|r| r.body.as_ref().is_some_and(|b| b.carry == Carry::Bytes));
    let derives = if streamed {
        quote!(#[derive(Debug)])
    } else {
        quote!(#[derive(Clone, Debug, PartialEq)])
    };
    quote! {
        #params

        #[doc = #doc]
        #derives
        pub enum #rt_name {
            #(#variants,)*
        }
    }
}

fn status_text(s: Status) -> String {
    match s {
        Status::Code(c) => c.to_string(),
        Status::Range(n) => format!("{n}XX"),
        Status::Default => "Any other status".to_string(),
    }
}

/// A fixed status without headers: a tuple (or unit) variant.
fn tuple_like(r: &Response) -> bool {
    matches!(r.status, Status::Code(_)) && r.headers.is_empty()
}

/// The type argument of a decode call: a list's item type.
fn item_ty(fin: &Finished<Kind>, p: &Param) -> TokenStream {
    match &p.ty {
        Ty::Vec(inner) if p.list => fin.ty(inner),
        t => fin.ty(t),
    }
}

fn local(name: &str) -> proc_macro2::Ident {
    format_ident!("p_{}", bare(name))
}

/// The server trait, its router and one handler per operation.
pub(super) fn server(fin: &Finished<Kind>, ops: &[Op]) -> TokenStream {
    let rt = rt();
    let methods = ops.iter().map(|op| {
        let m = ident(&op.name);
        let doc = doc_attrs(op.doc.as_deref());
        let args = trait_args(fin, op);
        let resp = ident(&op.response_type);
        quote! {
            #doc
            fn #m(&self, #(#args),*) -> impl ::std::future::Future<Output = #resp> + ::std::marker::Send;
        }
    });
    let routes = ops.iter().map(|op| {
        let method = op.method.to_ascii_uppercase();
        let path = &op.path;
        let streamed = streams(op);
        quote!((#method, #path, #streamed))
    });
    let arms = ops.iter().enumerate().map(|(i, op)| {
        let h = handler_ident(&op.name);
        {
            let i = Literal::usize_unsuffixed(i);
            quote!(#i => #h(&*api, req).await)
        }
    });
    let handlers = ops.iter().map(|op| handler(fin, op));
    // A contract without operations still gets a router (every path answers 404).
    let dispatch = if ops.is_empty() {
        quote! {
            let _ = api;
            #rt::server::router(&[], |_: usize, _: #rt::server::Request| async {
                #rt::server::empty(500)
            })
        }
    } else {
        quote! {
            let api = ::std::sync::Arc::new(api);
            #rt::server::router(&[#(#routes),*], move |op: usize, req: #rt::server::Request| {
                let api = api.clone();
                async move {
                    match op {
                        #(#arms,)*
                        _ => #rt::server::empty(500),
                    }
                }
            })
        }
    };
    quote! {
        /// The operations of the contract: implement this trait and serve it with [`router`].
        pub trait Api: ::std::marker::Send + ::std::marker::Sync + 'static {
            #(#methods)*
        }

        /// An axum router serving `api`: requests are decoded and checked against the contract
        /// (every violation answered at once as a 400 problem), unknown paths answer 404 and
        /// undeclared methods 405.
        pub fn router<A: Api>(api: A) -> #rt::axum::Router {
            #dispatch
        }

        #(#handlers)*
    }
}

/// Whether the operation's request body streams (a binary media type).
fn streams(op: &Op) -> bool {
    op.body.as_ref().is_some_and(|b| b.carry == Carry::Bytes)
}

/// `params: XParams`, `body: T` as the trait takes them.
fn trait_args(fin: &Finished<Kind>, op: &Op) -> Vec<TokenStream> {
    let mut args = Vec::new();
    if let Some(pt) = &op.params_type {
        let pt = ident(pt);
        args.push(quote!(params: #pt));
    }
    if let Some(b) = &op.body {
        let t = body_ty(fin, b);
        args.push(quote!(body: #t));
    }
    args
}

fn body_ty(fin: &Finished<Kind>, b: &Body) -> TokenStream {
    let t = fin.ty(&b.ty);
    if b.required || matches!(b.ty, Ty::Option(_)) {
        t
    } else {
        quote!(Option<#t>)
    }
}

fn handler(fin: &Finished<Kind>, op: &Op) -> TokenStream {
    let rt = rt();
    let h = handler_ident(&op.name);
    let m = ident(&op.name);
    let mut decode = Vec::new();
    let mut pats = Vec::new();
    let mut vals = Vec::new();
    for p in &op.params {
        let l = local(&p.ident);
        let wire = &p.wire;
        let req_flag = p.required;
        let t = item_ty(fin, p);
        let call = match (p.location, p.list) {
            (In::Path, false) => quote!(req.path::<#t>(&mut violations, #wire)),
            (In::Path, true) => quote!(req.path_list::<#t>(&mut violations, #wire)),
            (In::Query, false) => quote!(req.query::<#t>(&mut violations, #wire, #req_flag)),
            (In::Query, true) => {
                let explode = p.explode;
                quote!(req.query_list::<#t>(&mut violations, #wire, #req_flag, #explode))
            }
            (In::Header, false) => quote!(req.header::<#t>(&mut violations, #wire, #req_flag)),
            (In::Header, true) => quote!(req.header_list::<#t>(&mut violations, #wire, #req_flag)),
            (In::Cookie, _) => {
                let t = fin.ty(&p.ty);
                quote!(req.cookie::<#t>(&mut violations, #wire, #req_flag))
            }
        };
        decode.push(quote!(let #l = #call;));
        if !p.checks.is_empty() {
            let place = match p.location {
                In::Path => "path",
                In::Query => "query",
                In::Header => "header",
                In::Cookie => "cookie",
            };
            let loc = format!("request.{place}.{wire}");
            let checks = checks_literal(&p.checks);
            decode
                .push(quote!(let #l = #rt::server::checked(&mut violations, #loc, #l, &#checks);));
        }
        pats.push(match (p.location, p.required) {
            (In::Path, _) => quote!(Some(#l)),
            (_, true) => quote!(Some(Some(#l))),
            (_, false) => quote!(Some(#l)),
        });
        vals.push(l);
    }
    let mut call_args = Vec::new();
    if let Some(pt) = &op.params_type {
        let pt = ident(pt);
        let fields = op.params.iter().map(|p| {
            let f = ident(&p.ident);
            let l = local(&p.ident);
            match &p.default {
                Some(d) => {
                    let v = default_tokens(fin, &p.ty, d);
                    quote!(#f: #l.unwrap_or_else(|| #v))
                }
                None => quote!(#f: #l),
            }
        });
        call_args.push(quote!(#pt { #(#fields),* }));
    }
    if let Some(b) = &op.body {
        let l = format_ident!("body_");
        let req_flag = b.required;
        let t = fin.ty(&b.ty);
        let call = match b.carry {
            Carry::Json => quote!(req.json::<#t>(&mut violations, #req_flag)),
            Carry::Text => quote!(req.text(&mut violations, #req_flag)),
            Carry::Bytes => quote!(req.stream(&mut violations, #req_flag)),
            Carry::Form if b.media.starts_with("multipart/") => {
                quote!(req.multipart::<#t>(&mut violations, #req_flag).await)
            }
            Carry::Form => quote!(req.form::<#t>(&mut violations, #req_flag)),
        };
        decode.push(quote!(let #l = #call;));
        pats.push(if b.required {
            quote!(Some(Some(#l)))
        } else {
            quote!(Some(#l))
        });
        vals.push(l.clone());
        // An optional body whose schema is nullable reaches the trait as one `Option`: absent
        // and `null` both mean "no value".
        if !b.required && matches!(b.ty, Ty::Option(_)) {
            call_args.push(quote!(#l.flatten()));
        } else {
            call_args.push(quote!(#l));
        }
    }
    let resp = ident(&op.response_type);
    let arms = op.responses.iter().map(|r| {
        let vi = ident(&r.variant);
        let code = match r.status {
            Status::Code(c) => {
                let c = Literal::u16_unsuffixed(c);
                quote!(#c)
            }
            _ => quote!(status),
        };
        let encode = match &r.body {
            Some(b) => {
                let media = &b.media;
                match b.carry {
                    // Form bodies are typed for requests only.
                    Carry::Json | Carry::Form => quote!(#rt::server::json(#code, #media, &body)),
                    Carry::Text => quote!(#rt::server::text(#code, #media, body)),
                    Carry::Bytes => quote!(#rt::server::stream(#code, #media, body)),
                }
            }
            None => quote!(#rt::server::empty(#code)),
        };
        if tuple_like(r) {
            match r.body {
                Some(_) => quote!(#resp::#vi(body) => #encode),
                None => quote!(#resp::#vi => #encode),
            }
        } else {
            let status = (!matches!(r.status, Status::Code(_))).then(|| quote!(status,));
            let body = r.body.as_ref().map(|_| quote!(body,));
            let hs: Vec<_> = r.headers.iter().map(|h| ident(&h.ident)).collect();
            let wires = r.headers.iter().map(|h| &h.wire);
            if hs.is_empty() {
                quote!(#resp::#vi { #status #body } => #encode)
            } else {
                quote! {
                    #resp::#vi { #status #body #(#hs,)* } => {
                        let response = #encode;
                        #(let response = #rt::server::header(response, #wires, &#hs);)*
                        response
                    }
                }
            }
        }
    });
    let check = if pats.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            let (#(#pats,)*) = (#(#vals,)*) else {
                return violations.into_response();
            };
        }
    };
    let uses_req = !decode.is_empty();
    let req_arg = if uses_req && streams(op) {
        quote!(mut req: #rt::server::Request)
    } else if uses_req {
        quote!(req: #rt::server::Request)
    } else {
        quote!(_req: #rt::server::Request)
    };
    let violations_decl =
        uses_req.then(|| quote!(let mut violations = #rt::server::Violations::default();));
    quote! {
        async fn #h<A: Api>(api: &A, #req_arg) -> #rt::axum::response::Response {
            #violations_decl
            #(#decode)*
            #check
            match api.#m(#(#call_args),*).await {
                #(#arms,)*
            }
        }
    }
}

/// The typed client.
pub(super) fn client(fin: &Finished<Kind>, ops: &[Op]) -> TokenStream {
    let rt = rt();
    let methods = ops.iter().map(|op| client_method(fin, op));
    quote! {
        /// A typed client: one method per operation, returning the operation's response enum.
        #[derive(Debug, Clone)]
        pub struct Client(#rt::client::Client);

        impl Client {
            /// A client of the server at `base_url` (`http://host:port/prefix`).
            pub fn new(base_url: impl Into<String>) -> Self {
                Self(#rt::client::Client::new(base_url))
            }

            /// A client using a configured reqwest client (timeouts, TLS, proxies).
            pub fn with_http(base_url: impl Into<String>, http: #rt::reqwest::Client) -> Self {
                Self(#rt::client::Client::with_http(base_url, http))
            }

            /// The untyped client underneath, for calls the contract does not describe.
            pub fn inner(&self) -> &#rt::client::Client {
                &self.0
            }

            #(#methods)*
        }
    }
}

fn client_method(fin: &Finished<Kind>, op: &Op) -> TokenStream {
    let rt = rt();
    let m = ident(&op.name);
    let doc = doc_attrs(op.doc.as_deref());
    let resp = ident(&op.response_type);
    let mut args = Vec::new();
    if let Some(pt) = &op.params_type {
        let pt = ident(pt);
        args.push(quote!(params: &#pt));
    }
    if let Some(b) = &op.body {
        let t = body_ty(fin, b);
        // A stream is consumed by sending it.
        if b.carry == Carry::Bytes {
            args.push(quote!(body: #t));
        } else {
            args.push(quote!(body: &#t));
        }
    }
    // The path, piece by piece: literal text and encoded parameters.
    let mut pieces = Vec::new();
    let mut rest = op.path.as_str();
    while let Some((lit, after)) = rest.split_once('{') {
        let Some((name, tail)) = after.split_once('}') else {
            break;
        };
        if !lit.is_empty() {
            pieces.push(quote!(path.push_str(#lit);));
        }
        match op
            .params
            .iter()
            .find(|p| p.location == In::Path && p.wire == name)
        {
            Some(p) => {
                let f = ident(&p.ident);
                pieces.push(quote!(path.push_str(&#rt::client::segment(&params.#f)?);));
            }
            None => {
                let raw = format!("{{{name}}}");
                pieces.push(quote!(path.push_str(#raw);));
            }
        }
        rest = tail;
    }
    if !rest.is_empty() {
        pieces.push(quote!(path.push_str(#rest);));
    }
    let method = format_ident!("{}", op.method.to_ascii_uppercase());
    let mut builder = Vec::new();
    for p in &op.params {
        let f = ident(&p.ident);
        let wire = &p.wire;
        builder.push(match p.location {
            In::Path => continue,
            In::Query => {
                let explode = p.explode;
                quote!(.query(#wire, &params.#f, #explode))
            }
            In::Header => quote!(.header(#wire, &params.#f)),
            In::Cookie => quote!(.cookie(#wire, &params.#f)),
        });
    }
    let body = op.body.as_ref().map(|b| {
        let media = &b.media;
        let optional = !b.required && !matches!(b.ty, Ty::Option(_));
        match (b.carry, optional) {
            (Carry::Json, _) => quote!(let call = call.json(#media, body);),
            (Carry::Form, _) => {
                let binary = &b.binary;
                quote!(let call = call.form(#media, body, &[#(#binary),*]);)
            }
            (Carry::Bytes, false) => quote!(let call = call.stream(#media, body);),
            (Carry::Bytes, true) => quote! {
                let call = match body {
                    Some(b) => call.stream(#media, b),
                    None => call,
                };
            },
            // Text (`String`).
            (_, false) => {
                quote!(let call = call.bytes(#media, AsRef::<[u8]>::as_ref(body).to_vec());)
            }
            (_, true) => quote! {
                let call = match body {
                    Some(b) => call.bytes(#media, AsRef::<[u8]>::as_ref(b).to_vec()),
                    None => call,
                };
            },
        }
    });
    let arms = op.responses.iter().map(|r| {
        let vi = ident(&r.variant);
        let pattern = match r.status {
            Status::Code(c) => {
                let c = Literal::u16_unsuffixed(c);
                quote!(#c)
            }
            Status::Range(n) => {
                let lo = Literal::u16_unsuffixed(n * 100);
                let hi = Literal::u16_unsuffixed(n * 100 + 99);
                quote!(status @ #lo..=#hi)
            }
            Status::Default => quote!(status),
        };
        let decode_body = r.body.as_ref().map(|b| match b.carry {
            Carry::Json | Carry::Form => quote!(#rt::client::json(response).await?),
            Carry::Text => quote!(#rt::client::text(response).await?),
            Carry::Bytes => quote!(#rt::client::stream(response)?),
        });
        if tuple_like(r) {
            match decode_body {
                Some(d) => quote!(#pattern => #resp::#vi(#d)),
                None => quote!(#pattern => #resp::#vi),
            }
        } else {
            let headers = r.headers.iter().map(|h| {
                let hi = ident(&h.ident);
                let wire = &h.wire;
                let t = fin.ty(&h.ty);
                if h.required {
                    quote!(let #hi = #rt::client::required_header::<#t>(&response, #wire)?;)
                } else {
                    quote!(let #hi = #rt::client::header::<#t>(&response, #wire)?;)
                }
            });
            let his: Vec<_> = r.headers.iter().map(|h| ident(&h.ident)).collect();
            let status = (!matches!(r.status, Status::Code(_))).then(|| quote!(status,));
            let body = decode_body.map(|d| quote!(body: #d,));
            quote! {
                #pattern => {
                    #(#headers)*
                    #resp::#vi { #status #(#his,)* #body }
                }
            }
        }
    });
    let has_default = op.responses.iter().any(|r| r.status == Status::Default);
    let fallback =
        (!has_default).then(|| quote!(_ => return Err(#rt::client::unexpected(response).await),));
    quote! {
        #doc
        pub async fn #m(&self, #(#args),*) -> Result<#resp, #rt::client::Error> {
            let mut path = String::new();
            #(#pieces)*
            let call = self.0.call(#rt::http::Method::#method, &path) #(#builder)*;
            #body
            let response = call.send().await?;
            Ok(match response.status().as_u16() {
                #(#arms,)*
                #fallback
            })
        }
    }
}

/// `handle_<method>`; a method name that starts with `_` (an operation id starting with a
/// digit) does not double the underscore, which would not be snake case.
fn handler_ident(method: &str) -> proc_macro2::Ident {
    let name = method.trim_start_matches("r#");
    match name.strip_prefix('_') {
        Some(rest) => format_ident!("handle_{}", rest),
        None => format_ident!("handle_{}", name),
    }
}
