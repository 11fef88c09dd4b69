//! GraphQL loader: SDL from one or many files (extensions, directives, descriptions,
//! deprecations) or introspection JSON, built and validated by `apollo-compiler`. Every node's
//! location maps to a [`Span`] in the user's file; for introspection JSON, into the JSON itself.

mod diagnostics;
mod introspection;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use apollo_compiler::parser::{FileId, SourceSpan};
use apollo_compiler::Schema;

use crate::document::Document;
use crate::fs::Vfs;
use crate::source::{SourceFile, Span};
use crate::{Diagnostic, LoadResult, Loaded, Refused};

/// A loaded GraphQL schema.
pub struct GraphQlSchema {
    schema: Schema,
    files: HashMap<FileId, Origin>,
}

/// Where an apollo file came from.
enum Origin {
    /// SDL written by the user: offsets map one to one.
    Sdl(Arc<SourceFile>),
    /// SDL generated from introspection JSON: generated offsets map to JSON nodes.
    Introspection(introspection::SpanMap),
}

impl std::fmt::Debug for GraphQlSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphQlSchema")
            .field("types", &self.schema.types.len())
            .finish()
    }
}

impl GraphQlSchema {
    /// The apollo-compiler schema (built; possibly not valid when load reported errors).
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The span of an apollo location in the user's file.
    pub fn span(&self, location: Option<SourceSpan>) -> Option<Span> {
        let loc = location?;
        match self.files.get(&loc.file_id())? {
            Origin::Sdl(f) => Some(f.span(loc.offset(), loc.end_offset())),
            Origin::Introspection(map) => map.span(loc.offset()),
        }
    }

    /// The span of any schema node.
    pub fn span_of<T>(&self, node: &apollo_compiler::Node<T>) -> Option<Span> {
        self.span(node.location())
    }
}

/// Loads one schema from SDL files or one introspection JSON file.
pub fn load(fs: &dyn Vfs, paths: &[PathBuf]) -> LoadResult<GraphQlSchema> {
    let mut builder = Schema::builder().adopt_orphan_extensions();
    let mut pending: Vec<(String, Origin)> = Vec::new();
    for p in paths {
        let shown = fs.display(p);
        let text = fs.read_to_string(p).map_err(|e| {
            Refused::one(
                Diagnostic::error("unreadable-input", format!("cannot read: {e}"))
                    .with_file(shown.clone())
                    .with_hint("check the path and its permissions"),
            )
        })?;
        let is_json = text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{');
        if is_json {
            let doc: Document = crate::document::parse(shown.clone(), text)?;
            let (sdl, map) = introspection::to_sdl(doc)?;
            let name = format!("{shown} (introspection)");
            builder = builder.parse(sdl, &name);
            pending.push((name, Origin::Introspection(map)));
        } else {
            let file = SourceFile::new(shown.clone(), text);
            builder = builder.parse(file.text().to_string(), &shown);
            pending.push((shown, Origin::Sdl(file)));
        }
    }
    let (schema, errors) = match builder.build() {
        Ok(s) => (s, None),
        Err(with) => (with.partial, Some(with.errors)),
    };
    let mut files = HashMap::new();
    for (id, f) in schema.sources.iter() {
        let path = f.path().display().to_string();
        if let Some(i) = pending.iter().position(|(n, _)| *n == path) {
            let (_, origin) = pending.swap_remove(i);
            files.insert(*id, origin);
        }
    }
    let loaded = GraphQlSchema { schema, files };
    let mut diagnostics = Vec::new();
    if let Some(errors) = errors {
        diagnostics.extend(diagnostics::convert(&loaded, &errors));
    }
    if let Some(syntax) = diagnostics.iter().position(|d| d.code == "graphql-syntax") {
        return Err(Refused::one(diagnostics.swap_remove(syntax)));
    }
    if let Err(with) = loaded.schema.clone().validate() {
        for d in diagnostics::convert(&loaded, &with.errors) {
            let dup = diagnostics
                .iter()
                .any(|e| e.message == d.message && e.span == d.span);
            if !dup {
                diagnostics.push(d);
            }
        }
    }
    Ok(Loaded {
        contract: loaded,
        diagnostics,
    })
}

/// Lint checks beyond validation (none yet: validation covers the schema rules).
pub fn lint(_schema: &GraphQlSchema) -> Vec<Diagnostic> {
    Vec::new()
}
