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
