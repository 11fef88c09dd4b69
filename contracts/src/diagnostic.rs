//! Diagnostics: what the loaders and lint checks say about a contract, as data.
//!
//! Prose is made here, rendering (code frames, JSON) is the CLI's job.

use serde::{Serialize, Serializer};

use crate::source::{Location, Span};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a command.
    Info,
    /// The document is usable but not strictly valid, or likely wrong.
    Warning,
    /// The document is wrong: a reference that does not resolve, a duplicate, an unknown type.
    Error,
}

/// One problem found in a contract.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// Stable kebab-case id, e.g. `unresolved-ref`.
    pub code: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// One line: what is wrong.
    pub message: String,
    /// One line: how to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Where it is, when known.
    #[serde(rename = "location", serialize_with = "ser_span")]
    pub span: Option<Span>,
    /// The file, when there is no span (an unreadable file, say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Other places that explain this one (the first declaration of a duplicate, say).
    #[serde(serialize_with = "ser_related", skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    /// A diagnostic with no location yet.
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            hint: None,
            span: None,
            file: None,
            related: Vec::new(),
        }
    }

    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    /// Adds the how-to-fix line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the location.
    pub fn with_span(mut self, span: Option<Span>) -> Self {
        if let Some(s) = &span {
            self.file = Some(s.file.name().to_string());
        }
        self.span = span;
        self
    }

    /// Sets the file when no finer location is known.
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// `file:line:col` (or just the file) for one-line output.
    pub fn location(&self) -> Option<Location> {
        self.span.as_ref().map(Span::location)
    }
}

fn ser_span<S: Serializer>(span: &Option<Span>, s: S) -> Result<S::Ok, S::Error> {
    span.as_ref().map(Span::location).serialize(s)
}

fn ser_related<S: Serializer>(related: &[(Span, String)], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Related {
        location: Location,
        label: String,
    }
    related
        .iter()
        .map(|(span, label)| Related {
            location: span.location(),
            label: label.clone(),
        })
        .collect::<Vec<_>>()
        .serialize(s)
}
