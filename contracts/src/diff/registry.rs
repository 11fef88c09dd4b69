//! The rule registry: the only place rule ids live. Each format contributes a sorted table;
//! tests check ids are unique, kebab-case (or buf's upper snake case for protobuf), and documented.

use crate::kind::ContractKind;

use super::finding::Level;

/// One kind of change the engine classifies.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, forever.
    pub id: &'static str,
    /// Which contract kind it applies to.
    pub kind: ContractKind,
    /// Default level; the policy file can remap it.
    pub level: Level,
    /// Categories the rule belongs to (protobuf: FILE, PACKAGE, WIRE_JSON, WIRE).
    pub categories: &'static [&'static str],
    /// One line: what it detects.
    pub summary: &'static str,
    /// The text `contract explain ID` prints: *What it detects* / *Why it breaks clients* /
    /// *Example* / *How to evolve safely*.
    pub explain: &'static str,
}

/// Every rule of every format, sorted by kind then id.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    tables().iter().flat_map(|t| t.iter())
}

/// Looks a rule up by id (case-insensitive; `_` and `-` are interchangeable so buf's and
/// oasdiff's spellings both work).
pub fn find(id: &str) -> Option<&'static Rule> {
    let norm = normalize(id);
    all().find(|r| normalize(r.id) == norm)
}

/// Ids close to `id`, for "did you mean" hints.
pub fn suggest(id: &str) -> Vec<&'static str> {
    let norm = normalize(id);
    let mut out: Vec<_> = all()
        .filter(|r| {
            let n = normalize(r.id);
            n.contains(&norm) || norm.contains(&n)
        })
        .map(|r| r.id)
        .take(5)
        .collect();
    out.sort_unstable();
    out
}

fn normalize(id: &str) -> String {
    id.to_ascii_lowercase().replace('_', "-")
}

/// The per-format tables. A format adds its table here.
fn tables() -> &'static [&'static [Rule]] {
    static TABLES: [&[Rule]; 3] = [
        super::openapi::RULES,
        super::graphql::RULES,
        super::proto::RULES,
    ];
    &TABLES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_documented() {
        for t in tables() {
            for w in t.windows(2) {
                assert!(
                    w[0].id < w[1].id,
                    "{} must sort before {}",
                    w[0].id,
                    w[1].id
                );
            }
        }
        let mut seen = std::collections::HashSet::new();
        for r in all() {
            assert!(seen.insert(normalize(r.id)), "duplicate rule id {}", r.id);
            assert!(!r.summary.is_empty(), "{} has no summary", r.id);
            for section in [
                "What it detects",
                "Why it breaks clients",
                "Example",
                "How to evolve safely",
            ] {
                assert!(
                    r.explain.contains(section),
                    "{}: no `{section}` section",
                    r.id
                );
            }
        }
    }
}
