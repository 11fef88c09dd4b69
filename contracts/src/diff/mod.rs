//! The diff engine's shared half: what a finding is, the rule registry, the policy that remaps
//! severities and accepts findings. Format-specific matching and rules live in
//! `diff/<format>/`; renderers live in the CLI.
//!
//! Flow: load OLD and NEW → match elements once (per format) → rules compare `(old, new)` pairs
//! and emit [`Finding`]s with their default [`Level`] → [`Policy::apply`] remaps and accepts →
//! the CLI renders and decides the exit code from `--fail-on`.

pub mod date;
pub mod finding;
pub mod policy;
pub mod registry;

pub use date::Date;
pub use finding::{Finding, Level};
pub use policy::{Acceptance, Policy, PolicyError};
pub use registry::Rule;

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
    /// Sorts findings into their stable report order: subject, then path, then rule id.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (a.subject.as_str(), a.path.as_str(), a.rule.id).cmp(&(
                b.subject.as_str(),
                b.path.as_str(),
                b.rule.id,
            ))
        });
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
