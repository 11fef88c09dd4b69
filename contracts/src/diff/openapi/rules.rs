//! The OpenAPI rule table: ids (oasdiff's where the meaning is the same), default levels, and
//! explanations shared by each family of rules. The rows are generated into `rules_table.rs`.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::diff::{Level, Rule};
use crate::ContractKind;

pub(super) use crate::diff::Level::{Breaking, Dangerous, Safe};

/// Expands the generated rows into [`RULES`].
macro_rules! rules_table {
    ($($id:literal, $level:ident, $summary:literal, $family:ident;)*) => {
        /// Every OpenAPI rule, sorted by id.
        pub static RULES: &[Rule] = &[$(Rule {
            id: $id,
            kind: ContractKind::OpenApi,
            level: $level,
            categories: &[],
            summary: $summary,
            explain: $family,
        },)*];
    };
}
#[allow(unused_imports)] // used by the generated table through `super::*`
pub(super) use rules_table;

#[path = "rules_table.rs"]
mod table;
pub use table::RULES;

/// Rules by id.
pub fn by_id() -> &'static HashMap<&'static str, &'static Rule> {
    static MAP: OnceLock<HashMap<&'static str, &'static Rule>> = OnceLock::new();
    MAP.get_or_init(|| RULES.iter().map(|r| (r.id, r)).collect())
}

/// The level a rule id has by default (for tests and docs).
pub fn level(id: &str) -> Option<Level> {
    by_id().get(id).map(|r| r.level)
}

pub(super) const REQUEST_NARROWED: &str = "\
What it detects: a request accepts less than before: a constraint was added or tightened \
(maximum or maxLength lowered, minimum raised, a pattern or enum added, a type narrowed), a \
value became required, or something clients send was removed.

Why it breaks clients: requests that were valid yesterday are rejected today; clients built \
against the old contract fail at run time with 400 errors.

Example: `maxLength: 100` → `maxLength: 50` on a request property: a client sending a \
60-character name now gets a 400.

How to evolve safely: accept the old values and normalize them server-side; add a new optional \
field or a new operation version for the stricter behaviour; deprecate first, then remove after \
a sunset date announced with `deprecated: true` and `x-sunset`.";

pub(super) const REQUEST_CHANGED: &str = "\
What it detects: a request rule changed in a way that may reject some existing requests: a \
constraint set where there was none, a pattern changed, a parameter removed (servers may reject \
unknown parameters).

Why it breaks clients: whether a given client breaks depends on the values it sends; review the \
traffic before shipping.

Example: a request parameter gets `maxLength: 64` where it had no limit: clients sending longer \
values start failing.

How to evolve safely: check real traffic (the gateway's report mode records what clients send), \
or keep the old rule and tighten in a new version.";

pub(super) const REQUEST_WIDENED: &str = "\
What it detects: a request accepts more than before (a constraint loosened or removed, an \
optional field or parameter added, a type widened) or an annotation changed.

Why it breaks clients: it does not: every request that was valid stays valid. It is listed so \
the changelog is complete.

Example: `maximum: 10` → `maximum: 100` on a request parameter.

How to evolve safely: nothing to do; make sure the server really accepts the wider input.";

pub(super) const RESPONSE_WIDENED: &str = "\
What it detects: a response may now carry what clients did not expect: a property removed or \
made optional or nullable, a type widened, an enum value added, a bound raised, a new oneOf \
variant.

Why it breaks clients: clients parse responses with the old contract in mind: generated models \
fail to deserialize, switch statements over enums hit an unknown case, code reads a property \
that is no longer there.

Example: response property `name` changes from required to optional: a typed client that \
dereferences it crashes on the first response without it.

How to evolve safely: keep returning what was promised; add new fields instead of changing old \
ones; introduce a new version or media type for the new shape; for enums, document that clients \
must tolerate unknown values before adding any.";

pub(super) const RESPONSE_NARROWED: &str = "\
What it detects: a response now promises more than before (a property added or made required, \
a constraint tightened, a type narrowed) or an annotation changed.

Why it breaks clients: it does not: every response a client could receive before it can still \
handle. It is listed so the changelog is complete.

Example: a new optional property `types` appears in a response.

How to evolve safely: nothing to do; clients that validate strictly against closed schemas \
(`additionalProperties: false`) should be regenerated.";

pub(super) const RESPONSES: &str = "\
What it detects: the set of response statuses, media types or headers changed.

Why it breaks clients: a client that handles `200 application/json` breaks when that status or \
media type disappears, or when a header it reads is no longer sent; added statuses and media \
types are safe for clients that handle unknown ones.

Example: `200` → `201` for a create operation: clients checking for 200 treat success as \
failure.

How to evolve safely: keep the old status and media type; add new ones alongside and let \
clients opt in with `Accept`.";

pub(super) const REQUEST_SHAPE: &str = "\
What it detects: the media types or presence of a request body changed.

Why it breaks clients: a removed media type or a newly required body rejects requests that \
were valid; added media types are safe.

Example: `application/xml` removed from a request body's content: XML clients get 415.

How to evolve safely: keep accepting the old media type until its clients have moved.";

pub(super) const SECURITY: &str = "\
What it detects: security requirements of an operation or of the whole API, or the security \
schemes they refer to, changed.

Why it breaks clients: a new requirement (or a newly required scope) rejects clients that send \
no credentials or a token without that scope with 401/403; removed requirements are safe for \
clients but worth a security review.

Example: `security: []` → `security: [{bearerAuth: []}]` on `GET /pokemon/{id}`.

How to evolve safely: announce the requirement, accept both for a transition period (add the new \
requirement as an alternative), then remove the open access.";

pub(super) const LIFECYCLE: &str = "\
What it detects: deprecation, sunset dates and stability levels (`deprecated`, `x-sunset`, \
`x-stability-level`), and removals judged against them.

Why it breaks clients: removing an operation or parameter before its announced sunset date, or \
without deprecating it first, breaks clients that had no warning; removal after the sunset \
date is the agreed end of life. A policy can require a minimum number of days between \
deprecation and sunset (`openapi: {deprecation-days: {stable: 90, beta: 30}}`).

Example: `deprecated: true` with `x-sunset: 2027-01-31`, then the operation removed on \
2026-12-01: breaking (before sunset).

How to evolve safely: deprecate with a sunset date at least the policy's number of days ahead, \
and remove only after it.";

pub(super) const INVENTORY: &str = "\
What it detects: operations, webhooks, tags, operation ids, component schemas or servers \
were added or removed.

Why it breaks clients: removing an operation or webhook breaks every client that calls or \
receives it; operation ids feed generated client method names; a removed server URL breaks \
clients configured with it. Additions are safe.

Example: `DELETE /pokemon/{id}` removed.

How to evolve safely: deprecate first with a sunset date, then remove; keep operation ids \
stable.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_unique_and_levels_follow_direction() {
        for w in RULES.windows(2) {
            assert!(w[0].id < w[1].id, "{} / {}", w[0].id, w[1].id);
        }
        assert!(RULES.len() >= 250, "{} rules", RULES.len());
        assert_eq!(
            level("request-property-max-length-decreased"),
            Some(Level::Breaking)
        );
        assert_eq!(
            level("response-property-max-length-decreased"),
            Some(Level::Safe)
        );
        assert_eq!(
            level("response-property-enum-value-added"),
            Some(Level::Dangerous)
        );
        assert_eq!(
            level("request-property-enum-value-added"),
            Some(Level::Safe)
        );
        assert_eq!(level("api-security-added"), Some(Level::Breaking));
    }
}
