//! The contract model of `contract`: loaders for OpenAPI (3.0, 3.1, Swagger 2.0 converted),
//! GraphQL (SDL and introspection JSON) and protobuf (`.proto` via protox, or descriptor sets),
//! each remembering where every element came from, plus the lint checks over them.
//! The diff engine will live here too.
//!
//! Invariants: no network IO; bad input is a [`Diagnostic`], never a panic; files are read only
//! through [`fs::Vfs`].

pub mod diagnostic;
pub mod diff;
pub mod document;
pub mod fs;
pub mod graphql;
pub mod kind;
pub mod load;
pub mod openapi;
pub mod proto;
pub mod source;

pub use diagnostic::{Diagnostic, Severity};
pub use kind::ContractKind;
pub use load::{discover, lint, load, Contract, Input, LoadOptions};
pub use source::{Location, SourceFile, Span};

/// A contract that loaded, with what the loader noticed on the way (warnings for documents that
/// are usable but not strictly valid, errors for parts that could not be understood).
#[derive(Debug)]
pub struct Loaded<T> {
    /// The loaded contract.
    pub contract: T,
    /// Everything noticed while loading.
    pub diagnostics: Vec<Diagnostic>,
}

/// A document that could not be understood at all. Holds at least one error saying why.
#[derive(Debug)]
pub struct Refused {
    /// Why it was refused.
    pub diagnostics: Vec<Diagnostic>,
}

impl Refused {
    /// A refusal with one reason.
    pub fn one(d: Diagnostic) -> Self {
        Refused {
            diagnostics: vec![d],
        }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            match (d.location(), &d.file) {
                (Some(l), _) => write!(f, "{l}: {}", d.message)?,
                (None, Some(file)) => write!(f, "{file}: {}", d.message)?,
                (None, None) => write!(f, "{}", d.message)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for Refused {}

/// What every loader returns.
pub type LoadResult<T> = Result<Loaded<T>, Refused>;
