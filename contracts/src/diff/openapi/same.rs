//! Structural equality of two schemas with `$ref`s followed on both sides: the cheap test that
//! lets the schema walk skip a subtree that did not change (most of a real document between two
//! versions). A schema moved from inline to `components` with the same shape is equal.
//!
//! Reference pairs are memoized. A recursive pair is assumed equal while it is being compared;
//! a verdict that leaned on such an assumption is not memoized, so a later difference further up
//! the cycle cannot leave a wrong "equal" behind.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::source::{Loc, Source};

/// Memo of reference pairs (`Some(verdict)` once known, `None` while being compared) and of
/// object pairs by address (the documents do not change during a diff), so that the schema
/// walk, which asks again at every level of a changed schema, stays linear.
#[derive(Debug, Default)]
pub(crate) struct SameMemo {
    pairs: HashMap<(Loc, Loc), Option<bool>>,
    objects: FxHashMap<(usize, usize), bool>,
}

/// Whether `ov` (in document `od` of `old`) and `nv` (in document `nd` of `new`) are the same
/// schema once references are followed.
pub(crate) fn same(
    memo: &mut SameMemo,
    old: &dyn Source,
    (od, ov): (usize, &Value),
    new: &dyn Source,
    (nd, nv): (usize, &Value),
) -> bool {
    let mut w = Walk {
        memo,
        old,
        new,
        assumed: false,
    };
    w.eq(od, ov, nd, nv, 0)
}

struct Walk<'m, 's> {
    memo: &'m mut SameMemo,
    old: &'s dyn Source,
    new: &'s dyn Source,
    /// Set when a verdict below leaned on a pair assumed equal (a cycle).
    assumed: bool,
}

fn reference(v: &Value) -> Option<&str> {
    v.as_object()?.get("$ref")?.as_str()
}

impl<'s> Walk<'_, 's> {
    fn eq(&mut self, od: usize, ov: &'s Value, nd: usize, nv: &'s Value, depth: usize) -> bool {
        if depth > 256 {
            return false; // too deep to tell cheaply: let the full walk decide
        }
        let (or, nr) = (reference(ov), reference(nv));
        if or.is_some() || nr.is_some() {
            return self.refs(od, ov, or, nd, nv, nr, depth);
        }
        match (ov, nv) {
            (Value::Object(a), Value::Object(b)) => {
                if a.len() != b.len() {
                    return false;
                }
                let key = (ov as *const Value as usize, nv as *const Value as usize);
                if let Some(v) = self.memo.objects.get(&key) {
                    return *v;
                }
                let outer = std::mem::replace(&mut self.assumed, false);
                let verdict = a
                    .iter()
                    .all(|(k, x)| b.get(k).is_some_and(|y| self.eq(od, x, nd, y, depth + 1)));
                if !verdict || !self.assumed {
                    self.memo.objects.insert(key, verdict);
                }
                self.assumed |= outer;
                verdict
            }
            (Value::Array(a), Value::Array(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| self.eq(od, x, nd, y, depth + 1))
            }
            _ => ov == nv,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn refs(
        &mut self,
        od: usize,
        ov: &'s Value,
        or: Option<&str>,
        nd: usize,
        nv: &'s Value,
        nr: Option<&str>,
        depth: usize,
    ) -> bool {
        // A reference next to other keywords (3.1 allows it) is compared as written.
        let lone = |v: &Value| v.as_object().is_some_and(|m| m.len() == 1);
        if (or.is_some() && !lone(ov)) || (nr.is_some() && !lone(nv)) {
            return or == nr && ov == nv;
        }
        let (old, new) = (self.old, self.new);
        let target = |src: &'s dyn Source, d: usize, r: Option<&str>, v: &'s Value| match r {
            None => Some((None, v)),
            Some(r) => {
                let loc = src.resolve(d, r)?;
                let v = src.get(&loc)?;
                Some((Some(loc), v))
            }
        };
        let (Some((ol, ov2)), Some((nl, nv2))) = (target(old, od, or, ov), target(new, nd, nr, nv))
        else {
            return false; // a reference that does not resolve: let the full walk report it
        };
        let (od2, nd2) = (
            ol.as_ref().map_or(od, |l| l.doc),
            nl.as_ref().map_or(nd, |l| l.doc),
        );
        let key = match (ol, nl) {
            (Some(a), Some(b)) => (a, b),
            // One side inline: compare without memo (the inline side is visited once per use).
            _ => return self.eq(od2, ov2, nd2, nv2, depth + 1),
        };
        match self.memo.pairs.get(&key) {
            Some(Some(v)) => return *v,
            Some(None) => {
                self.assumed = true;
                return true;
            }
            None => {}
        }
        self.memo.pairs.insert(key.clone(), None);
        let outer = std::mem::replace(&mut self.assumed, false);
        let verdict = self.eq(od2, ov2, nd2, nv2, depth + 1);
        if !verdict {
            self.memo.pairs.insert(key, Some(false)); // a difference never leans on an assumption
        } else if !self.assumed {
            self.memo.pairs.insert(key, Some(true));
        } else {
            self.memo.pairs.remove(&key); // equal only if the cycle is: decide again next time
        }
        self.assumed |= outer;
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::openapi::source::JsonSource;
    use serde_json::json;

    fn src(v: Value) -> JsonSource {
        JsonSource {
            root: v,
            spans: None,
        }
    }

    fn same_at(a: &JsonSource, pa: &str, b: &JsonSource, pb: &str) -> bool {
        let mut memo = SameMemo::default();
        same(
            &mut memo,
            a,
            (0, a.root.pointer(pa).unwrap()),
            b,
            (0, b.root.pointer(pb).unwrap()),
        )
    }

    #[test]
    fn inline_and_component_with_the_same_shape_are_equal() {
        let a = src(json!({"s": {"type": "object", "properties": {"id": {"type": "string"}}}}));
        let b = src(json!({
            "s": {"$ref": "#/components/schemas/T"},
            "components": {"schemas": {"T": {"type": "object", "properties": {"id": {"$ref": "#/components/schemas/Id"}}},
                                        "Id": {"type": "string"}}}
        }));
        assert!(same_at(&a, "/s", &b, "/s"));
    }

    #[test]
    fn a_change_behind_a_reference_is_seen() {
        let a = src(json!({"s": {"$ref": "#/c/T"}, "c": {"T": {"type": "string"}}}));
        let b =
            src(json!({"s": {"$ref": "#/c/T"}, "c": {"T": {"type": "string", "maxLength": 3}}}));
        assert!(!same_at(&a, "/s", &b, "/s"));
    }

    #[test]
    fn recursive_schemas_compare_without_looping_and_changes_inside_cycles_are_seen() {
        let node = |extra: Value| {
            json!({"s": {"$ref": "#/c/Node"}, "c": {"Node": {"type": "object", "properties": {
                "next": {"$ref": "#/c/Node"}, "v": extra}}}})
        };
        let a = src(node(json!({"type": "integer"})));
        let b = src(node(json!({"type": "integer"})));
        let c = src(node(json!({"type": "string"})));
        assert!(same_at(&a, "/s", &b, "/s"));
        assert!(!same_at(&a, "/s", &c, "/s"));
    }

    #[test]
    fn a_verdict_that_leaned_on_a_cycle_is_not_memoized_when_the_cycle_differs() {
        // A → B → A; B is equal only under the assumption that A is; A differs in a sibling.
        let doc = |v: &str| {
            json!({"c": {
                "A": {"properties": {"b": {"$ref": "#/c/B"}, "x": {"type": v}}},
                "B": {"properties": {"a": {"$ref": "#/c/A"}}}
            }})
        };
        let (a, b) = (src(doc("integer")), src(doc("string")));
        let mut memo = SameMemo::default();
        let ra = json!({"$ref": "#/c/A"});
        let rb = json!({"$ref": "#/c/B"});
        assert!(!same(&mut memo, &a, (0, &ra), &b, (0, &ra)));
        // B reaches the changed A, so it must not come out equal from a stale memo.
        assert!(!same(&mut memo, &a, (0, &rb), &b, (0, &rb)));
    }
}
