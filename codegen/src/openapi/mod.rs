//! OpenAPI 3.0 and 3.1: serde types for the schemas, and per operation a parameter struct and
//! a response enum keyed by status; the server side is a trait with one async method per
//! operation plus an axum router that decodes and checks requests (problem+json on
//! violations, as the gateway answers); the client side is a reqwest client with one method
//! per operation returning the same response enums. Both run on `contract-runtime`.
//!
//! Never a refusal for what cannot be typed: it degrades to `serde_json::Value`, `String` or
//! raw bytes with a warning.

mod emit;
mod ops;
mod schema;

use contracts::openapi::{escape, OpenApi, Ptr};
use contracts::Refused;
use quote::quote;
use serde_json::Value;

use crate::naming::Namer;
use crate::{Dependency, Generated, Options};

/// `serde` with derives, for the generated types.
pub const SERDE: Dependency = Dependency {
    name: "serde",
    version: "1.0.229",
    features: &["derive", "std"],
    path: None,
};
/// `serde_json`, for bodies and untyped values.
pub const SERDE_JSON: Dependency = Dependency {
    name: "serde_json",
    version: "1.0.154",
    features: &["std"],
    path: None,
};

/// Where `contract-runtime` is: generated crates refer to it by path until it is published.
pub const RUNTIME_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime");

/// `contract-runtime` with the features one side or both need.
pub fn runtime(opts: &Options) -> Dependency {
    let features: &'static [&'static str] = match (opts.server, opts.client) {
        (true, true) => &["server", "client"],
        (true, false) => &["server"],
        (false, true) => &["client"],
        (false, false) => &[],
    };
    Dependency {
        name: "contract-runtime",
        version: env!("CARGO_PKG_VERSION"),
        features,
        path: Some(RUNTIME_PATH),
    }
}

/// Generates types, the server side and the client side (as `opts` asks).
pub fn generate(api: &OpenApi, opts: &Options) -> Result<Generated, Refused> {
    let mut s = schema::Schemas::new(api, &["Api", "Client"]);
    s.mark_responses();
    // Named schemas first, in document order, so they keep their own names.
    let names: Vec<String> = api
        .root()
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for name in names {
        let at = Ptr {
            doc: 0,
            pointer: format!("/components/schemas/{}", escape(&name)),
        };
        // A schema that differs by direction is named for its response view when a response
        // uses it, else for its request view.
        s.dir = if s.one_way(&at) && !s.in_responses(&at) {
            schema::Dir::Request
        } else {
            schema::Dir::Response
        };
        s.named(&at);
    }
    let mut methods = Namer::new();
    for reserved in ["new", "with_http", "inner"] {
        methods.reserve(reserved);
    }
    let ops = ops::operations(&mut s, &mut methods);
    let schema::Schemas {
        space, warnings, ..
    } = s;
    let fin = space.finish();

    let types = emit::types(&fin);
    let op_types = ops.iter().map(|op| emit::op_types(&fin, op));
    let server = opts.server.then(|| emit::server(&fin, &ops));
    let client = opts.client.then(|| emit::client(&fin, &ops));
    let code = crate::emit::format_tokens(quote! {
        #(#types)*
        #(#op_types)*
        #server
        #client
    })?;
    let mut dependencies = vec![SERDE, SERDE_JSON];
    // Always: types may use `contract_runtime::form::Binary`.
    dependencies.push(runtime(opts));
    dependencies.sort();
    Ok(Generated {
        code,
        dependencies,
        diagnostics: warnings,
    })
}
