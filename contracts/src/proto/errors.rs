//! protox errors → located [`Diagnostic`]s with a stable code and a how-to-fix hint.

use std::path::PathBuf;

use miette::Diagnostic as _;

use super::SourceMap;
use crate::fs::Vfs;
use crate::Diagnostic;

/// Converts a compile error. Its labels carry byte offsets into the file it names.
pub fn convert(
    e: &protox::Error,
    sources: &SourceMap,
    roots: &[PathBuf],
    fs: &dyn Vfs,
) -> Diagnostic {
    let message = e.to_string();
    let file = e.file().and_then(|name| sources.get(name));
    let editions = (e.is_parse() && file.is_some_and(|f| uses_editions(f.text())))
        || message.contains("edition");
    if editions {
        let span = file.map(|f| {
            let start = f.text().find("edition").unwrap_or(0);
            f.span(start, start + "edition".len())
        });
        let span = e
            .labels()
            .and_then(|mut l| l.next())
            .and_then(|l| file.map(|f| f.span(l.offset(), l.offset() + l.len())))
            .filter(|_| !e.is_parse())
            .or(span);
        return Diagnostic::error(
            "proto-editions-unsupported",
            format!("this protobuf editions file could not be read: {message}"),
        )
        .with_span(span)
        .with_hint(
            "editions files are read through a proto2 lowering (protox 0.10 and prost-reflect \
             0.16 compile proto2 and proto3 only); fix the error above, or pass a descriptor set \
             built by buf",
        );
    }
    let (code, hint) = if e.is_parse() {
        (
            "proto-syntax",
            "fix the syntax at the marked place".to_string(),
        )
    } else if e.is_file_not_found() {
        let searched: Vec<String> = roots.iter().map(|r| fs.display(r)).collect();
        (
            "import-not-found",
            format!(
                "searched {}; add the directory that holds it with -I, or fix the import path",
                searched.join(", ")
            ),
        )
    } else if message.contains("is not defined") {
        (
            "unknown-type",
            "check the spelling and the package prefix, or import the file that defines it"
                .to_string(),
        )
    } else if message.contains("is defined twice") {
        (
            "duplicate-name",
            "rename or remove one of the two definitions".to_string(),
        )
    } else if message.contains("is already used") || message.contains("has already been used") {
        (
            "duplicate-number",
            "give each field or enum value its own number".to_string(),
        )
    } else {
        (
            "proto-compile",
            "fix the definition at the marked place".to_string(),
        )
    };
    let hint = e.help().map(|h| h.to_string()).unwrap_or(hint);
    let span = file.and_then(|f| {
        let label = e.labels()?.next()?;
        Some(f.span(label.offset(), label.offset() + label.len()))
    });
    let mut d = Diagnostic::error(code, message).with_hint(hint);
    match (span, file, e.file()) {
        (Some(s), _, _) => d = d.with_span(Some(s)),
        (None, Some(f), _) => d = d.with_file(f.name().to_string()),
        (None, None, Some(name)) => d = d.with_file(name.to_string()),
        (None, None, None) => {}
    }
    // Parse errors may come in groups; keep the others as related places.
    if let Some(related) = e.related() {
        for r in related {
            if let (Some(f), Some(mut labels)) = (file, r.labels()) {
                if let Some(l) = labels.next() {
                    d = d.with_related(f.span(l.offset(), l.offset() + l.len()), r.to_string());
                }
            }
        }
    }
    d
}

/// Whether the file's first statement is an `edition` declaration.
fn uses_editions(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| {
            !l.is_empty() && !l.starts_with("//") && !l.starts_with("/*") && !l.starts_with('*')
        })
        .is_some_and(|l| l.starts_with("edition"))
}
