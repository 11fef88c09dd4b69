//! proto diff: matching and rules (being written).

use super::{DiffOptions, Finding, Rule};
use crate::proto::ProtoContract;

/// The proto rules, sorted by id.
pub static RULES: &[Rule] = &[];

/// Compares two proto contracts.
pub fn diff(_old: &ProtoContract, _new: &ProtoContract, _opts: &DiffOptions<'_>) -> Vec<Finding> {
    Vec::new()
}
