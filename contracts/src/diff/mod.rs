//! The diff engine's shared half: what a finding is, the rule registry, the policy that remaps
//! severities and accepts findings. Format-specific matching and rules live in
//! `diff/<format>/`; renderers live in the CLI.
//!
//! Flow: load OLD and NEW → match elements once (per format) → rules compare `(old, new)` pairs
//! and emit [`Finding`]s with their default [`Level`] → [`Policy::apply`] remaps and accepts →
//! the CLI renders and decides the exit code from `--fail-on`.

pub mod catalogue;
pub mod date;
pub mod finding;
pub mod graphql;
pub mod openapi;
pub mod policy;
pub mod proto;
pub mod registry;

pub use date::Date;
pub use finding::{Finding, Level};
pub use policy::{Acceptance, Policy, PolicyError};
pub use registry::Rule;

use crate::{Contract, Diagnostic};

/// Options every format engine may read.
#[derive(Debug, Clone)]
pub struct DiffOptions<'a> {
    /// The policy (format options live under its `openapi:`, `graphql:`, `proto:` keys).
    pub policy: &'a Policy,
    /// Today, for sunset dates and acceptance expiry.
    pub today: Date,
    /// GraphQL usage-aware mode: operations as (name, text); breaking changes no operation
    /// uses are lowered to dangerous.
    pub graphql_operations: Option<Vec<(String, String)>>,
}

/// Compares two contracts of the same kind and returns every finding at its default level,
/// sorted. The policy's remaps and acceptances are applied by the caller ([`Policy::apply`]).
pub fn diff(
    old: &Contract,
    new: &Contract,
    opts: &DiffOptions<'_>,
) -> Result<Vec<Finding>, Box<Diagnostic>> {
    let mut findings = match (old, new) {
        (Contract::OpenApi(o), Contract::OpenApi(n)) => openapi::diff(o, n, opts),
        (Contract::GraphQl(_), Contract::GraphQl(_)) | (Contract::Proto(_), Contract::Proto(_))
            if registry::all().all(|r| r.kind != old.kind()) =>
        {
            return Err(Box::new(
                Diagnostic::error(
                    "diff-not-available",
                    format!("`contract diff` does not compare {} contracts yet", old.kind()),
                )
                .with_hint("only OpenAPI diffs are available in this version; `contract lint` checks every kind"),
            ))
        }
        (Contract::GraphQl(o), Contract::GraphQl(n)) => graphql::diff(o, n, opts),
        (Contract::Proto(o), Contract::Proto(n)) => proto::diff(o, n, opts),
        (o, n) => {
            return Err(Box::new(
                Diagnostic::error(
                    "kind-mismatch",
                    format!(
                        "cannot compare a {} contract with a {} contract",
                        o.kind(),
                        n.kind()
                    ),
                )
                .with_hint("give OLD and NEW of the same kind, or force it with --kind"),
            ))
        }
    };
    sort(&mut findings);
    Ok(findings)
}

/// Sorts findings into their stable report order: subject, then path, then rule id.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.subject.as_str(), a.path.as_str(), a.rule.id).cmp(&(
            b.subject.as_str(),
            b.path.as_str(),
            b.rule.id,
        ))
    });
}

/// The result of comparing two contracts.
#[derive(Debug, Default)]
pub struct DiffReport {
    /// How OLD was named on the command line.
    pub old_name: String,
    /// How NEW was named on the command line.
    pub new_name: String,
    /// Every change found, sorted by subject, then rule id.
    pub findings: Vec<Finding>,
}

impl DiffReport {
    /// Sorts findings into their stable report order.
    pub fn sort(&mut self) {
        sort(&mut self.findings);
    }

    /// How many findings of each level are not accepted: (breaking, dangerous, safe).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for f in self.findings.iter().filter(|f| f.accepted.is_none()) {
            match f.level {
                Level::Breaking => c.0 += 1,
                Level::Dangerous => c.1 += 1,
                Level::Safe => c.2 += 1,
            }
        }
        c
    }

    /// Whether any unaccepted finding is at or above `threshold` (`None` = never fail).
    pub fn fails(&self, threshold: Option<Level>) -> bool {
        threshold.is_some_and(|t| {
            self.findings
                .iter()
                .any(|f| f.accepted.is_none() && f.level >= t)
        })
    }
}
