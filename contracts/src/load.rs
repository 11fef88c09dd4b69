//! One entry point for every kind: work out what a path holds and call the right loader.

use std::path::{Path, PathBuf};

use crate::fs::{walk, Vfs};
use crate::kind::{self, ContractKind};
use crate::{graphql, openapi, proto, Diagnostic, LoadResult, Loaded, Refused};

/// A loaded contract of any kind.
#[derive(Debug)]
pub enum Contract {
    /// An OpenAPI document with everything it references.
    OpenApi(openapi::OpenApi),
    /// A GraphQL schema.
    GraphQl(graphql::GraphQlSchema),
    /// A set of protobuf files.
    Proto(proto::ProtoContract),
}

impl Contract {
    /// Which kind it is.
    pub fn kind(&self) -> ContractKind {
        match self {
            Contract::OpenApi(_) => ContractKind::OpenApi,
            Contract::GraphQl(_) => ContractKind::GraphQl,
            Contract::Proto(_) => ContractKind::Proto,
        }
    }
}

/// Options shared by every loader.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Force the kind instead of detecting it.
    pub kind: Option<ContractKind>,
    /// Extra import roots for protobuf (`-I`).
    pub include: Vec<PathBuf>,
}

/// One contract to load: its kind and the files that make it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The kind.
    pub kind: ContractKind,
    /// The files (one OpenAPI root; one or many SDL files; proto files or one descriptor set).
    pub paths: Vec<PathBuf>,
    /// For protobuf: the import root the paths are relative to.
    pub root: Option<PathBuf>,
}

/// Works out which contracts a path holds. A file is one contract. In a directory, every OpenAPI
/// document is its own contract (YAML/JSON files that are not OpenAPI roots are fragments that
/// roots reference), all GraphQL files together form one schema, and all `.proto` files form one
/// module with the directory as import root.
pub fn discover(fs: &dyn Vfs, path: &Path, opts: &LoadOptions) -> Result<Vec<Input>, Refused> {
    let unreadable = |e: std::io::Error| {
        Refused::one(
            Diagnostic::error("unreadable-input", format!("cannot read: {e}"))
                .with_file(fs.display(path))
                .with_hint("check the path and its permissions"),
        )
    };
    if !fs.is_dir(path) {
        if !fs.is_file(path) {
            return Err(unreadable(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file or directory",
            )));
        }
        let kind = match opts.kind.or_else(|| kind::kind_from_extension(path)) {
            Some(k) => k,
            None => {
                let text = fs.read_to_string(path).map_err(unreadable)?;
                kind::kind_from_content(&text).ok_or_else(|| {
                    Refused::one(
                        Diagnostic::error(
                            "unknown-kind",
                            "cannot tell which kind of contract this is",
                        )
                        .with_file(fs.display(path))
                        .with_hint(
                            "pass --kind openapi|graphql|proto, or use a .proto/.graphql extension \
                             or a top-level `openapi:` key",
                        ),
                    )
                })?
            }
        };
        let root = (kind == ContractKind::Proto)
            .then(|| path.parent().map(Path::to_path_buf))
            .flatten();
        return Ok(vec![Input {
            kind,
            paths: vec![path.to_path_buf()],
            root,
        }]);
    }

    let files = walk(fs, path).map_err(unreadable)?;
    let mut openapi_roots = Vec::new();
    let mut gql = Vec::new();
    let mut protos = Vec::new();
    for f in files {
        let ext = f
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let by_ext = kind::kind_from_extension(&f);
        let k = match (opts.kind, by_ext) {
            (_, Some(k)) => Some(k),
            (_, None) if matches!(ext.as_str(), "yaml" | "yml" | "json") => fs
                .read_to_string(&f)
                .ok()
                .and_then(|t| kind::kind_from_content(&t)),
            _ => None,
        };
        if opts.kind.is_some_and(|want| Some(want) != k) {
            continue;
        }
        match k {
            Some(ContractKind::OpenApi) => openapi_roots.push(f),
            Some(ContractKind::GraphQl) => gql.push(f),
            Some(ContractKind::Proto) if ext == "proto" => protos.push(f),
            Some(ContractKind::Proto) => {} // descriptor sets in a directory: load them one by one explicitly
            None => {}
        }
    }
    let mut out: Vec<Input> = openapi_roots
        .into_iter()
        .map(|p| Input {
            kind: ContractKind::OpenApi,
            paths: vec![p],
            root: None,
        })
        .collect();
    if !gql.is_empty() {
        out.push(Input {
            kind: ContractKind::GraphQl,
            paths: gql,
            root: None,
        });
    }
    if !protos.is_empty() {
        out.push(Input {
            kind: ContractKind::Proto,
            paths: protos,
            root: Some(path.to_path_buf()),
        });
    }
    if out.is_empty() {
        return Err(Refused::one(
            Diagnostic::error("no-contracts", "no contract files found in this directory")
                .with_file(fs.display(path))
                .with_hint("point at an OpenAPI (.yaml/.json), GraphQL (.graphql) or .proto file"),
        ));
    }
    Ok(out)
}

/// Loads one [`Input`].
pub fn load(fs: &dyn Vfs, input: &Input, opts: &LoadOptions) -> LoadResult<Contract> {
    match input.kind {
        ContractKind::OpenApi => {
            let path = input.paths.first().ok_or_else(|| {
                Refused::one(Diagnostic::error("no-contracts", "no OpenAPI file given"))
            })?;
            openapi::load(fs, path).map(|l| map(l, Contract::OpenApi))
        }
        ContractKind::GraphQl => graphql::load(fs, &input.paths).map(|l| map(l, Contract::GraphQl)),
        ContractKind::Proto => {
            let mut roots: Vec<PathBuf> = input.root.iter().cloned().collect();
            roots.extend(opts.include.iter().cloned());
            proto::load(fs, &input.paths, &roots).map(|l| map(l, Contract::Proto))
        }
    }
}

fn map<T, U>(l: Loaded<T>, f: impl FnOnce(T) -> U) -> Loaded<U> {
    Loaded {
        contract: f(l.contract),
        diagnostics: l.diagnostics,
    }
}

/// Lint checks for any kind: problems a loaded contract has beyond what loading reported.
pub fn lint(contract: &Contract) -> Vec<Diagnostic> {
    match contract {
        Contract::OpenApi(c) => openapi::lint(c),
        Contract::GraphQl(c) => graphql::lint(c),
        Contract::Proto(c) => proto::lint(c),
    }
}
