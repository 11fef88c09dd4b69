#!/usr/bin/env python3
"""Writes contracts/src/diff/openapi/rules_table.rs: the OpenAPI rule ids the engine emits.

Ids shared with oasdiff keep oasdiff's default level (ERR = breaking, WARN = dangerous,
INFO = safe) unless OVERRIDES says otherwise; ids of our own are listed in OWN. The oasdiff
table (../shared/corpus/openapi-diff/oasdiff-rules.tsv) is read only by this script.
Run: python3 xtask/data/gen_openapi_rules.py ../shared/corpus/openapi-diff/oasdiff-rules.tsv
"""
import itertools, sys

LEVEL = {"ERR": "Breaking", "WARN": "Dangerous", "INFO": "Safe"}
PREFIXES = ["request-body", "request-property", "request-parameter", "request-parameter-property",
            "request-header-property", "response-body", "response-property", "response-header",
            "request-read-only-property"]
BOUNDS = ["max", "max-length", "max-items", "max-properties", "max-contains", "min", "min-length",
          "min-items", "min-properties", "min-contains", "exclusive-max", "exclusive-min"]
SUFFIXES = (
    [f"{b}-{c}" for b in BOUNDS for c in ["increased", "decreased", "set", "unset"]]
    + ["type-changed", "type-generalized", "type-specialized", "list-of-types-widened",
       "list-of-types-narrowed", "became-nullable", "became-not-nullable", "became-enum",
       "enum-value-removed", "enum-value-added", "x-extensible-enum-value-removed",
       "pattern-added", "pattern-removed", "pattern-changed", "pattern-generalized",
       "default-value-added", "default-value-removed", "default-value-changed",
       "const-added", "const-removed", "const-changed", "wrapped-in-one-of",
       "multiple-of-changed", "discriminator-added", "discriminator-removed",
       "discriminator-property-name-changed", "discriminator-mapping-added",
       "discriminator-mapping-changed", "discriminator-mapping-deleted",
       "dependent-required-added", "dependent-required-removed", "dependent-required-changed",
       "content-media-type-changed", "content-encoding-changed"]
    + [f"{k}-{c}" for k in ["all-of", "one-of", "any-of"] for c in ["added", "removed"]]
    + [f"all-of-{c}-annotation-only" for c in ["added", "removed"]]
    + [f"{k}-{c}" for k in ["if", "then", "else", "contains", "property-names", "unevaluated-items",
                            "unevaluated-properties", "content-schema", "prefix-items",
                            "dependent-schema", "pattern-property"] for c in ["added", "removed"]]
)
LITERALS = """
new-required-request-property-with-default new-required-request-property new-optional-request-property
response-required-write-only-property-added response-required-property-added
response-optional-write-only-property-added response-optional-property-added
request-required-property-became-read-only request-property-became-required-with-default
request-property-became-required request-property-became-optional
response-write-only-property-became-optional response-property-became-optional
response-write-only-property-became-required response-property-became-required
request-property-removed response-required-write-only-property-removed response-required-property-removed
response-optional-write-only-property-removed response-optional-property-removed
request-property-deprecated response-property-deprecated
request-property-deprecated-with-sunset response-property-deprecated-with-sunset
request-property-deprecated-sunset-invalid response-property-deprecated-sunset-invalid
request-property-deprecated-sunset-missing response-property-deprecated-sunset-missing
request-property-reactivated response-property-reactivated
request-property-sunset-date-too-small response-property-sunset-date-too-small
request-body-type-compatible request-property-type-compatible response-body-type-compatible response-property-type-compatible
request-parameter-deprecated-sunset-missing request-parameter-sunset-date-too-small request-parameter-sunset-date-changed-too-small
response-write-only-property-enum-value-added
endpoint-added api-removed-with-deprecation api-removed-before-sunset api-removed-without-deprecation
api-path-removed-with-deprecation api-path-removed-before-sunset api-path-removed-without-deprecation
api-path-sunset-parse api-deprecated-sunset-parse api-deprecated-sunset-missing api-sunset-date-too-small
api-operation-id-removed api-operation-id-added api-tag-removed api-tag-added
endpoint-deprecated endpoint-deprecated-with-sunset endpoint-reactivated sunset-deleted
api-sunset-date-changed-too-small api-invalid-stability-level api-stability-decreased
new-request-path-parameter new-required-request-parameter new-optional-request-parameter
request-parameter-became-required request-parameter-became-optional
request-parameter-deprecated request-parameter-reactivated request-parameter-sunset-deleted
request-parameter-removed-before-sunset request-parameter-sunset-parse
request-parameter-removed-with-deprecation request-parameter-removed
request-body-added-required request-body-added-optional request-body-removed
request-body-became-required request-body-became-optional request-body-media-type-removed
request-body-media-type-schema-added request-body-media-type-schema-removed request-body-media-type-added
response-success-status-removed response-non-success-status-removed response-success-status-added
response-non-success-status-added response-media-type-name-generalized response-media-type-name-specialized
response-media-type-removed response-body-media-type-schema-added response-body-media-type-schema-removed
response-media-type-added required-response-header-removed optional-response-header-removed
response-header-became-optional response-header-added
api-security-added api-security-removed api-security-scope-added api-security-scope-removed
webhook-removed webhook-added api-security-component-removed api-security-component-type-changed
api-security-component-oauth-url-changed api-security-component-oauth-token-url-changed
api-security-component-oauth-scope-added api-security-component-oauth-scope-removed
api-security-component-added api-global-security-added api-global-security-removed api-schema-removed
""".split()
for ro in ["read-only", "write-only"]:
    for d in ["request", "response"]:
        for r in ["required", "optional"]:
            for b in ["became", "became-not"]:
                LITERALS.append(f"{d}-{r}-property-{b}-{ro}")

# Ids of our own (no oasdiff equivalent), with level and summary.
OWN = {
    "request-parameter-style-changed": ("Breaking", "a parameter's serialization style changed"),
    "request-parameter-explode-changed": ("Breaking", "a parameter's explode setting changed"),
    "api-security-requirement-removed": ("Breaking", "one of an operation's security alternatives was removed"),
    "api-security-requirement-added": ("Safe", "a new security alternative was added to an operation"),
    "api-server-removed": ("Safe", "a server URL was removed (the base path is unchanged)"),
    "api-base-path-changed": ("Breaking", "no server keeps the old base path"),
    "api-server-added": ("Safe", "a server URL was added"),
}
# Where our default differs from oasdiff's, and why (see `contract explain`).
OVERRIDES = {
    # Adding a requirement to an open operation rejects clients that send no credentials.
    "api-security-added": "Breaking",
    # A token lacking the newly required scope is rejected.
    "api-security-scope-added": "Breaking",
}

TIGHTEN = ("-decreased", "-set")
def symmetric_level(prefix, sfx):
    """Default level of a schema change oasdiff has no id for, from the direction of data flow."""
    req = prefix.startswith("request")
    bound = any(sfx.startswith(b + "-") for b in BOUNDS)
    if bound:
        upper = sfx.startswith(("max", "exclusive-max"))
        if sfx.endswith("-set"):
            narrower = True
        elif sfx.endswith("-unset"):
            narrower = False
        else:
            narrower = sfx.endswith("-decreased") == upper
        return ("Breaking" if narrower else "Safe") if req else ("Safe" if narrower else "Breaking")
    narrowing = ["became-enum", "enum-value-removed", "pattern-added", "type-specialized",
                 "list-of-types-narrowed", "became-not-nullable", "const-added", "const-changed",
                 "x-extensible-enum-value-removed", "all-of-added", "one-of-removed", "any-of-removed",
                 "if-added", "then-added", "else-added", "contains-added", "property-names-added",
                 "unevaluated-items-added", "unevaluated-properties-added", "content-schema-added",
                 "prefix-items-removed", "dependent-required-added", "dependent-schema-added",
                 "pattern-property-added"]
    widening = ["enum-value-added", "pattern-removed", "pattern-generalized", "type-generalized",
                "list-of-types-widened", "became-nullable", "const-removed", "one-of-added",
                "any-of-added", "all-of-removed", "if-removed", "then-removed", "else-removed",
                "contains-removed", "property-names-removed", "unevaluated-items-removed",
                "unevaluated-properties-removed", "content-schema-removed", "prefix-items-added",
                "dependent-required-removed", "dependent-schema-removed", "pattern-property-removed"]
    both = ["type-changed", "pattern-changed", "dependent-required-changed", "content-media-type-changed",
            "content-encoding-changed", "multiple-of-changed", "wrapped-in-one-of"]
    if sfx.startswith("pattern-") and not req:
        return "Safe"  # clients do not enforce regexes on what they receive (as oasdiff)
    if sfx in both:
        return "Breaking" if sfx != "pattern-changed" else "Dangerous"
    if sfx == "enum-value-added" and not req:
        return "Dangerous"
    if sfx in narrowing:
        return "Breaking" if req else "Safe"
    if sfx in widening:
        return "Safe" if req else "Breaking"
    if sfx.startswith("default-value"):
        return "Dangerous" if req and sfx.endswith("changed") else "Safe"
    return "Safe"

# Places where every schema change gets an id (oasdiff's where it has one).
SYMMETRIC = ["request-body", "request-property", "request-parameter", "response-body",
             "response-property", "response-header"]

def family(rid, direction, level):
    """Which explanation text applies."""
    if rid.startswith(("api-security", "api-global-security")):
        return "SECURITY"
    if any(k in rid for k in ["deprecat", "sunset", "reactivated", "stability"]):
        return "LIFECYCLE"
    if rid.startswith(("endpoint-", "api-path", "api-removed", "webhook", "api-tag", "api-operation-id",
                       "api-schema", "api-server")):
        return "INVENTORY"
    if "status" in rid or "media-type" in rid:
        return "RESPONSES" if rid.startswith("response") else "REQUEST_SHAPE"
    if "header" in rid and rid.startswith(("response", "required-response", "optional-response")):
        return "RESPONSES"
    if rid.startswith("request") or rid.startswith("new-"):
        return "REQUEST_NARROWED" if level == "Breaking" else ("REQUEST_CHANGED" if level == "Dangerous" else "REQUEST_WIDENED")
    return "RESPONSE_WIDENED" if level in ("Breaking", "Dangerous") else "RESPONSE_NARROWED"

def main(tsv):
    table = {}
    for line in open(tsv, encoding="utf-8").read().splitlines()[1:]:
        cols = line.split("\t")
        table[cols[0]] = (LEVEL[cols[1]], cols[2], cols[3], cols[4], cols[5])
    cand = set(LITERALS) | {f"{p}-{s}" for p, s in itertools.product(PREFIXES, SUFFIXES)}
    rows = []
    for rid in sorted(cand):
        if rid in table:
            level = OVERRIDES.get(rid, table[rid][0])
            summary = describe(rid)
            rows.append((rid, level, summary))
        elif rid in OWN:
            rows.append((rid, OWN[rid][0], OWN[rid][1]))
    have = {r[0] for r in rows}
    for p, sfx in itertools.product(SYMMETRIC, SUFFIXES):
        rid = f"{p}-{sfx}"
        if rid not in have:
            rows.append((rid, symmetric_level(p, sfx), describe(rid)))
            have.add(rid)
    for rid, (lvl, summ) in OWN.items():
        if rid not in {r[0] for r in rows}:
            rows.append((rid, lvl, summ))
    rows.sort()
    out = ["//! Generated by `xtask/data/gen_openapi_rules.py` from oasdiff's rule table (ids and",
           "//! default levels) plus our own ids; edit the script, not this file.", "",
           "use super::*;", "", "rules_table! {"]
    for rid, level, summary in rows:
        fam = family(rid, None, level)
        out.append(f'    "{rid}", {level}, "{summary}", {fam};')
    out.append("}")
    open("contracts/src/diff/openapi/rules_table.rs", "w").write("\n".join(out) + "\n")
    print(f"{len(rows)} rules")

def describe(rid):
    words = rid.replace("-", " ")
    return words[0].upper() + words[1:] if words else words

if __name__ == "__main__":
    main(sys.argv[1])
