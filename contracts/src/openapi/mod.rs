//! OpenAPI loader (placeholder: being written).

use std::path::Path;

use crate::fs::Vfs;
use crate::{Diagnostic, LoadResult, Refused};

/// A loaded OpenAPI document.
#[derive(Debug)]
pub struct OpenApi {}

/// Loads an OpenAPI document and everything it references.
pub fn load(fs: &dyn Vfs, path: &Path) -> LoadResult<OpenApi> {
    Err(Refused::one(
        Diagnostic::error("not-implemented", "OpenAPI loading is not implemented yet")
            .with_file(fs.display(path)),
    ))
}

/// Lint checks beyond loading.
pub fn lint(_api: &OpenApi) -> Vec<Diagnostic> {
    Vec::new()
}
