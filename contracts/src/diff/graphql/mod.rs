//! graphql diff: matching and rules (being written).

use super::{DiffOptions, Finding, Rule};
use crate::graphql::GraphQlSchema;

/// The graphql rules, sorted by id.
pub static RULES: &[Rule] = &[];

/// Compares two graphql contracts.
pub fn diff(_old: &GraphQlSchema, _new: &GraphQlSchema, _opts: &DiffOptions<'_>) -> Vec<Finding> {
    Vec::new()
}
