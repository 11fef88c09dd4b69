//! GraphQL loader (placeholder: being written).

use crate::fs::Vfs;
use crate::{Diagnostic, LoadResult, Refused};

/// A loaded GraphQL schema.
#[derive(Debug)]
pub struct GraphQlSchema {}

/// Loads an GraphQL schema and everything it references.
pub fn load(fs: &dyn Vfs, paths: &[std::path::PathBuf]) -> LoadResult<GraphQlSchema> {
    Err(Refused::one(
        Diagnostic::error("not-implemented", "GraphQL loading is not implemented yet")
            .with_file(paths.first().map(|p| fs.display(p)).unwrap_or_default()),
    ))
}

/// Lint checks beyond loading.
pub fn lint(_schema: &GraphQlSchema) -> Vec<Diagnostic> {
    Vec::new()
}
