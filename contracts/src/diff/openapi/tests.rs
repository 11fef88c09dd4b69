//! Engine tests over in-memory documents.

use serde_json::{json, Value};

use super::source::JsonSource;
use super::*;
use crate::diff::{Date, Level, Policy};

pub(crate) fn run(old: Value, new: Value) -> (Vec<Finding>, BTreeSet<String>) {
    let policy = Policy::default();
    let opts = DiffOptions {
        policy: &policy,
        today: Date::from_ymd(2026, 11, 25).expect("a date"),
        graphql_operations: None,
    };
    let (o, n) = (
        JsonSource {
            root: old,
            spans: None,
        },
        JsonSource {
            root: new,
            spans: None,
        },
    );
    let mut cx = Cx::new(&o, &n, &opts);
    matching::run(&mut cx);
    (cx.out, cx.unknown_ids)
}

fn ids(f: &[Finding]) -> Vec<&'static str> {
    let mut v: Vec<_> = f.iter().map(|f| f.rule.id).collect();
    v.sort_unstable();
    v
}

fn api(schema: Value) -> Value {
    json!({
        "openapi": "3.1.0",
        "paths": {"/pokemon/{id}": {"post": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "requestBody": {"content": {"application/json": {"schema": schema.clone()}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
        }}}
    })
}

#[test]
fn the_same_edit_is_judged_by_direction() {
    let old = api(
        json!({"type": "object", "properties": {"name": {"type": "string", "maxLength": 100}}}),
    );
    let new =
        api(json!({"type": "object", "properties": {"name": {"type": "string", "maxLength": 50}}}));
    let (f, unknown) = run(old, new);
    assert!(unknown.is_empty(), "{unknown:?}");
    assert_eq!(
        ids(&f),
        [
            "request-property-max-length-decreased",
            "response-property-max-length-decreased"
        ]
    );
    let req = f.iter().find(|f| f.rule.id.starts_with("request")).unwrap();
    assert_eq!(req.level, Level::Breaking);
    assert_eq!(req.subject, "POST /pokemon/{id}");
    let resp = f
        .iter()
        .find(|f| f.rule.id.starts_with("response"))
        .unwrap();
    assert_eq!(resp.level, Level::Safe);
}

#[test]
fn renamed_path_parameters_and_moved_schemas_are_no_change() {
    let old = json!({"openapi": "3.0.3", "paths": {"/items/{id}": {"get": {
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}}}}}}});
    let new = json!({"openapi": "3.0.3", "paths": {"/items/{itemId}": {"get": {
        "parameters": [{"name": "itemId", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}}}}},
        "components": {"schemas": {"Item": {"type": "object", "properties": {"a": {"type": "string"}}}}}});
    let (f, unknown) = run(old, new);
    assert!(unknown.is_empty(), "{unknown:?}");
    assert!(f.is_empty(), "{:?}", ids(&f));
}

#[test]
fn recursive_schemas_terminate() {
    let doc = |t: &str| {
        json!({"openapi": "3.0.3", "paths": {"/tree": {"get": {"responses": {"200": {"description": "ok",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}}},
        "components": {"schemas": {"Node": {"type": "object", "properties": {
            "value": {"type": t}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}}})
    };
    let (f, _) = run(doc("string"), doc("integer"));
    assert_eq!(ids(&f), ["response-property-type-changed"]);
}

#[test]
fn security_added_to_an_open_operation_is_breaking() {
    let doc = |sec: Value| json!({"openapi": "3.0.3", "paths": {"/a": {"get": {"security": sec, "responses": {"200": {"description": "ok"}}}}}});
    let (f, _) = run(doc(json!([])), doc(json!([{"bearer": []}])));
    assert_eq!(ids(&f), ["api-security-added"]);
    assert_eq!(f[0].level, Level::Breaking);
    let (f, _) = run(
        doc(json!([{"bearer": []}])),
        doc(json!([{"bearer": []}, {"apiKey": []}])),
    );
    assert_eq!(ids(&f), ["api-security-requirement-added"]);
    assert_eq!(f[0].level, Level::Safe);
}

/// One schema change, applied at every place a schema can sit.
struct Case {
    suffix: &'static str,
    old: Value,
    new: Value,
    /// A similar edit that must not fire the rule.
    near_old: Value,
    near_new: Value,
}

fn case(suffix: &'static str, old: Value, new: Value, near_old: Value, near_new: Value) -> Case {
    Case {
        suffix,
        old,
        new,
        near_old,
        near_new,
    }
}

/// The same schema fragment placed at `place`; returns the document.
fn placed(place: &str, frag: &Value) -> Value {
    let obj = |f: &Value| json!({"type": "object", "properties": {"p": f}});
    let op = match place {
        "request-body" => {
            json!({"requestBody": {"content": {"application/json": {"schema": frag}}}, "responses": {"200": {"description": "ok"}}})
        }
        "request-property" => {
            json!({"requestBody": {"content": {"application/json": {"schema": obj(frag)}}}, "responses": {"200": {"description": "ok"}}})
        }
        "request-parameter" => {
            json!({"parameters": [{"name": "q", "in": "query", "schema": frag}], "responses": {"200": {"description": "ok"}}})
        }
        "response-body" => {
            json!({"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": frag}}}}})
        }
        "response-property" => {
            json!({"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": obj(frag)}}}}})
        }
        "response-header" => {
            json!({"responses": {"200": {"description": "ok", "headers": {"X-H": {"schema": frag}}}}})
        }
        _ => unreachable!("unknown place {place}"),
    };
    json!({"openapi": "3.1.0", "paths": {"/r": {"post": op}}})
}

fn cases() -> Vec<Case> {
    let s = |v: Value| v;
    let mut out = Vec::new();
    for (kw, name, upper) in [
        ("maximum", "max", true),
        ("maxLength", "max-length", true),
        ("maxItems", "max-items", true),
        ("maxProperties", "max-properties", true),
        ("minimum", "min", false),
        ("minLength", "min-length", false),
        ("minItems", "min-items", false),
        ("minProperties", "min-properties", false),
        ("exclusiveMaximum", "exclusive-max", true),
        ("exclusiveMinimum", "exclusive-min", false),
    ] {
        let _ = upper;
        let with = |n: u64| json!({ kw: n });
        out.push(case(
            leak(format!("{name}-increased")),
            with(5),
            with(9),
            with(5),
            with(5),
        ));
        out.push(case(
            leak(format!("{name}-decreased")),
            with(9),
            with(5),
            with(5),
            with(9),
        ));
        out.push(case(
            leak(format!("{name}-set")),
            json!({}),
            with(5),
            with(5),
            with(5),
        ));
        if !name.starts_with("exclusive") {
            out.push(case(
                leak(format!("{name}-unset")),
                with(5),
                json!({}),
                json!({}),
                with(5),
            ));
        }
    }
    for (kw, name) in [
        ("maxContains", "max-contains"),
        ("minContains", "min-contains"),
    ] {
        let with = |n: u64| json!({"contains": {"type": "string"}, kw: n});
        out.push(case(
            leak(format!("{name}-increased")),
            with(2),
            with(4),
            with(2),
            with(2),
        ));
        out.push(case(
            leak(format!("{name}-decreased")),
            with(4),
            with(2),
            with(2),
            with(4),
        ));
    }
    let t = |x: &str| json!({"type": x});
    out.extend([
        case(
            "type-changed",
            t("string"),
            t("boolean"),
            t("string"),
            t("string"),
        ),
        case(
            "type-generalized",
            t("integer"),
            t("number"),
            t("number"),
            t("number"),
        ),
        case(
            "type-specialized",
            t("number"),
            t("integer"),
            t("integer"),
            t("number"),
        ),
        case(
            "list-of-types-widened",
            json!({"type": ["string", "integer"]}),
            json!({"type": ["string", "integer", "boolean"]}),
            json!({"type": ["string", "integer", "boolean"]}),
            json!({"type": ["string", "integer"]}),
        ),
        case(
            "list-of-types-narrowed",
            json!({"type": ["string", "integer", "boolean"]}),
            json!({"type": ["string", "integer"]}),
            json!({"type": ["string", "integer"]}),
            json!({"type": ["string", "integer", "boolean"]}),
        ),
        case(
            "became-nullable",
            t("string"),
            json!({"type": ["string", "null"]}),
            json!({"type": ["string", "null"]}),
            t("string"),
        ),
        case(
            "became-not-nullable",
            json!({"type": ["string", "null"]}),
            t("string"),
            t("string"),
            json!({"type": ["string", "null"]}),
        ),
        case(
            "became-enum",
            t("string"),
            json!({"type": "string", "enum": ["a"]}),
            json!({"type": "string", "enum": ["a"]}),
            json!({"type": "string", "enum": ["a", "b"]}),
        ),
        case(
            "enum-value-added",
            json!({"enum": ["a"]}),
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a"]}),
        ),
        case(
            "enum-value-removed",
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a"]}),
            json!({"enum": ["a"]}),
            json!({"enum": ["a", "b"]}),
        ),
        case(
            "x-extensible-enum-value-removed",
            json!({"x-extensible-enum": ["a", "b"]}),
            json!({"x-extensible-enum": ["a"]}),
            json!({"x-extensible-enum": ["a"]}),
            json!({"x-extensible-enum": ["a", "b"]}),
        ),
        case(
            "pattern-added",
            t("string"),
            json!({"pattern": "^a$"}),
            json!({"pattern": "^a$"}),
            t("string"),
        ),
        case(
            "pattern-removed",
            json!({"pattern": "^a$"}),
            t("string"),
            t("string"),
            json!({"pattern": "^a$"}),
        ),
        case(
            "pattern-changed",
            json!({"pattern": "^a$"}),
            json!({"pattern": "^b$"}),
            json!({"pattern": "^b$"}),
            json!({"pattern": ".*"}),
        ),
        case(
            "pattern-generalized",
            json!({"pattern": "^a$"}),
            json!({"pattern": ".*"}),
            json!({"pattern": ".*"}),
            json!({"pattern": "^a$"}),
        ),
        case(
            "default-value-added",
            t("string"),
            json!({"type": "string", "default": "x"}),
            json!({"type": "string", "default": "x"}),
            t("string"),
        ),
        case(
            "default-value-removed",
            json!({"type": "string", "default": "x"}),
            t("string"),
            t("string"),
            json!({"type": "string", "default": "x"}),
        ),
        case(
            "default-value-changed",
            json!({"type": "string", "default": "x"}),
            json!({"type": "string", "default": "y"}),
            json!({"type": "string", "default": "x"}),
            json!({"type": "string", "default": "x"}),
        ),
        case(
            "const-added",
            t("string"),
            json!({"type": "string", "const": "x"}),
            json!({"type": "string", "const": "x"}),
            t("string"),
        ),
        case(
            "const-removed",
            json!({"type": "string", "const": "x"}),
            t("string"),
            t("string"),
            json!({"type": "string", "const": "x"}),
        ),
        case(
            "const-changed",
            json!({"type": "string", "const": "x"}),
            json!({"type": "string", "const": "y"}),
            json!({"type": "string", "const": "x"}),
            json!({"type": "string", "const": "x"}),
        ),
        case(
            "multiple-of-changed",
            json!({"multipleOf": 2}),
            json!({"multipleOf": 3}),
            json!({"multipleOf": 2}),
            json!({"multipleOf": 2}),
        ),
        case(
            "content-media-type-changed",
            json!({"contentMediaType": "image/png"}),
            json!({"contentMediaType": "image/jpeg"}),
            json!({"contentMediaType": "image/png"}),
            json!({"contentMediaType": "image/png"}),
        ),
        case(
            "content-encoding-changed",
            json!({"contentEncoding": "base64"}),
            json!({"contentEncoding": "base32"}),
            json!({"contentEncoding": "base64"}),
            json!({"contentEncoding": "base64"}),
        ),
        case(
            "discriminator-added",
            json!({"oneOf": [{"type": "object"}]}),
            json!({"oneOf": [{"type": "object"}], "discriminator": {"propertyName": "k"}}),
            json!({"discriminator": {"propertyName": "k"}}),
            json!({"discriminator": {"propertyName": "k"}}),
        ),
        case(
            "discriminator-removed",
            json!({"discriminator": {"propertyName": "k"}}),
            json!({}),
            json!({}),
            json!({"discriminator": {"propertyName": "k"}}),
        ),
        case(
            "discriminator-property-name-changed",
            json!({"discriminator": {"propertyName": "k"}}),
            json!({"discriminator": {"propertyName": "j"}}),
            json!({"discriminator": {"propertyName": "k"}}),
            json!({"discriminator": {"propertyName": "k"}}),
        ),
        case(
            "discriminator-mapping-added",
            json!({"discriminator": {"propertyName": "k"}}),
            json!({"discriminator": {"propertyName": "k", "mapping": {"a": "#/x"}}}),
            json!({"discriminator": {"propertyName": "k", "mapping": {"a": "#/x"}}}),
            json!({"discriminator": {"propertyName": "k"}}),
        ),
        case(
            "discriminator-mapping-deleted",
            json!({"discriminator": {"propertyName": "k", "mapping": {"a": "#/x"}}}),
            json!({"discriminator": {"propertyName": "k"}}),
            json!({"discriminator": {"propertyName": "k"}}),
            json!({"discriminator": {"propertyName": "k", "mapping": {"a": "#/x"}}}),
        ),
        case(
            "discriminator-mapping-changed",
            json!({"discriminator": {"propertyName": "k", "mapping": {"a": "#/x"}}}),
            json!({"discriminator": {"propertyName": "k", "mapping": {"a": "#/y"}}}),
            json!({"discriminator": {"propertyName": "k", "mapping": {"a": "#/x"}}}),
            json!({"discriminator": {"propertyName": "k", "mapping": {"a": "#/x"}}}),
        ),
        case(
            "dependent-required-added",
            t("object"),
            json!({"type": "object", "dependentRequired": {"a": ["b"]}}),
            json!({"type": "object", "dependentRequired": {"a": ["b"]}}),
            json!({"type": "object"}),
        ),
        case(
            "dependent-required-removed",
            json!({"type": "object", "dependentRequired": {"a": ["b"]}}),
            t("object"),
            t("object"),
            json!({"type": "object", "dependentRequired": {"a": ["b"]}}),
        ),
        case(
            "dependent-required-changed",
            json!({"type": "object", "dependentRequired": {"a": ["b"]}}),
            json!({"type": "object", "dependentRequired": {"a": ["c"]}}),
            json!({"type": "object", "dependentRequired": {"a": ["b"]}}),
            json!({"type": "object", "dependentRequired": {"a": ["b"]}}),
        ),
        case(
            "wrapped-in-one-of",
            t("string"),
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            t("string"),
            t("string"),
        ),
    ]);
    for (kw, name) in [
        ("allOf", "all-of"),
        ("oneOf", "one-of"),
        ("anyOf", "any-of"),
    ] {
        let one = json!({ kw: [{"type": "object", "properties": {"a": {"type": "string"}}}] });
        let two = json!({ kw: [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]}] });
        out.push(case(
            leak(format!("{name}-added")),
            one.clone(),
            two.clone(),
            two.clone(),
            one.clone(),
        ));
        out.push(case(
            leak(format!("{name}-removed")),
            two.clone(),
            one.clone(),
            one,
            two,
        ));
    }
    out.push(case(
        "all-of-added-annotation-only",
        json!({"allOf": [{"type": "string"}]}),
        json!({"allOf": [{"type": "string"}, {"description": "d"}]}),
        json!({"allOf": [{"type": "string"}, {"description": "d"}]}),
        json!({"allOf": [{"type": "string"}]}),
    ));
    out.push(case(
        "all-of-removed-annotation-only",
        json!({"allOf": [{"type": "string"}, {"description": "d"}]}),
        json!({"allOf": [{"type": "string"}]}),
        json!({"allOf": [{"type": "string"}]}),
        json!({"allOf": [{"type": "string"}, {"description": "d"}]}),
    ));
    for (kw, name, v) in [
        ("if", "if", json!({"type": "string"})),
        ("then", "then", json!({"type": "string"})),
        ("else", "else", json!({"type": "string"})),
        ("contains", "contains", json!({"type": "string"})),
        ("propertyNames", "property-names", json!({"pattern": "^a"})),
        ("unevaluatedItems", "unevaluated-items", json!(false)),
        (
            "unevaluatedProperties",
            "unevaluated-properties",
            json!(false),
        ),
        ("contentSchema", "content-schema", json!({"type": "object"})),
        ("prefixItems", "prefix-items", json!([{"type": "string"}])),
    ] {
        let with = json!({ kw: v });
        out.push(case(
            leak(format!("{name}-added")),
            json!({}),
            with.clone(),
            with.clone(),
            with.clone(),
        ));
        out.push(case(
            leak(format!("{name}-removed")),
            with.clone(),
            json!({}),
            json!({}),
            json!({}),
        ));
    }
    for (kw, name) in [
        ("dependentSchemas", "dependent-schema"),
        ("patternProperties", "pattern-property"),
    ] {
        let with = json!({ kw: {"a": {"type": "string"}} });
        out.push(case(
            leak(format!("{name}-added")),
            json!({}),
            with.clone(),
            with.clone(),
            with.clone(),
        ));
        out.push(case(
            leak(format!("{name}-removed")),
            with.clone(),
            json!({}),
            json!({}),
            json!({}),
        ));
    }
    let _ = s;
    out
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

const PLACES: &[&str] = &[
    "request-body",
    "request-property",
    "request-parameter",
    "response-body",
    "response-property",
    "response-header",
];

/// Every schema rule, at every place, fires on its fixture pair and not on its near miss.
/// Returns the ids covered, for the completeness check below.
fn schema_rule_fixtures() -> BTreeSet<String> {
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for c in cases() {
        for place in PLACES {
            let id = format!("{place}-{}", c.suffix);
            if level(&id).is_none() {
                continue;
            }
            let (f, unknown) = run(placed(place, &c.old), placed(place, &c.new));
            if !unknown.is_empty() {
                failures.push(format!("{id}: emitted unknown ids {unknown:?}"));
            }
            if !f.iter().any(|f| f.rule.id == id) {
                failures.push(format!("{id}: did not fire (got {:?})", ids(&f)));
                continue;
            }
            let (near, _) = run(placed(place, &c.near_old), placed(place, &c.near_new));
            if near.iter().any(|f| f.rule.id == id) {
                failures.push(format!("{id}: fired on its near miss"));
                continue;
            }
            covered.insert(id);
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    covered
}

use super::rules::level;

#[test]
fn every_rule_with_a_fixture_fires_on_it_and_not_on_its_near_miss() {
    let covered = schema_rule_fixtures();
    let uncovered: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !covered.contains(*id))
        .collect();
    println!(
        "{} of {} OpenAPI rules have a generated fixture pair and near miss; {} are covered by the corpus and hand-written tests only",
        covered.len(),
        RULES.len(),
        uncovered.len()
    );
    assert!(
        covered.len() >= 250,
        "only {} rules have fixtures",
        covered.len()
    );
}
