//! Proc-macros `openapi!`, `graphql!` and `proto!`: resolve the contract path from `CARGO_MANIFEST_DIR`, load it, generate code through `contract-codegen`,
//! and turn every contract error into a compile error carrying the contract's `file:line:col`.
//!
//! Each macro expands to the generated items plus `const _: &[u8] = include_bytes!("…");` for
//! every contract file it read, so editing a contract rebuilds the crate. A file *added* to a
//! directory is not noticed until something else triggers a rebuild.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use contracts::fs::{RealFs, Vfs};
use contracts::{ContractKind, Diagnostic, Input, LoadOptions, Severity};
use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

/// Generates prost messages and tonic services from `.proto` files, with no `protoc`.
///
/// ```ignore
/// mod grpc {
///     contract_macros::proto!("proto/pokemon/v1/pokemon.proto");
/// }
/// // grpc::pokemon::v1::pokemon_service_server::PokemonService, …
/// ```
///
/// Arguments: one or more paths (files, or a directory whose `.proto` files form one module
/// with the directory as import root), relative to `CARGO_MANIFEST_DIR`; then optional
/// `include = "dir"` (extra import roots, repeatable) and `only = "server"` or `"client"`.
/// The generated crate needs `prost`, `tonic` (features `codegen`, `transport`) and
/// `tonic-prost`.
#[proc_macro]
pub fn proto(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    expand(&args, ContractKind::Proto)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Generates a schema-first async-graphql server from GraphQL SDL: a resolver trait per object
/// type, handles, interfaces, unions, enums, inputs, scalars, and `schema(query, …)`.
///
/// ```ignore
/// mod api {
///     contract_macros::graphql!("schema/pokemon.graphql");
/// }
/// // impl api::QueryResolver for MyQuery { … }
/// // let schema = api::schema(MyQuery).finish();
/// ```
///
/// Arguments: one or more SDL files (or a directory of them), relative to
/// `CARGO_MANIFEST_DIR`. The crate needs `async-graphql`.
#[proc_macro]
pub fn graphql(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    if let Some(i) = args.include.first() {
        return syn::Error::new(i.span(), "`include` is for protobuf import roots")
            .into_compile_error()
            .into();
    }
    expand(&args, ContractKind::GraphQl)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Generates types, a server trait with an axum router, and a reqwest client from an OpenAPI
/// 3.0 or 3.1 document.
///
/// ```ignore
/// mod api {
///     contract_macros::openapi!("openapi.yaml");
/// }
/// // impl api::Api for MyService { … }
/// // let app = api::router(MyService);
/// // let client = api::Client::new("http://127.0.0.1:8080");
/// ```
///
/// Arguments: the document's path, relative to `CARGO_MANIFEST_DIR` (documents it references
/// are read too), then optional `only = "server"` or `"client"`. The crate needs `serde` (with
/// `derive`), `serde_json` and `contract-runtime` (features `server` and/or `client`).
#[proc_macro]
pub fn openapi(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    if let Some(i) = args.include.first() {
        return syn::Error::new(i.span(), "`include` is for protobuf import roots")
            .into_compile_error()
            .into();
    }
    if let Some(extra) = args.paths.get(1) {
        return syn::Error::new(
            extra.span(),
            "one OpenAPI document per macro: the documents it references are read too",
        )
        .into_compile_error()
        .into();
    }
    expand(&args, ContractKind::OpenApi)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// One argument: a path literal or `key = "value"`.
enum Arg {
    Path(LitStr),
    Named(Ident, LitStr),
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return input.parse().map(Arg::Path);
        }
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        Ok(Arg::Named(key, input.parse()?))
    }
}

/// The parsed arguments.
struct Args {
    paths: Vec<LitStr>,
    include: Vec<LitStr>,
    only: Option<LitStr>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let span = input.span();
        let list = Punctuated::<Arg, Token![,]>::parse_terminated(input)?;
        let mut args = Args {
            paths: Vec::new(),
            include: Vec::new(),
            only: None,
        };
        for a in list {
            match a {
                Arg::Path(p) if args.include.is_empty() && args.only.is_none() => {
                    args.paths.push(p)
                }
                Arg::Path(p) => {
                    return Err(syn::Error::new(
                        p.span(),
                        "paths come first, before `include = …` and `only = …`",
                    ))
                }
                Arg::Named(k, v) if k == "include" => args.include.push(v),
                Arg::Named(k, v) if k == "only" => {
                    if !matches!(v.value().as_str(), "server" | "client") {
                        return Err(syn::Error::new(
                            v.span(),
                            "`only` is \"server\" or \"client\"",
                        ));
                    }
                    args.only = Some(v);
                }
                Arg::Named(k, _) => {
                    return Err(syn::Error::new(
                        k.span(),
                        format!("unknown argument `{k}`: expected `include` or `only`"),
                    ))
                }
            }
        }
        if args.paths.is_empty() {
            return Err(syn::Error::new(
                span,
                "expected the contract path, relative to CARGO_MANIFEST_DIR: proto!(\"proto/api.proto\")",
            ));
        }
        Ok(args)
    }
}

/// The real file system, recording every file read (for `include_bytes!`) and showing paths
/// relative to the crate root (as the user wrote them).
struct RecordingFs {
    base: PathBuf,
    read: Mutex<BTreeSet<PathBuf>>,
}

impl Vfs for RecordingFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let bytes = RealFs.read(path)?;
        if let Ok(mut read) = self.read.lock() {
            read.insert(path.to_path_buf());
        }
        Ok(bytes)
    }
    fn is_dir(&self, path: &Path) -> bool {
        RealFs.is_dir(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        RealFs.is_file(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        RealFs.read_dir(path)
    }
    fn display(&self, path: &Path) -> String {
        path.strip_prefix(&self.base)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// Loads, generates, and emits the code with the rebuild anchors; errors land on the first
/// path literal.
fn expand(args: &Args, kind: ContractKind) -> syn::Result<TokenStream> {
    let first = args
        .paths
        .first()
        .map_or_else(proc_macro2::Span::call_site, LitStr::span);
    let base = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| syn::Error::new(first, "CARGO_MANIFEST_DIR is not set: build with cargo"))?;
    let fs = RecordingFs {
        base: base.clone(),
        read: Mutex::new(BTreeSet::new()),
    };
    let opts = LoadOptions {
        kind: Some(kind),
        include: args.include.iter().map(|l| base.join(l.value())).collect(),
    };
    let mut paths = Vec::new();
    let mut roots = Vec::new();
    for lit in &args.paths {
        let inputs = contracts::discover(&fs, &base.join(lit.value()), &opts)
            .map_err(|r| error(lit, &r.diagnostics))?;
        for i in inputs {
            paths.extend(i.paths);
            roots.extend(i.root);
        }
    }
    let mut seen = BTreeSet::new();
    roots.retain(|r| seen.insert(r.clone()));
    let mut roots = roots.into_iter();
    let input = Input {
        kind,
        paths,
        root: roots.next(),
    };
    let opts = LoadOptions {
        include: roots.chain(opts.include).collect(),
        ..opts
    };
    let loaded =
        contracts::load(&fs, &input, &opts).map_err(|r| error_at(first, &r.diagnostics))?;
    let errors: Vec<Diagnostic> = loaded
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        return Err(error_at(first, &errors));
    }
    let gen_opts = contract_codegen::Options {
        server: args.only.as_ref().is_none_or(|o| o.value() == "server"),
        client: args.only.as_ref().is_none_or(|o| o.value() == "client"),
    };
    let generated = contract_codegen::generate(&loaded.contract, &gen_opts)
        .map_err(|r| error_at(first, &r.diagnostics))?;
    let code: TokenStream = generated.code.parse().map_err(|e| {
        syn::Error::new(
            first,
            format!("contract-codegen produced code that does not lex: {e}"),
        )
    })?;
    let anchors = fs
        .read
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.to_str().map(str::to_string))
        .map(|p| {
            quote!(
                const _: &[u8] = include_bytes!(#p);
            )
        });
    Ok(quote! {
        #(#anchors)*
        #code
    })
}

fn error(lit: &LitStr, diags: &[Diagnostic]) -> syn::Error {
    error_at(lit.span(), diags)
}

/// One compile error per diagnostic, all on `span`: `file:line:col: what; how to fix`.
fn error_at(span: proc_macro2::Span, diags: &[Diagnostic]) -> syn::Error {
    let mut out: Option<syn::Error> = None;
    for d in diags {
        let place = match (d.location(), &d.file) {
            (Some(l), _) => format!("{l}: "),
            (None, Some(f)) => format!("{f}: "),
            (None, None) => String::new(),
        };
        // Hints speak the CLI's language; in a macro, import roots are `include = "dir"`.
        let hint = d
            .hint
            .as_deref()
            .map(|h| format!("; {}", h.replace("with -I", "with `include = \"dir\"`")))
            .unwrap_or_default();
        let e = syn::Error::new(span, format!("{place}{}{hint}", d.message));
        match &mut out {
            Some(o) => o.combine(e),
            None => out = Some(e),
        }
    }
    out.unwrap_or_else(|| syn::Error::new(span, "the contract could not be loaded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: &str) -> Result<String, String> {
        let args: Args = syn::parse_str(args).map_err(|e| e.to_string())?;
        expand(&args, ContractKind::Proto)
            .map(|t| t.to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn every_file_read_is_an_include_bytes_anchor() {
        let out = expand_str(r#""../contracts/examples/pokemon/v1/pokemon.proto""#).unwrap();
        let abs = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../contracts/examples/pokemon/v1/pokemon.proto");
        let anchor = format!(
            "const _ : & [u8] = include_bytes ! ({:?}) ;",
            abs.display().to_string()
        );
        assert!(out.starts_with(&anchor), "{out}");
        assert_eq!(out.matches("include_bytes !").count(), 1);
        assert!(out.contains("pub trait PokemonService"));
    }

    #[test]
    fn only_server_leaves_the_client_out() {
        let out = expand_str(r#""../contracts/examples/pokemon/v1", only = "server""#).unwrap();
        assert!(out.contains("pokemon_service_server"));
        assert!(!out.contains("pokemon_service_client"));
    }

    #[test]
    fn paths_must_come_first() {
        let err = expand_str(r#"only = "server", "a.proto""#).unwrap_err();
        assert!(err.contains("paths come first"), "{err}");
    }
}
