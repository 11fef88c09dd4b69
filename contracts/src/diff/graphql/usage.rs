//! Usage-aware mode: which breaking changes actually break one of the given operations.
//!
//! Operations are parsed against the OLD schema (the one clients were written for); every
//! schema coordinate they touch is collected (`Type`, `Type.field`, `Type.field.arg`, enum values
//! used as literals, input types of variables). A breaking finding whose coordinate no operation
//! touches is lowered to dangerous; one that does names the operations it breaks.

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::executable::{ExecutableDocument, Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::Schema;

use super::super::{Finding, Level};
use crate::Diagnostic;

/// Coordinates used, each with the operations that use it.
#[derive(Debug, Default)]
pub struct Usage {
    used: BTreeMap<String, BTreeSet<String>>,
}

impl Usage {
    fn add(&mut self, coordinate: String, op: &str) {
        self.used
            .entry(coordinate)
            .or_default()
            .insert(op.to_string());
    }

    /// Reads operations (`(name, text)` pairs: `.graphql` files or persisted queries).
    pub fn collect(
        schema: &Schema,
        operations: &[(String, String)],
    ) -> Result<Usage, Box<Diagnostic>> {
        let valid = Valid::assume_valid_ref(schema);
        let mut usage = Usage::default();
        for (name, text) in operations {
            let doc = match ExecutableDocument::parse(valid, text.as_str(), name) {
                Ok(d) => d,
                Err(with) => {
                    // Operations that no longer parse against the old schema are still walked
                    // as far as they go; a syntax error is reported.
                    if with
                        .errors
                        .iter()
                        .any(|e| e.error.to_string().starts_with("syntax error"))
                    {
                        return Err(Box::new(
                            Diagnostic::error(
                                "operation-syntax",
                                format!("{name}: cannot parse the operation"),
                            )
                            .with_file(name.clone())
                            .with_hint("pass .graphql files with queries, mutations or fragments"),
                        ));
                    }
                    with.partial
                }
            };
            let mut fragments = BTreeMap::new();
            for (fname, f) in &doc.fragments {
                fragments.insert(fname.to_string(), &f.selection_set);
            }
            for op in doc.operations.iter() {
                let label = op
                    .name
                    .as_ref()
                    .map_or_else(|| name.clone(), |n| n.to_string());
                for v in &op.variables {
                    usage.add(v.ty.inner_named_type().to_string(), &label);
                }
                let mut seen = BTreeSet::new();
                walk(&mut usage, &op.selection_set, &fragments, &label, &mut seen);
            }
        }
        Ok(usage)
    }

    /// Operations that use the element a finding is about.
    fn users(&self, f: &Finding) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let subject = f.subject.as_str();
        let coordinate = if f.path.is_empty() {
            subject.to_string()
        } else {
            format!("{subject}.{}", f.path)
        };
        // The finding's own coordinate, and every coordinate it is a prefix of (a removed type
        // breaks every selection of its fields).
        for (c, ops) in self.used.range(subject.to_string()..) {
            if !c.starts_with(subject) {
                break;
            }
            let matches = c == &coordinate
                || c.starts_with(&format!("{coordinate}."))
                || (f.path.is_empty() && (c == subject || c.starts_with(&format!("{subject}."))))
                || (!f.path.is_empty()
                    && coordinate.starts_with(&format!("{c}."))
                    && c.contains('.'));
            if matches {
                out.extend(ops.iter().cloned());
            }
        }
        out
    }

    /// Lowers breaking findings no operation uses; names the operations for the others.
    pub fn apply(&self, findings: &mut [Finding]) {
        for f in findings.iter_mut().filter(|f| f.level == Level::Breaking) {
            let users = self.users(f);
            if users.is_empty() {
                f.level = Level::Dangerous;
                f.message.push_str(" (no given operation uses it)");
            } else {
                let list: Vec<String> = users.into_iter().take(5).collect();
                f.message
                    .push_str(&format!(" — breaks operation(s): {}", list.join(", ")));
            }
        }
    }
}

fn walk(
    usage: &mut Usage,
    set: &SelectionSet,
    fragments: &BTreeMap<String, &SelectionSet>,
    op: &str,
    seen: &mut BTreeSet<String>,
) {
    usage.add(set.ty.to_string(), op);
    for sel in &set.selections {
        match sel {
            Selection::Field(f) => {
                let coord = format!("{}.{}", set.ty, f.name);
                for a in &f.arguments {
                    usage.add(format!("{coord}.{}", a.name), op);
                    if let Some(e) = a.value.as_enum() {
                        usage.add(
                            format!(
                                "{}.{e}",
                                f.definition
                                    .arguments
                                    .iter()
                                    .find(|d| d.name == a.name)
                                    .map_or_else(String::new, |d| d
                                        .ty
                                        .inner_named_type()
                                        .to_string())
                            ),
                            op,
                        );
                    }
                }
                usage.add(coord, op);
                usage.add(f.definition.ty.inner_named_type().to_string(), op);
                walk(usage, &f.selection_set, fragments, op, seen);
            }
            Selection::InlineFragment(i) => walk(usage, &i.selection_set, fragments, op, seen),
            Selection::FragmentSpread(s) => {
                let name = s.fragment_name.to_string();
                if seen.insert(name.clone()) {
                    if let Some(fs) = fragments.get(&name) {
                        walk(usage, fs, fragments, op, seen);
                    }
                }
            }
        }
    }
}
