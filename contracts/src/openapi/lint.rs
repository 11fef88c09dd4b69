//! OpenAPI lint checks: operation ids, path parameters, duplicates, responses, security.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::{escape, OpenApi, Ptr};
use crate::Diagnostic;

/// Every check, in document order.
pub fn lint(api: &OpenApi) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let span = |p: &Ptr| api.span(p);
    let mut ids: HashMap<&str, Ptr> = HashMap::new();
    let mut normalized: BTreeMap<String, String> = BTreeMap::new();
    if let Some(paths) = api.root().get("paths").and_then(Value::as_object) {
        for template in paths.keys() {
            let norm = crate::diff::openapi::normalize_template(template);
            if let Some(first) = normalized.get(&norm) {
                out.push(
                    Diagnostic::error("duplicate-path", format!("`{template}` is the same path as `{first}`"))
                        .with_span(api.docs[0].span(&format!("/paths/{}", escape(template))))
                        .with_related(
                            api.docs[0].span(&format!("/paths/{}", escape(first))).unwrap_or_else(|| api.docs[0].file().span(0, 0)),
                            "first declared here",
                        )
                        .with_hint("templates that differ only in parameter names match the same URLs; merge them"),
                );
            } else {
                normalized.insert(norm, template.clone());
            }
        }
    }
    let schemes: Vec<String> = api
        .root()
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for op in api.operations() {
        if let Some(id) = op.value.get("operationId").and_then(Value::as_str) {
            let here = Ptr {
                doc: op.ptr.doc,
                pointer: format!("{}/operationId", op.ptr.pointer),
            };
            match ids.get(id) {
                Some(first) => out.push(
                    Diagnostic::error(
                        "duplicate-operation-id",
                        format!("operationId `{id}` is used twice"),
                    )
                    .with_span(span(&here))
                    .with_related(
                        span(first).unwrap_or_else(|| api.docs[0].file().span(0, 0)),
                        "first used here",
                    )
                    .with_hint(
                        "operation ids must be unique: generated clients name methods after them",
                    ),
                ),
                None => {
                    ids.insert(id, here);
                }
            }
        }
        parameters(api, &op, &mut out);
        responses(api, &op, &mut out);
        security(api, &op, &schemes, &mut out);
    }
    out
}

fn template_names(template: &str) -> Vec<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
        .collect()
}

fn parameters(api: &OpenApi, op: &super::Operation<'_>, out: &mut Vec<Diagnostic>) {
    let mut declared_path: Vec<String> = Vec::new();
    for base in [&op.path_item, &op.ptr] {
        let list = Ptr {
            doc: base.doc,
            pointer: format!("{}/parameters", base.pointer),
        };
        let n = api.get(&list).and_then(Value::as_array).map_or(0, Vec::len);
        let mut seen: HashMap<(String, String), Ptr> = HashMap::new();
        for i in 0..n {
            let at = Ptr {
                doc: list.doc,
                pointer: format!("{}/{i}", list.pointer),
            };
            let p = api
                .deref(&at)
                .ok()
                .and_then(|t| api.get(&t))
                .unwrap_or(&Value::Null);
            let (Some(loc), Some(name)) = (
                p.get("in").and_then(Value::as_str),
                p.get("name").and_then(Value::as_str),
            ) else {
                continue;
            };
            let key_name = if loc == "header" {
                name.to_ascii_lowercase()
            } else {
                name.to_string()
            };
            let key = (loc.to_string(), key_name);
            if let Some(first) = seen.get(&key) {
                out.push(
                    Diagnostic::error(
                        "duplicate-parameter",
                        format!("{loc} parameter `{name}` is declared twice"),
                    )
                    .with_span(api.span(&at))
                    .with_related(
                        api.span(first)
                            .unwrap_or_else(|| api.docs[0].file().span(0, 0)),
                        "first declared here",
                    )
                    .with_hint("a parameter is identified by `in` and `name`; remove one of them"),
                );
            } else {
                seen.insert(key, at.clone());
            }
            if loc == "path" {
                declared_path.push(name.to_string());
                if !template_names(op.path).iter().any(|n| n == name) {
                    out.push(
                        Diagnostic::error(
                            "path-parameter-not-in-template",
                            format!(
                                "path parameter `{name}` is not in the template `{}`",
                                op.path
                            ),
                        )
                        .with_span(api.span(&at))
                        .with_hint(format!(
                            "add `{{{name}}}` to the path, or declare it in query/header instead"
                        )),
                    );
                }
                if p.get("required") != Some(&Value::Bool(true)) {
                    out.push(
                        Diagnostic::error(
                            "path-parameter-not-required",
                            format!("path parameter `{name}` must be `required: true`"),
                        )
                        .with_span(api.span(&at))
                        .with_hint("path parameters are always required: add `required: true`"),
                    );
                }
            }
        }
    }
    for name in template_names(op.path) {
        if !declared_path.contains(&name) {
            out.push(
                Diagnostic::error(
                    "path-parameter-not-declared",
                    format!("`{{{name}}}` in `{} {}` is not declared as a path parameter", op.method.to_uppercase(), op.path),
                )
                .with_span(api.span(&op.ptr))
                .with_hint(format!("add `- {{name: {name}, in: path, required: true, schema: {{type: string}}}}` to the parameters")),
            );
        }
    }
}

fn responses(api: &OpenApi, op: &super::Operation<'_>, out: &mut Vec<Diagnostic>) {
    let Some(r) = op.value.get("responses") else {
        out.push(
            Diagnostic::warning(
                "missing-responses",
                format!(
                    "`{} {}` declares no responses",
                    op.method.to_uppercase(),
                    op.path
                ),
            )
            .with_span(api.span(&op.ptr))
            .with_hint("add `responses:` with at least the success status"),
        );
        return;
    };
    let Some(m) = r.as_object() else { return };
    for status in m.keys() {
        let ok = status == "default"
            || (status.len() == 3
                && (status.chars().all(|c| c.is_ascii_digit())
                    || (matches!(status.as_bytes()[0], b'1'..=b'5')
                        && status[1..].eq_ignore_ascii_case("XX"))));
        if !ok && !status.starts_with("x-") {
            let at = Ptr {
                doc: op.ptr.doc,
                pointer: format!("{}/responses/{}", op.ptr.pointer, escape(status)),
            };
            out.push(
                Diagnostic::error(
                    "invalid-status-code",
                    format!("`{status}` is not an HTTP status code"),
                )
                .with_span(api.span(&at))
                .with_hint(
                    "use a three-digit status such as `200`, a range such as `2XX`, or `default`",
                ),
            );
        }
    }
}

fn security(
    api: &OpenApi,
    op: &super::Operation<'_>,
    schemes: &[String],
    out: &mut Vec<Diagnostic>,
) {
    let Some(reqs) = op.value.get("security").and_then(Value::as_array) else {
        return;
    };
    for (i, req) in reqs.iter().enumerate() {
        let Some(m) = req.as_object() else { continue };
        for name in m.keys() {
            if !schemes.iter().any(|s| s == name) {
                let at = Ptr {
                    doc: op.ptr.doc,
                    pointer: format!("{}/security/{i}/{}", op.ptr.pointer, escape(name)),
                };
                out.push(
                    Diagnostic::error(
                        "unknown-security-scheme",
                        format!("security scheme `{name}` is not defined"),
                    )
                    .with_span(api.span(&at))
                    .with_hint("define it under `components.securitySchemes`, or fix the name"),
                );
            }
        }
    }
}
