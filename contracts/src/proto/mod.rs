//! Protobuf loader (placeholder: being written).

use crate::fs::Vfs;
use crate::{Diagnostic, LoadResult, Refused};

/// A loaded set of protobuf files.
#[derive(Debug)]
pub struct ProtoContract {}

/// Loads an set of protobuf files and everything it references.
pub fn load(
    fs: &dyn Vfs,
    paths: &[std::path::PathBuf],
    _roots: &[std::path::PathBuf],
) -> LoadResult<ProtoContract> {
    Err(Refused::one(
        Diagnostic::error("not-implemented", "Protobuf loading is not implemented yet")
            .with_file(paths.first().map(|p| fs.display(p)).unwrap_or_default()),
    ))
}

/// Lint checks beyond loading.
pub fn lint(_c: &ProtoContract) -> Vec<Diagnostic> {
    Vec::new()
}
