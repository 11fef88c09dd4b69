//! OpenAPI diff: operations matched once (method + normalized path template), then rules compare
//! pairs of operations, parameters, bodies, responses, headers, security and schemas.
//!
//! Rule ids reuse oasdiff's where the meaning is the same (so users can migrate); the table of
//! ids, default levels and explanations is in [`rules`].

mod matching;
pub mod rules;
mod same;
pub mod schema;
pub mod source;

#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::{DiffOptions, Finding, Rule};
use crate::openapi::OpenApi;
use schema::{At, Dir, S};
use source::{Loc, Source};

pub use matching::normalize_template;
pub use rules::RULES;

/// Compares two OpenAPI documents.
pub fn diff(old: &OpenApi, new: &OpenApi, opts: &DiffOptions<'_>) -> Vec<Finding> {
    diff_sources(old, new, opts)
}

/// Compares two document sets through the [`Source`] interface.
pub fn diff_sources(old: &dyn Source, new: &dyn Source, opts: &DiffOptions<'_>) -> Vec<Finding> {
    let mut cx = Cx::new(old, new, opts);
    matching::run(&mut cx);
    cx.out
}

/// The comparison state shared by every rule: both sources, the findings so far, and the
/// schema pairs already compared.
pub struct Cx<'a> {
    /// OLD.
    pub old: &'a dyn Source,
    /// NEW.
    pub new: &'a dyn Source,
    /// Options (policy, today).
    pub opts: &'a DiffOptions<'a>,
    /// Findings so far.
    pub out: Vec<Finding>,
    /// Schema pairs on the current walk (cycle detection).
    pub(crate) visited: HashSet<PairKey>,
    /// Walks cut short by a cycle since the start (a pair below a cut is not known clean).
    pub(crate) cycle_hits: usize,
    /// Schema pairs known to hold no change in a context (skipped on later walks).
    pub(crate) clean: HashSet<PairKey>,
    /// Reference pairs known equal or different (see [`same`]).
    pub(crate) same: same::SameMemo,
    /// Ids the code tried to emit that the table does not hold (a bug; tests check it is empty).
    pub unknown_ids: BTreeSet<String>,
    by_id: &'static HashMap<&'static str, &'static Rule>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(old: &'a dyn Source, new: &'a dyn Source, opts: &'a DiffOptions<'a>) -> Self {
        Cx {
            old,
            new,
            opts,
            out: Vec::new(),
            visited: HashSet::new(),
            cycle_hits: 0,
            clean: HashSet::new(),
            same: same::SameMemo::default(),
            unknown_ids: BTreeSet::new(),
            by_id: rules::by_id(),
        }
    }

    /// Emits rule `id` for the schema pair `o`/`n`.
    pub fn emit(&mut self, id: &str, at: &At<'_>, o: S<'_>, n: S<'_>, message: String) {
        self.emit_at(id, at, Some(o.loc), Some(n.loc), message);
    }

    /// Emits rule `id` for a change of schema keyword `kw`, located at the keyword on each side
    /// that has it (else at the schema).
    pub fn emit_kw(
        &mut self,
        id: &str,
        at: &At<'_>,
        o: S<'_>,
        n: S<'_>,
        kw: &str,
        message: String,
    ) {
        let ol = if o.v.get(kw).is_some() {
            o.loc.child(kw)
        } else {
            o.loc.clone()
        };
        let nl = if n.v.get(kw).is_some() {
            n.loc.child(kw)
        } else {
            n.loc.clone()
        };
        self.emit_at(id, at, Some(&ol), Some(&nl), message);
    }

    /// Emits rule `id` inside a schema walk, with explicit locations.
    pub fn emit_at(
        &mut self,
        id: &str,
        at: &At<'_>,
        old: Option<&Loc>,
        new: Option<&Loc>,
        message: String,
    ) {
        let path = at.path.clone();
        self.finding(id, at.subject, &path, old, new, message);
    }

    /// Emits rule `id` about `subject` at `path`.
    pub fn finding(
        &mut self,
        id: &str,
        subject: &str,
        path: &str,
        old: Option<&Loc>,
        new: Option<&Loc>,
        message: String,
    ) {
        let Some(rule) = self.lookup(id) else {
            self.unknown_ids.insert(id.to_string());
            return;
        };
        let f = Finding::new(rule, subject, path, message).at(
            old.and_then(|l| self.old.span(l)),
            new.and_then(|l| self.new.span(l)),
        );
        self.out.push(f);
    }

    /// A rule by id; a place-specific id without a rule of its own falls back to the general
    /// place (`request-parameter-property-…` → `request-parameter-…`).
    fn lookup(&self, id: &str) -> Option<&'static Rule> {
        if let Some(r) = self.by_id.get(id) {
            return Some(r);
        }
        const FALLBACK: &[(&str, &str)] = &[
            ("request-parameter-property-", "request-parameter-"),
            ("request-header-property-", "request-parameter-"),
            ("request-read-only-property-", "request-property-"),
        ];
        FALLBACK.iter().find_map(|(from, to)| {
            let rest = id.strip_prefix(from)?;
            self.by_id.get(format!("{to}{rest}").as_str()).copied()
        })
    }

    /// Compares two schemas from the top of a body, parameter or header.
    pub fn schemas(&mut self, old: &Loc, new: &Loc, at: &At<'_>) {
        self.visited.clear();
        schema::compare(self, old, new, at);
    }
}

/// A schema pair in a comparison context.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PairKey {
    old: Loc,
    new: Loc,
    dir: Dir,
    place: u8,
    flags: u8,
}

/// The value at `loc`, or JSON null.
pub(crate) fn val<'v>(s: &'v dyn Source, loc: &Loc) -> &'v Value {
    s.get(loc).unwrap_or(&Value::Null)
}
