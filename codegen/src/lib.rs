//! Contract-first code generation: from a loaded contract to Rust source (types, a server trait
//! the service must implement, typed clients). A pure library: it never reads files; callers (the
//! CLI, the proc-macros) load the contract and hand over the model.
//!
//! Pipeline: contract model → [`ir::TypeSpace`] (named types under their contract key, anonymous
//! ones deduplicated by structure, deterministic names, recursion boxed) → `TokenStream` via
//! `quote!` → text via `prettyplease`. Protobuf goes through `prost-build` and
//! `tonic-prost-build` instead, fed the descriptor set `protox` compiled, so no `protoc` is ever
//! needed.
//!
//! Entry points: [`generate`] gives a module's code and the crates it needs; [`crate_files`] and
//! [`module_file`] turn that into what `contract generate` writes.

pub mod emit;
pub mod graphql;
pub mod ir;
pub mod naming;
pub mod openapi;
mod package;
pub mod proto;

use contracts::{Contract, Diagnostic, Refused};

pub use package::{crate_files, crate_name, module_file, CrateOptions};

/// The contract model this crate generates from.
pub use contracts;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The server side: traits to implement and what wires them to a server.
    pub server: bool,
    /// The client side.
    pub client: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            server: true,
            client: true,
        }
    }
}

/// A crate the generated code needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dependency {
    /// Its name on crates.io.
    pub name: &'static str,
    /// The version requirement: the version this workspace builds and tests with.
    pub version: &'static str,
    /// Features to turn on (default features are always off).
    pub features: &'static [&'static str],
    /// A path to the crate instead of the registry (this workspace's runtime crate).
    pub path: Option<&'static str>,
}

/// Generated code for one contract.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The items of one module, formatted, without a header comment.
    pub code: String,
    /// The crates `code` refers to, sorted by name.
    pub dependencies: Vec<Dependency>,
    /// What could not be typed exactly and how it degraded (warnings, never errors).
    pub diagnostics: Vec<Diagnostic>,
}

/// Generates code for any contract kind.
pub fn generate(contract: &Contract, opts: &Options) -> Result<Generated, Refused> {
    match contract {
        Contract::Proto(p) => proto::generate(p, opts),
        Contract::GraphQl(g) => graphql::generate(g, opts),
        Contract::OpenApi(o) => openapi::generate(o, opts),
    }
}
