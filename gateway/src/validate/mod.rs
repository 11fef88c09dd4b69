//! Contract compilation and validation: an OpenAPI document is compiled once into an immutable
//! [`CompiledContract`] (route matcher → per-operation validators); the request path only runs
//! what was compiled.

pub mod document;
pub mod params;
pub mod router;
pub mod schema;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use contracts::Diagnostic;
use http::{HeaderMap, Method, StatusCode};

use crate::config::Policies;
use crate::problem::Violation;

/// The HTTP methods an OpenAPI path item may hold operations for.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a compiled contract.
#[derive(Debug)]
pub struct Operation {
    /// `operationId`, or `METHOD /template` when the contract gives none.
    pub id: String,
    /// `METHOD /template`.
    pub key: String,
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
    operations: Vec<Operation>,
}

impl CompiledContract {
    /// Loads and compiles the OpenAPI document at `path`. Warnings come back with the contract;
    /// errors refuse it.
    pub fn compile(path: &Path) -> Result<(CompiledContract, Vec<Diagnostic>), Vec<Diagnostic>> {
        let fs = contracts::fs::RealFs;
        match contracts::openapi::load(&fs, path) {
            Ok(_loaded) => Ok((
                CompiledContract {
                    name: path.display().to_string(),
                    files: vec![path.to_path_buf()],
                    operations: Vec::new(),
                },
                Vec::new(),
            )),
            Err(refused) => Err(refused.diagnostics),
        }
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
    pub fn route(&self, _method: &Method, _path: &str, _policies: &Policies) -> RouteMatch {
        RouteMatch::NotFound
    }

    /// Every way the request breaks the operation's contract.
    pub fn check_request(
        &self,
        _op: usize,
        _path_params: &[(String, String)],
        _req: &RequestView<'_>,
        _policies: &Policies,
    ) -> RequestCheck {
        RequestCheck::default()
    }

    /// Checks a response's status and headers; says whether its body must be read to finish.
    pub fn check_response_head(
        &self,
        _op: usize,
        _status: StatusCode,
        _headers: &HeaderMap,
        _out: &mut Vec<Violation>,
    ) -> bool {
        false
    }

    /// Checks a response body against the operation's declared response.
    pub fn check_response_body(
        &self,
        _op: usize,
        _status: StatusCode,
        _headers: &HeaderMap,
        _body: &Bytes,
        _out: &mut Vec<Violation>,
    ) {
    }
}
