//! GraphQL, schema-first: async-graphql types that serve exactly the schema in the SDL.
//!
//! Every object type `T` becomes a resolver trait `TResolver` (one async method per field, with
//! its arguments) and a cheap handle `T` (an `Arc<dyn TResolver>`, built with `T::from(impl)`)
//! that carries the `#[Object]` impl; interfaces and unions become enums of those handles
//! (`#[derive(Interface)]`, `#[derive(Union)]`); enums, input objects (`@oneOf` ones as
//! `OneofObject` enums) and custom scalars (a newtype over `async_graphql::Value`) follow.
//! `schema(query, mutation, subscription)` builds the `async_graphql::Schema` from the root
//! resolvers. Names, descriptions, deprecations and default values come from the SDL, so
//! `Schema::sdl()` prints the input schema back.
//!
//! What async-graphql cannot express degrades with a warning: custom directives, interfaces
//! implementing interfaces, deprecated input fields, defaults that are not literals of their
//! type.

use std::collections::HashMap;

use apollo_compiler::ast::{self, Value};
use apollo_compiler::parser::SourceSpan;
use apollo_compiler::schema::{self, ExtendedType, FieldDefinition, InputValueDefinition};
use apollo_compiler::{Name, Node};
use contracts::graphql::GraphQlSchema;
use contracts::{Diagnostic, Refused};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::emit::doc_attrs;
use crate::ir::{ident, Finished, Ty, TypeId, TypeKind, TypeSpace};
use crate::naming::Namer;
use crate::{emit, Dependency, Generated, Options};

/// `async-graphql`, without its default features (no playground, no dynamic schema).
pub const ASYNC_GRAPHQL: Dependency = Dependency {
    name: "async-graphql",
    version: "7.2.1",
    features: &[],
    path: None,
};

/// The Rust side of one GraphQL type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Object {
        resolver: String,
        fields: Vec<Field>,
        root: Root,
    },
    Interface {
        fields: Vec<Field>,
        implementers: Vec<TypeId>,
    },
    Union {
        members: Vec<TypeId>,
    },
    Enum {
        values: Vec<EnumValue>,
    },
    Input {
        fields: Vec<Arg>,
        one_of: bool,
    },
    Scalar {
        specified_by: Option<String>,
    },
}

/// Which root operation type an object is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Root {
    None,
    Query,
    Mutation,
    Subscription,
}

/// An output field: a resolver method.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Field {
    name: String,
    method: String,
    doc: Option<String>,
    ty: Ty,
    args: Vec<Arg>,
    deprecation: Option<Option<String>>,
}

/// An argument or an input field.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Arg {
    name: String,
    ident: String,
    doc: Option<String>,
    ty: Ty,
    gql: ast::Type,
    default: Option<Node<Value>>,
    deprecation: Option<Option<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct EnumValue {
    name: String,
    ident: String,
    doc: Option<String>,
    deprecation: Option<Option<String>>,
}

impl TypeKind for Kind {
    // Output types refer to each other through `Arc` handles: only input objects hold types by
    // value, so only they can need boxing.
    fn uses(&self) -> Vec<&Ty> {
        match self {
            Kind::Input { fields, .. } => fields.iter().map(|f| &f.ty).collect(),
            _ => Vec::new(),
        }
    }
    fn uses_mut(&mut self) -> Vec<&mut Ty> {
        match self {
            Kind::Input { fields, .. } => fields.iter_mut().map(|f| &mut f.ty).collect(),
            _ => Vec::new(),
        }
    }
}

/// Directives async-graphql expresses itself.
const KNOWN_DIRECTIVES: &[&str] = &["deprecated", "specifiedBy", "oneOf"];

struct Builder<'a> {
    contract: &'a GraphQlSchema,
    space: TypeSpace<Kind>,
    warnings: Vec<Diagnostic>,
}

/// Generates the async-graphql server side of a schema (GraphQL has no client side here:
/// `opts` is not consulted).
pub fn generate(contract: &GraphQlSchema, _opts: &Options) -> Result<Generated, Refused> {
    let schema = contract.schema();
    let mut b = Builder {
        contract,
        space: TypeSpace::new(),
        warnings: Vec::new(),
    };
    b.space.reserve_name("Schema");
    let roots = [
        (schema.schema_definition.query.as_ref(), Root::Query),
        (schema.schema_definition.mutation.as_ref(), Root::Mutation),
        (
            schema.schema_definition.subscription.as_ref(),
            Root::Subscription,
        ),
    ];
    let root_of = |name: &str| {
        roots
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.name.as_str() == name))
            .map_or(Root::None, |(_, r)| *r)
    };
    if roots[0].0.is_none() {
        return Err(Refused::one(
            Diagnostic::error("codegen-graphql", "the schema has no query type")
                .with_hint("add `type Query { … }` or a `schema { query: … }` definition"),
        ));
    }

    let types: Vec<(&Name, &ExtendedType)> = schema
        .types
        .iter()
        .filter(|(_, t)| !t.is_built_in())
        .collect();
    for (name, _) in &types {
        b.space
            .reserve(Some(name.as_str()), name.as_str(), name.as_str());
    }
    let implementers = schema.implementers_map();
    for (name, ty) in &types {
        let Some(id) = b.space.by_key(name.as_str()) else {
            continue;
        };
        b.check_directives(&schema_dirs(ty.directives()), name.as_str(), ty.location());
        let kind = match ty {
            ExtendedType::Object(o) => {
                let resolver = b.space.claim_name(&format!("{name}Resolver"));
                let fields = b.fields(o.fields.values().map(|c| &c.node));
                Kind::Object {
                    resolver,
                    fields,
                    root: root_of(name.as_str()),
                }
            }
            ExtendedType::Interface(i) => {
                if !i.implements_interfaces.is_empty() {
                    b.warn(
                        i.location(),
                        format!("interface {name} implements other interfaces: async-graphql cannot say so; `implements` is left out"),
                        "nothing to do; clients see the same fields",
                    );
                }
                let fields = b.fields(i.fields.values().map(|c| &c.node));
                let implementers = implementers
                    .get(name.as_str())
                    .map(|imp| {
                        imp.objects
                            .iter()
                            .filter_map(|o| b.space.by_key(o.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
                Kind::Interface {
                    fields,
                    implementers,
                }
            }
            ExtendedType::Union(u) => Kind::Union {
                members: u
                    .members
                    .iter()
                    .filter_map(|m| b.space.by_key(m.name.as_str()))
                    .collect(),
            },
            ExtendedType::Enum(e) => {
                let mut namer = Namer::new();
                let values = e
                    .values
                    .values()
                    .map(|v| {
                        let dirs = ast_dirs(&v.directives);
                        b.check_directives(&dirs, v.value.as_str(), v.location());
                        EnumValue {
                            name: v.value.to_string(),
                            ident: namer.type_name(v.value.as_str(), "Value"),
                            doc: v.description.as_ref().map(|d| d.to_string()),
                            deprecation: deprecation(&dirs),
                        }
                    })
                    .collect();
                Kind::Enum { values }
            }
            ExtendedType::InputObject(i) => {
                let one_of = i.directives.has("oneOf");
                let mut namer = Namer::new();
                let fields = i
                    .fields
                    .values()
                    .map(|f| b.arg(f, &mut namer, true))
                    .collect();
                Kind::Input { fields, one_of }
            }
            ExtendedType::Scalar(s) => Kind::Scalar {
                specified_by: s
                    .directives
                    .get("specifiedBy")
                    .and_then(|d| d.specified_argument_by_name("url"))
                    .and_then(|v| v.as_str())
                    .map(str::to_string),
            },
        };
        let doc = ty.description().map(|d| d.to_string());
        b.space.define(id, kind, doc);
    }
    for d in schema.directive_definitions.values() {
        if !d.is_built_in() && !KNOWN_DIRECTIVES.contains(&d.name.as_str()) {
            b.warn(
                d.location(),
                format!("directive @{} is not generated: async-graphql cannot declare custom directives in generated code", d.name),
                "nothing to do; its uses in the schema are left out too",
            );
        }
    }

    let Builder {
        space, warnings, ..
    } = b;
    let fin = space.finish();
    let mut warnings = warnings;
    let mut items = Vec::new();
    for (_, def, kind) in fin.types() {
        let gql = def.key.as_deref().unwrap_or(def.name.as_str());
        items.push(emit_type(
            &fin,
            &def.name,
            gql,
            def.doc.as_deref(),
            kind,
            &mut warnings,
        ));
    }
    items.push(emit_schema(&fin));
    let code = emit::format_tokens(quote!(#(#items)*))?;
    Ok(Generated {
        code,
        dependencies: vec![ASYNC_GRAPHQL],
        diagnostics: warnings,
    })
}

impl Builder<'_> {
    fn warn(&mut self, at: Option<SourceSpan>, msg: String, hint: &str) {
        self.warnings.push(
            Diagnostic::warning("codegen-degraded", msg)
                .with_span(self.contract.span(at))
                .with_hint(hint),
        );
    }

    /// Warns about directive uses async-graphql cannot carry.
    fn check_directives(&mut self, directives: &[Dir<'_>], on: &str, at: Option<SourceSpan>) {
        for (d, loc) in directives {
            if !KNOWN_DIRECTIVES.contains(&d.name.as_str()) {
                self.warn(
                    loc.or(at),
                    format!("@{} on {on} is left out of the generated schema", d.name),
                    "nothing to do unless clients rely on seeing the directive in introspection",
                );
            }
        }
    }

    fn fields<'f>(&mut self, defs: impl Iterator<Item = &'f Node<FieldDefinition>>) -> Vec<Field> {
        let mut methods = Namer::new();
        defs.map(|f| {
            let dirs = ast_dirs(&f.directives);
            self.check_directives(&dirs, f.name.as_str(), f.location());
            let mut args = Namer::new();
            args.reserve("ctx");
            Field {
                name: f.name.to_string(),
                method: methods.field_name(f.name.as_str(), "field"),
                doc: f.description.as_ref().map(|d| d.to_string()),
                ty: self.ty(&f.ty),
                args: f
                    .arguments
                    .iter()
                    .map(|a| self.arg(a, &mut args, false))
                    .collect(),
                deprecation: deprecation(&dirs),
            }
        })
        .collect()
    }

    fn arg(&mut self, a: &Node<InputValueDefinition>, namer: &mut Namer, input_field: bool) -> Arg {
        let dirs = ast_dirs(&a.directives);
        self.check_directives(&dirs, a.name.as_str(), a.location());
        let mut dep = deprecation(&dirs);
        if input_field && dep.is_some() {
            self.warn(
                a.location(),
                format!("input field {} is deprecated, which async-graphql cannot say; the deprecation is left out", a.name),
                "nothing to do; say it in the description if clients must know",
            );
            dep = None;
        }
        Arg {
            name: a.name.to_string(),
            ident: namer.field_name(a.name.as_str(), "arg"),
            doc: a.description.as_ref().map(|d| d.to_string()),
            ty: self.ty(&a.ty),
            gql: (*a.ty).clone(),
            default: a.default_value.clone(),
            deprecation: dep,
        }
    }

    fn ty(&mut self, t: &ast::Type) -> Ty {
        match t {
            ast::Type::Named(n) => self.named(n).optional(),
            ast::Type::NonNullNamed(n) => self.named(n),
            ast::Type::List(inner) => self.ty(inner).list().optional(),
            ast::Type::NonNullList(inner) => self.ty(inner).list(),
        }
    }

    fn named(&mut self, n: &Name) -> Ty {
        match n.as_str() {
            "Int" => Ty::path("i32"),
            "Float" => Ty::path("f64"),
            "String" => Ty::path("String"),
            "Boolean" => Ty::path("bool"),
            "ID" => Ty::path("::async_graphql::ID"),
            other => match self.space.by_key(other) {
                Some(id) => Ty::Named(id),
                None => {
                    // A valid schema defines every type it names; a broken one degrades.
                    self.warn(
                        n.location(),
                        format!("type {other} is not defined; it is typed as a JSON value"),
                        "define the type",
                    );
                    Ty::path("::async_graphql::Json<::async_graphql::Value>")
                }
            },
        }
    }
}

/// A directive use and where it is.
type Dir<'a> = (&'a ast::Directive, Option<SourceSpan>);

fn schema_dirs(list: &schema::DirectiveList) -> Vec<Dir<'_>> {
    list.iter().map(|c| (&*c.node, c.node.location())).collect()
}

fn ast_dirs(list: &ast::DirectiveList) -> Vec<Dir<'_>> {
    list.iter().map(|n| (&**n, n.location())).collect()
}

/// `None`: not deprecated; `Some(None)`: deprecated with the default reason.
fn deprecation(directives: &[Dir<'_>]) -> Option<Option<String>> {
    let (d, _) = directives.iter().find(|(d, _)| d.name == "deprecated")?;
    Some(
        d.specified_argument_by_name("reason")
            .and_then(|v| v.as_str())
            .map(str::to_string),
    )
}

/// `key = value` entries of a `#[graphql(...)]` attribute.
#[derive(Default)]
struct GraphqlAttr(Vec<TokenStream>);

impl GraphqlAttr {
    fn str(mut self, key: &str, value: &str) -> Self {
        let k = ident(key);
        self.0.push(quote!(#k = #value));
        self
    }
    fn deprecation(mut self, d: &Option<Option<String>>) -> Self {
        match d {
            None => {}
            Some(None) => self.0.push(quote!(deprecation)),
            Some(Some(reason)) => self.0.push(quote!(deprecation = #reason)),
        }
        self
    }
    fn opt_str(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(key, v),
            None => self,
        }
    }
    fn inner(&self) -> TokenStream {
        let parts = &self.0;
        quote!(#(#parts),*)
    }
    fn attr(&self) -> TokenStream {
        let inner = self.inner();
        quote!(#[graphql(#inner)])
    }
}

fn emit_type(
    fin: &Finished<Kind>,
    name: &str,
    gql: &str,
    doc: Option<&str>,
    kind: &Kind,
    warnings: &mut Vec<Diagnostic>,
) -> TokenStream {
    let ty = ident(name);
    let docs = doc_attrs(doc);
    match kind {
        Kind::Object {
            resolver,
            fields,
            root,
        } => emit_object(fin, name, gql, docs, resolver, fields, *root, warnings),
        Kind::Interface {
            fields,
            implementers,
        } => {
            let mut attr = GraphqlAttr::default().str("name", gql);
            for f in fields {
                let fty = emit::compact(output_ty(fin, &f.ty));
                let mut field = GraphqlAttr::default()
                    .str("name", &f.name)
                    .str("method", f.method.trim_start_matches("r#"))
                    .str("ty", &fty)
                    .opt_str("desc", f.doc.as_deref().map(str::trim))
                    .deprecation(&f.deprecation);
                for a in &f.args {
                    let aty = emit::compact(fin.ty(&a.ty));
                    let mut arg = GraphqlAttr::default()
                        .str("name", &a.name)
                        .str("ty", &aty)
                        .opt_str("desc", a.doc.as_deref().map(str::trim));
                    if let Some(d) = default_with(fin, a, gql, warnings) {
                        arg = arg.str("default_with", &d);
                    }
                    let inner = arg.inner();
                    field.0.push(quote!(arg(#inner)));
                }
                let inner = field.inner();
                attr.0.push(quote!(field(#inner)));
            }
            let attr = attr.attr();
            let variants = implementers.iter().map(|id| {
                let v = ident(fin.name(*id));
                quote!(#v(#v))
            });
            quote! {
                #docs
                #[derive(Clone, ::async_graphql::Interface)]
                #attr
                pub enum #ty {
                    #(#variants,)*
                }
            }
        }
        Kind::Union { members } => {
            let attr = GraphqlAttr::default().str("name", gql).attr();
            let variants = members.iter().map(|id| {
                let v = ident(fin.name(*id));
                quote!(#v(#v))
            });
            quote! {
                #docs
                #[derive(Clone, ::async_graphql::Union)]
                #attr
                pub enum #ty {
                    #(#variants,)*
                }
            }
        }
        Kind::Enum { values } => {
            let attr = GraphqlAttr::default().str("name", gql).attr();
            let variants = values.iter().map(|v| {
                let vdoc = doc_attrs(v.doc.as_deref());
                let vattr = GraphqlAttr::default()
                    .str("name", &v.name)
                    .deprecation(&v.deprecation)
                    .attr();
                let vi = ident(&v.ident);
                quote!(#vdoc #vattr #vi)
            });
            quote! {
                #docs
                #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ::async_graphql::Enum)]
                #attr
                pub enum #ty {
                    #(#variants,)*
                }
            }
        }
        Kind::Input { fields, one_of } => {
            let attr = GraphqlAttr::default().str("name", gql).attr();
            if *one_of {
                // Each field is a variant holding the (non-null) field type.
                let variants = fields.iter().map(|f| {
                    let fdoc = doc_attrs(f.doc.as_deref());
                    let fattr = GraphqlAttr::default().str("name", &f.name).attr();
                    let v = ident(&crate::naming::type_ident(&f.name, "Variant"));
                    let inner = match &f.ty {
                        Ty::Option(t) => fin.ty(t),
                        t => fin.ty(t),
                    };
                    quote!(#fdoc #fattr #v(#inner))
                });
                return quote! {
                    #docs
                    #[derive(Clone, Debug, PartialEq, ::async_graphql::OneofObject)]
                    #attr
                    pub enum #ty {
                        #(#variants,)*
                    }
                };
            }
            let members = fields.iter().map(|f| {
                let fdoc = doc_attrs(f.doc.as_deref());
                let mut fattr = GraphqlAttr::default().str("name", &f.name);
                if let Some(d) = default_with(fin, f, gql, warnings) {
                    fattr = fattr.str("default_with", &d);
                }
                let fattr = fattr.attr();
                let fi = ident(&f.ident);
                let fty = fin.ty(&f.ty);
                quote!(#fdoc #fattr pub #fi: #fty)
            });
            quote! {
                #docs
                #[derive(Clone, Debug, PartialEq, ::async_graphql::InputObject)]
                #attr
                pub struct #ty {
                    #(#members,)*
                }
            }
        }
        Kind::Scalar { specified_by } => {
            let attr = GraphqlAttr::default()
                .str("name", gql)
                .opt_str("specified_by_url", specified_by.as_deref())
                .inner();
            quote! {
                #docs
                #[derive(Clone, Debug, PartialEq)]
                pub struct #ty(pub ::async_graphql::Value);

                #docs
                #[::async_graphql::Scalar(#attr)]
                impl ::async_graphql::ScalarType for #ty {
                    fn parse(value: ::async_graphql::Value) -> ::async_graphql::InputValueResult<Self> {
                        Ok(Self(value))
                    }
                    fn to_value(&self) -> ::async_graphql::Value {
                        self.0.clone()
                    }
                }
            }
        }
    }
}

/// An output type; subscription fields wrap it in a stream.
fn output_ty(fin: &Finished<Kind>, t: &Ty) -> TokenStream {
    fin.ty(t)
}

#[allow(clippy::too_many_arguments)]
fn emit_object(
    fin: &Finished<Kind>,
    name: &str,
    gql: &str,
    docs: TokenStream,
    resolver: &str,
    fields: &[Field],
    root: Root,
    warnings: &mut Vec<Diagnostic>,
) -> TokenStream {
    let ty = ident(name);
    let tr = ident(resolver);
    let trait_doc = format!(
        " Resolves the fields of `{gql}`. Turn an implementation into a [`{name}`] with `{name}::from`."
    );
    let mut trait_methods = Vec::new();
    let mut impl_methods = Vec::new();
    for f in fields {
        let m = ident(&f.method);
        let fdoc = doc_attrs(f.doc.as_deref());
        let out = output_ty(fin, &f.ty);
        let ret = if root == Root::Subscription {
            quote!(::async_graphql::Result<::async_graphql::futures_util::stream::BoxStream<'static, ::async_graphql::Result<#out>>>)
        } else {
            quote!(::async_graphql::Result<#out>)
        };
        let params: Vec<TokenStream> = f
            .args
            .iter()
            .map(|a| {
                let ai = ident(&a.ident);
                let aty = fin.ty(&a.ty);
                quote!(#ai: #aty)
            })
            .collect();
        let arg_idents: Vec<_> = f.args.iter().map(|a| ident(&a.ident)).collect();
        let attributed_params = f.args.iter().zip(&params).map(|(a, p)| {
            let mut attr = GraphqlAttr::default()
                .str("name", &a.name)
                .opt_str("desc", a.doc.as_deref().map(str::trim))
                .deprecation(&a.deprecation);
            if let Some(d) = default_with(fin, a, gql, warnings) {
                attr = attr.str("default_with", &d);
            }
            let attr = attr.attr();
            quote!(#attr #p)
        });
        trait_methods.push(quote! {
            #fdoc
            async fn #m(&self, ctx: &::async_graphql::Context<'_>, #(#params),*) -> #ret;
        });
        let fattr = GraphqlAttr::default()
            .str("name", &f.name)
            .deprecation(&f.deprecation)
            .attr();
        impl_methods.push(quote! {
            #fdoc
            #fattr
            async fn #m(&self, ctx: &::async_graphql::Context<'_>, #(#attributed_params),*) -> #ret {
                self.0.#m(ctx, #(#arg_idents),*).await
            }
        });
    }
    let macro_path = if root == Root::Subscription {
        quote!(::async_graphql::Subscription)
    } else {
        quote!(::async_graphql::Object)
    };
    quote! {
        #docs
        #[derive(Clone)]
        pub struct #ty(::std::sync::Arc<dyn #tr>);

        impl<T: #tr + 'static> ::std::convert::From<T> for #ty {
            fn from(resolver: T) -> Self {
                Self(::std::sync::Arc::new(resolver))
            }
        }

        #[doc = #trait_doc]
        #[::async_graphql::async_trait::async_trait]
        pub trait #tr: ::std::marker::Send + ::std::marker::Sync {
            #(#trait_methods)*
        }

        #docs
        #[#macro_path(name = #gql)]
        impl #ty {
            #(#impl_methods)*
        }
    }
}

/// `pub type Schema` and `pub fn schema(...)`: the roots, and every other type registered so
/// types no root reaches are served too.
fn emit_schema(fin: &Finished<Kind>) -> TokenStream {
    let mut roots: HashMap<Root, (TokenStream, TokenStream)> = HashMap::new();
    let mut registrations = Vec::new();
    for (_, def, kind) in fin.types() {
        let t = ident(&def.name);
        match kind {
            Kind::Object {
                resolver,
                root: r @ (Root::Query | Root::Mutation | Root::Subscription),
                ..
            } => {
                let tr = ident(resolver);
                roots.insert(*r, (quote!(#t), quote!(#tr)));
            }
            Kind::Input { .. } => registrations.push(quote!(.register_input_type::<#t>())),
            _ => registrations.push(quote!(.register_output_type::<#t>())),
        }
    }
    let mut params = Vec::new();
    let mut args = Vec::new();
    let mut tys = Vec::new();
    for (root, empty, param) in [
        (Root::Query, quote!(::async_graphql::EmptyMutation), "query"),
        (
            Root::Mutation,
            quote!(::async_graphql::EmptyMutation),
            "mutation",
        ),
        (
            Root::Subscription,
            quote!(::async_graphql::EmptySubscription),
            "subscription",
        ),
    ] {
        match roots.get(&root) {
            Some((t, tr)) => {
                let p = ident(param);
                params.push(quote!(#p: impl #tr + 'static));
                args.push(quote!(#t::from(#p)));
                tys.push(t.clone());
            }
            None => {
                args.push(empty.clone());
                tys.push(empty);
            }
        }
    }
    quote! {
        /// The schema served by the generated types.
        pub type Schema = ::async_graphql::Schema<#(#tys),*>;

        /// Starts building the [`Schema`] from the root resolvers (finish it with `.finish()`).
        pub fn schema(#(#params),*) -> ::async_graphql::SchemaBuilder<#(#tys),*> {
            ::async_graphql::Schema::build(#(#args),*)
                #(#registrations)*
        }
    }
}

/// The `default_with` expression for a default value, or `None` (with a warning when there
/// was a default that cannot be written in Rust).
fn default_with(
    fin: &Finished<Kind>,
    a: &Arg,
    owner: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Option<String> {
    let v = a.default.as_ref()?;
    match value_expr(fin, &a.ty, &a.gql, v) {
        Some(e) => Some(emit::compact(e)),
        None => {
            warnings.push(
                Diagnostic::warning(
                    "codegen-degraded",
                    format!(
                        "the default value of {owner}.{} cannot be written in Rust; it is left out",
                        a.name
                    ),
                )
                .with_hint("use a literal of the argument's type as its default"),
            );
            None
        }
    }
}

/// A Rust expression of type `ty` for the GraphQL literal `v` of type `gql`.
fn value_expr(fin: &Finished<Kind>, ty: &Ty, gql: &ast::Type, v: &Value) -> Option<TokenStream> {
    match ty {
        Ty::Boxed(inner) => {
            let e = value_expr(fin, inner, gql, v)?;
            Some(quote!(Box::new(#e)))
        }
        Ty::Option(inner) => {
            if matches!(v, Value::Null) {
                return Some(quote!(None));
            }
            let e = value_expr(fin, inner, &gql.clone().non_null(), v)?;
            Some(quote!(Some(#e)))
        }
        Ty::Vec(inner) => {
            let item = gql.item_type();
            let elems = match v {
                Value::List(items) => items
                    .iter()
                    .map(|i| value_expr(fin, inner, item, i))
                    .collect::<Option<Vec<_>>>()?,
                // Input coercion: a single value stands for a list of one.
                single => vec![value_expr(fin, inner, item, single)?],
            };
            Some(quote!(vec![#(#elems),*]))
        }
        Ty::Extern(_) | Ty::Map(_) => scalar_expr(gql.inner_named_type().as_str(), v),
        Ty::Named(id) => {
            let t = ident(fin.name(*id));
            match fin.get(*id)? {
                Kind::Enum { values } => {
                    let name = v.as_enum()?;
                    let variant = values.iter().find(|e| e.name == name.as_str())?;
                    let vi = ident(&variant.ident);
                    Some(quote!(#t::#vi))
                }
                Kind::Scalar { .. } => {
                    let e = json_value(v)?;
                    Some(quote!(#t(#e)))
                }
                Kind::Input { fields, one_of } => {
                    let given = v.as_object()?;
                    if given
                        .iter()
                        .any(|(k, _)| !fields.iter().any(|f| f.name == k.as_str()))
                    {
                        return None;
                    }
                    if *one_of {
                        let [(k, val)] = given else { return None };
                        let f = fields.iter().find(|f| f.name == k.as_str())?;
                        let inner = match &f.ty {
                            Ty::Option(t) => t.as_ref(),
                            t => t,
                        };
                        let e = value_expr(fin, inner, &f.gql.clone().non_null(), val)?;
                        let vi = ident(&crate::naming::type_ident(&f.name, "Variant"));
                        return Some(quote!(#t::#vi(#e)));
                    }
                    let members = fields
                        .iter()
                        .map(|f| {
                            let fi = ident(&f.ident);
                            let e = match given.iter().find(|(k, _)| k.as_str() == f.name) {
                                Some((_, val)) => value_expr(fin, &f.ty, &f.gql, val)?,
                                None => match &f.default {
                                    Some(d) => value_expr(fin, &f.ty, &f.gql, d)?,
                                    None if matches!(f.ty, Ty::Option(_)) => {
                                        quote!(None)
                                    }
                                    None => return None,
                                },
                            };
                            Some(quote!(#fi: #e))
                        })
                        .collect::<Option<Vec<_>>>()?;
                    Some(quote!(#t { #(#members),* }))
                }
                _ => None,
            }
        }
    }
}

/// A built-in scalar literal.
fn scalar_expr(scalar: &str, v: &Value) -> Option<TokenStream> {
    match (scalar, v) {
        ("Int", Value::Int(_)) => {
            let n = Literal::i32_unsuffixed(v.to_i32()?);
            Some(quote!(#n))
        }
        ("Float", Value::Int(_) | Value::Float(_)) => {
            let f = v.to_f64()?;
            if !f.is_finite() {
                return None;
            }
            let n = Literal::f64_unsuffixed(f);
            Some(quote!(#n))
        }
        ("String", Value::String(s)) => Some(quote!(String::from(#s))),
        ("Boolean", Value::Boolean(b)) => Some(quote!(#b)),
        ("ID", Value::String(s)) => Some(quote!(::async_graphql::ID::from(#s))),
        ("ID", Value::Int(i)) => {
            let s = i.as_str();
            Some(quote!(::async_graphql::ID::from(#s)))
        }
        _ => None,
    }
}

/// An `async_graphql::Value` expression for any literal (custom scalars' defaults).
fn json_value(v: &Value) -> Option<TokenStream> {
    Some(match v {
        Value::Null => quote!(::async_graphql::Value::Null),
        Value::Enum(n) => {
            let s = n.as_str();
            quote!(::async_graphql::Value::Enum(::async_graphql::Name::new(#s)))
        }
        Value::Variable(_) => return None,
        Value::String(s) => quote!(::async_graphql::Value::from(#s)),
        Value::Boolean(b) => quote!(::async_graphql::Value::from(#b)),
        Value::Int(i) => match i.try_to_i32() {
            Ok(n) => quote!(::async_graphql::Value::from(#n)),
            Err(_) => {
                let f = Literal::f64_unsuffixed(v.to_f64().filter(|f| f.is_finite())?);
                quote!(::async_graphql::Value::from(#f))
            }
        },
        Value::Float(_) => {
            let f = Literal::f64_unsuffixed(v.to_f64().filter(|f| f.is_finite())?);
            quote!(::async_graphql::Value::from(#f))
        }
        Value::List(items) => {
            let items = items
                .iter()
                .map(|i| json_value(i))
                .collect::<Option<Vec<_>>>()?;
            quote!(::async_graphql::Value::List(::std::vec![#(#items),*]))
        }
        Value::Object(fields) => {
            let entries = fields
                .iter()
                .map(|(k, v)| {
                    let k = k.as_str();
                    let v = json_value(v)?;
                    Some(quote!((::async_graphql::Name::new(#k), #v)))
                })
                .collect::<Option<Vec<_>>>()?;
            quote!(::async_graphql::Value::Object(::async_graphql::indexmap::IndexMap::from_iter([#(#entries),*])))
        }
    })
}
