//! Reading the policy file (`contract.yaml`) with located errors.

use std::path::Path;

use contracts::diff::Policy;
use contracts::Diagnostic;

/// Loads and checks a policy file.
pub fn load(path: &Path) -> Result<Policy, Vec<Diagnostic>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::error(
            "unreadable-input",
            format!("cannot read the policy file: {e}"),
        )
        .with_file(path.display().to_string())]
    })?;
    let doc =
        contracts::document::parse(path.display().to_string(), text).map_err(|r| r.diagnostics)?;
    Policy::from_value(doc.value()).map_err(|e| {
        vec![Diagnostic::error("policy", e.message)
            .with_span(doc.span(&e.pointer))
            .with_hint("see the policy section of README.md")]
    })
}
