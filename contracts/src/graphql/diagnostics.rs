//! apollo-compiler diagnostics → ours: a stable code, the span, a one-line message and a hint.

use apollo_compiler::diagnostic::ToCliReport;
use apollo_compiler::validation::DiagnosticList;

use super::GraphQlSchema;
use crate::Diagnostic;

/// Converts every diagnostic in `list`.
pub fn convert(schema: &GraphQlSchema, list: &DiagnosticList) -> Vec<Diagnostic> {
    list.iter()
        .map(|d| {
            let message = d.error.to_string();
            let name = d.error.unstable_error_name().unwrap_or("");
            let (code, hint) = classify(name, &message);
            let span = schema.span(d.error.location());
            Diagnostic::error(code, message)
                .with_span(span)
                .with_hint(hint)
        })
        .collect()
}

fn classify(name: &str, message: &str) -> (&'static str, &'static str) {
    if message.starts_with("syntax error") {
        return (
            "graphql-syntax",
            "fix the GraphQL syntax at the marked place",
        );
    }
    match name {
        "UndefinedDefinition" => (
            "unknown-type",
            "define the type, import its SDL file too, or fix the name",
        ),
        "UndefinedDirective" => (
            "unknown-directive",
            "declare it with `directive @name on …`, or remove it",
        ),
        "MissingInterfaceField"
        | "InvalidImplementationFieldType"
        | "MissingInterfaceFieldArgument"
        | "InvalidImplementationFieldArgumentType"
        | "ExtraRequiredImplementationFieldArgument"
        | "TransitiveImplementedInterfaces" => (
            "bad-interface-implementation",
            "give the type every field of the interface, with compatible types and arguments",
        ),
        _ if message.contains("duplicate definitions for the")
            || message.contains("is defined multiple times") && message.contains("field") =>
        {
            ("duplicate-field", "remove or rename one of the two fields")
        }
        _ if message.contains("defined multiple times")
            || message.contains("duplicate definitions") =>
        {
            (
                "duplicate-type",
                "remove or rename one of the two definitions (use `extend type` to add fields)",
            )
        }
        _ => ("graphql-invalid", "fix the schema at the marked place"),
    }
}
