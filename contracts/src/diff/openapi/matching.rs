//! Matching once: paths by normalized template, operations by method, parameters by (in, name)
//! (header names case-insensitive, path parameters by position), request bodies and responses
//! by media type and status. Each matched pair goes to the rules of its level; schemas go to
//! [`super::schema`].

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::schema::{At, Dir, Place};
use super::source::{child, deref, Loc, Source};
use super::{val, Cx};
use crate::diff::Date;

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `/items/{itemId}` → `/items/{}`.
pub fn normalize_template(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut depth = 0;
    for c in t.chars() {
        match c {
            '{' => {
                depth += 1;
                out.push('{');
            }
            '}' => {
                depth -= 1;
                out.push('}');
            }
            _ if depth > 0 => {}
            c => out.push(c),
        }
    }
    let trimmed = out.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.to_string()
    }
}

/// The path items of a document: normalized template → (template, location).
fn paths(s: &dyn Source, key: &str) -> BTreeMap<String, (String, Loc)> {
    let root = Loc::root(0);
    let mut out = BTreeMap::new();
    let Some(ploc) = child(s, &root, key) else {
        return out;
    };
    if let Some(m) = s.get(&ploc).and_then(Value::as_object) {
        for k in m.keys() {
            let norm = if key == "paths" {
                normalize_template(k)
            } else {
                k.clone()
            };
            out.entry(norm)
                .or_insert((k.clone(), deref(s, ploc.child(k))));
        }
    }
    out
}

/// Runs every rule over the two documents.
pub fn run(cx: &mut Cx<'_>) {
    let (os, ns) = (cx.old, cx.new);
    let (op, np) = (paths(os, "paths"), paths(ns, "paths"));
    // Matched paths are independent: large documents are compared on two threads, each with
    // its own cache, and the findings merged (the report is sorted afterwards).
    let matched: Vec<(&String, &Loc, &String, &Loc)> = op
        .iter()
        .filter_map(|(norm, (otpl, oloc))| {
            np.get(norm).map(|(ntpl, nloc)| (otpl, oloc, ntpl, nloc))
        })
        .collect();
    let split = if matched.len() > 64 {
        matched.len() / 2
    } else {
        matched.len()
    };
    let (mine, theirs) = matched.split_at(split);
    let opts = cx.opts;
    let (out, unknown) = std::thread::scope(|scope| {
        let worker = scope.spawn(move || {
            let mut other = Cx::new(os, ns, opts);
            for &(otpl, oloc, ntpl, nloc) in theirs {
                path_pair(&mut other, otpl, oloc, ntpl, nloc);
            }
            (other.out, other.unknown_ids)
        });
        for &(otpl, oloc, ntpl, nloc) in mine {
            path_pair(cx, otpl, oloc, ntpl, nloc);
        }
        match worker.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    cx.out.extend(out);
    cx.unknown_ids.extend(unknown);
    for (norm, (otpl, oloc)) in &op {
        match np.get(norm) {
            Some(_) => {}
            None => {
                for m in METHODS {
                    if let Some(o) = child(os, oloc, m) {
                        removed_operation(
                            cx,
                            &format!("{} {otpl}", m.to_uppercase()),
                            &o,
                            Some(oloc),
                            true,
                        );
                    }
                }
            }
        }
    }
    for (norm, (ntpl, nloc)) in &np {
        if !op.contains_key(norm) {
            for m in METHODS {
                if let Some(n) = child(ns, nloc, m) {
                    cx.finding(
                        "endpoint-added",
                        &format!("{} {ntpl}", m.to_uppercase()),
                        "",
                        None,
                        Some(&n),
                        "the operation was added".into(),
                    );
                }
            }
        }
    }
    webhooks(cx);
    security_schemes(cx);
    global(cx);
}

fn path_pair(cx: &mut Cx<'_>, otpl: &str, oloc: &Loc, ntpl: &str, nloc: &Loc) {
    let (os, ns) = (cx.old, cx.new);
    for m in METHODS {
        let subject = format!("{} {ntpl}", m.to_uppercase());
        match (child(os, oloc, m), child(ns, nloc, m)) {
            (Some(o), Some(n)) => operation(cx, &subject, (otpl, oloc, &o), (ntpl, nloc, &n)),
            (Some(o), None) => removed_operation(
                cx,
                &format!("{} {otpl}", m.to_uppercase()),
                &o,
                Some(nloc),
                false,
            ),
            (None, Some(n)) => cx.finding(
                "endpoint-added",
                &subject,
                "",
                None,
                Some(&n),
                "the operation was added".into(),
            ),
            (None, None) => {}
        }
    }
}

fn sunset(v: &Value) -> Option<Result<Date, String>> {
    let s = v.get("x-sunset")?;
    Some(match s.as_str() {
        Some(t) => t.parse::<Date>(),
        None => Err(format!("`x-sunset` must be a date, found {s}")),
    })
}

/// An operation (or a whole path) was removed: fine after deprecation and its sunset date,
/// breaking otherwise.
fn removed_operation(
    cx: &mut Cx<'_>,
    subject: &str,
    o: &Loc,
    new_parent: Option<&Loc>,
    whole_path: bool,
) {
    let ov = val(cx.old, o);
    let deprecated = ov.get("deprecated") == Some(&Value::Bool(true));
    let stability = ov.get("x-stability-level").and_then(Value::as_str);
    let kind = if whole_path { "api-path" } else { "api" };
    let id = match (deprecated, sunset(ov)) {
        _ if matches!(stability, Some("alpha") | Some("draft")) => {
            format!("{kind}-removed-with-deprecation")
        }
        (true, Some(Ok(d))) if d > cx.opts.today => format!("{kind}-removed-before-sunset"),
        (true, Some(Err(_))) => format!("{kind}-sunset-parse"),
        (true, _) => format!("{kind}-removed-with-deprecation"),
        (false, _) => format!("{kind}-removed-without-deprecation"),
    };
    let id = if id == "api-sunset-parse" {
        "api-deprecated-sunset-parse".to_string()
    } else {
        id
    };
    cx.finding(
        &id,
        subject,
        "",
        Some(o),
        new_parent,
        "the operation was removed".into(),
    );
}

fn operation(cx: &mut Cx<'_>, subject: &str, old: (&str, &Loc, &Loc), new: (&str, &Loc, &Loc)) {
    let (os, ns) = (cx.old, cx.new);
    let (ov, nv) = (val(os, old.2), val(ns, new.2));
    deprecation(cx, subject, old.2, new.2, ov, nv);
    // operationId and tags.
    let oid = ov.get("operationId").and_then(Value::as_str);
    let nid = nv.get("operationId").and_then(Value::as_str);
    match (oid, nid) {
        (Some(a), None) => cx.finding(
            "api-operation-id-removed",
            subject,
            "",
            Some(old.2),
            Some(new.2),
            format!("operationId `{a}` was removed"),
        ),
        (None, Some(b)) => cx.finding(
            "api-operation-id-added",
            subject,
            "",
            Some(old.2),
            Some(new.2),
            format!("operationId `{b}` was added"),
        ),
        (Some(a), Some(b)) if a != b => cx.finding(
            "api-operation-id-removed",
            subject,
            "",
            Some(old.2),
            Some(new.2),
            format!("operationId changed from `{a}` to `{b}`"),
        ),
        _ => {}
    }
    let tags = |v: &Value| -> BTreeSet<String> {
        v.get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (ot, nt) = (tags(ov), tags(nv));
    for t in ot.difference(&nt) {
        cx.finding(
            "api-tag-removed",
            subject,
            "",
            Some(old.2),
            Some(new.2),
            format!("tag `{t}` was removed"),
        );
    }
    for t in nt.difference(&ot) {
        cx.finding(
            "api-tag-added",
            subject,
            "",
            Some(old.2),
            Some(new.2),
            format!("tag `{t}` was added"),
        );
    }
    let first = cx.out.len();
    parameters(cx, subject, old, new);
    request_body(cx, subject, old.2, new.2);
    responses(cx, subject, old.2, new.2);
    security(cx, subject, old.2, new.2);
    // Operations at stability alpha or draft carry no compatibility promise.
    if matches!(
        ov.get("x-stability-level").and_then(Value::as_str),
        Some("alpha" | "draft")
    ) {
        for f in &mut cx.out[first..] {
            if f.level > crate::diff::Level::Safe {
                f.level = crate::diff::Level::Safe;
                f.message
                    .push_str(" (x-stability-level alpha/draft: no compatibility promise)");
            }
        }
    }
}

fn dep(v: &Value) -> bool {
    v.get("deprecated") == Some(&Value::Bool(true))
}

fn deprecation(cx: &mut Cx<'_>, subject: &str, o: &Loc, n: &Loc, ov: &Value, nv: &Value) {
    match (dep(ov), dep(nv)) {
        (false, true) => {
            let id = if nv.get("x-sunset").is_some() {
                "endpoint-deprecated-with-sunset"
            } else {
                "endpoint-deprecated"
            };
            cx.finding(
                id,
                subject,
                "",
                Some(o),
                Some(n),
                "the operation was deprecated".into(),
            );
            deprecation_policy(cx, subject, o, n, nv);
        }
        (true, false) => cx.finding(
            "endpoint-reactivated",
            subject,
            "",
            Some(o),
            Some(n),
            "the operation is no longer deprecated".into(),
        ),
        (true, true) => {
            if matches!(sunset(nv), Some(Err(_))) {
                // reported below
            } else if ov.get("x-sunset").is_some() && nv.get("x-sunset").is_none() {
                cx.finding(
                    "sunset-deleted",
                    subject,
                    "",
                    Some(o),
                    Some(n),
                    "the sunset date was deleted from a deprecated operation".into(),
                );
            } else if let (Some(Ok(a)), Some(Ok(b))) = (sunset(ov), sunset(nv)) {
                if b < a {
                    let days = days_policy(cx, nv);
                    if days.is_some_and(|d| cx.opts.today.days_until(b) < d) {
                        cx.finding(
                            "api-sunset-date-changed-too-small",
                            subject,
                            "",
                            Some(o),
                            Some(n),
                            format!("the sunset date moved earlier, to {b}"),
                        );
                    }
                }
            }
        }
        (false, false) => {}
    }
    let stab = |v: &Value| {
        v.get("x-stability-level")
            .and_then(Value::as_str)
            .map(String::from)
    };
    let rank = |s: &str| match s {
        "draft" => Some(0),
        "alpha" => Some(1),
        "beta" => Some(2),
        "stable" => Some(3),
        _ => None,
    };
    let invalid = [stab(nv), stab(ov)]
        .into_iter()
        .flatten()
        .find(|s| rank(s).is_none());
    if let Some(s) = invalid {
        cx.finding(
            "api-invalid-stability-level",
            subject,
            "",
            Some(o),
            Some(n),
            format!("unknown x-stability-level `{s}`; use draft, alpha, beta or stable"),
        );
    }
    if dep(nv) {
        if let Some(Err(e)) = sunset(nv) {
            cx.finding("api-path-sunset-parse", subject, "", Some(o), Some(n), e);
        }
    }
    if let (Some(a), Some(b)) = (
        stab(ov).and_then(|s| rank(&s)),
        stab(nv).and_then(|s| rank(&s)),
    ) {
        if b < a {
            cx.finding(
                "api-stability-decreased",
                subject,
                "",
                Some(o),
                Some(n),
                "x-stability-level decreased".into(),
            );
        }
    }
}

/// Minimum days between deprecation and sunset, from the policy (`openapi: {deprecation-days:
/// {beta: N, stable: M}}`), by the operation's stability level (stable by default).
fn days_policy(cx: &Cx<'_>, v: &Value) -> Option<i64> {
    let level = v
        .get("x-stability-level")
        .and_then(Value::as_str)
        .unwrap_or("stable");
    cx.opts
        .policy
        .option("openapi", "deprecation-days")?
        .get(level)?
        .as_i64()
}

/// The rule ids of one element kind's sunset checks.
pub(crate) struct SunsetIds {
    pub missing: &'static str,
    pub parse: &'static str,
    pub too_small: &'static str,
}

/// Checks a newly deprecated element's `x-sunset` against the policy's minimum notice, which
/// depends on the stability of `holder` (the operation).
pub(crate) fn sunset_policy(
    cx: &mut Cx<'_>,
    ids: &SunsetIds,
    subject: &str,
    path: &str,
    (o, n): (&Loc, &Loc),
    element: &Value,
    holder: &Value,
) {
    let Some(days) = days_policy(cx, holder) else {
        return;
    };
    match sunset(element) {
        None if days > 0 => cx.finding(ids.missing, subject, path, Some(o), Some(n), format!("deprecated without an `x-sunset` date; the policy requires at least {days} days' notice")),
        Some(Err(e)) => cx.finding(ids.parse, subject, path, Some(o), Some(n), e),
        Some(Ok(d)) if cx.opts.today.days_until(d) < days => cx.finding(ids.too_small, subject, path, Some(o), Some(n), format!("the sunset date {d} is less than {days} days away")),
        _ => {}
    }
}

/// Whether a deprecated element's sunset moved earlier than the policy allows.
pub(crate) fn moved_earlier(cx: &Cx<'_>, old: &Value, new: &Value, holder: &Value) -> bool {
    match (sunset(old), sunset(new), days_policy(cx, holder)) {
        (Some(Ok(a)), Some(Ok(b)), Some(days)) => b < a && cx.opts.today.days_until(b) < days,
        _ => false,
    }
}

fn deprecation_policy(cx: &mut Cx<'_>, subject: &str, o: &Loc, n: &Loc, nv: &Value) {
    let Some(days) = days_policy(cx, nv) else {
        return;
    };
    match sunset(nv) {
        None if days > 0 => cx.finding("api-deprecated-sunset-missing", subject, "", Some(o), Some(n), format!("deprecated without an `x-sunset` date; the policy requires at least {days} days' notice")),
        Some(Err(e)) => cx.finding("api-deprecated-sunset-parse", subject, "", Some(o), Some(n), e),
        Some(Ok(d)) if cx.opts.today.days_until(d) < days => cx.finding("api-sunset-date-too-small", subject, "", Some(o), Some(n), format!("the sunset date {d} is less than {days} days away")),
        _ => {}
    }
}

/// Parameter identity: (in, name), header names case-insensitive, path parameters by position
/// in the template (so `{id}` → `{itemId}` is the same parameter).
fn param_key(template: &str, p: &Value) -> Option<(String, String)> {
    let loc = p.get("in")?.as_str()?.to_string();
    let name = p.get("name")?.as_str()?.to_string();
    let name = match loc.as_str() {
        "header" => name.to_ascii_lowercase(),
        "path" => {
            let pos = template
                .split('{')
                .skip(1)
                .position(|seg| seg.split('}').next() == Some(name.as_str()));
            pos.map_or(name, |i| format!("#{i}"))
        }
        _ => name,
    };
    Some((loc, name))
}

fn collect_params(
    s: &dyn Source,
    template: &str,
    path_item: &Loc,
    op: &Loc,
) -> BTreeMap<(String, String), Loc> {
    let mut out = BTreeMap::new();
    for base in [path_item, op] {
        let Some(list) = child(s, base, "parameters") else {
            continue;
        };
        let n = s.get(&list).and_then(Value::as_array).map_or(0, Vec::len);
        for i in 0..n {
            let l = deref(s, list.index(i));
            if let Some(k) = param_key(template, val(s, &l)) {
                out.insert(k, l); // operation-level entries come second and win
            }
        }
    }
    out
}

fn parameters(cx: &mut Cx<'_>, subject: &str, old: (&str, &Loc, &Loc), new: (&str, &Loc, &Loc)) {
    let (os, ns) = (cx.old, cx.new);
    let a = collect_params(os, old.0, old.1, old.2);
    let b = collect_params(ns, new.0, new.1, new.2);
    for (k, nl) in &b {
        let nv = val(ns, nl);
        let name = nv.get("name").and_then(Value::as_str).unwrap_or_default();
        let path = format!("{} parameter {name}", k.0);
        let required = nv.get("required") == Some(&Value::Bool(true));
        match a.get(k) {
            None => {
                let id = if k.0 == "path" {
                    "new-request-path-parameter"
                } else if required {
                    "new-required-request-parameter"
                } else {
                    "new-optional-request-parameter"
                };
                cx.finding(
                    id,
                    subject,
                    &path,
                    Some(old.2),
                    Some(nl),
                    format!(
                        "{} parameter `{name}` was added",
                        if required { "required" } else { "optional" }
                    ),
                );
            }
            Some(ol) => {
                let ov = val(os, ol);
                let was = ov.get("required") == Some(&Value::Bool(true));
                if was != required {
                    let id = if required {
                        "request-parameter-became-required"
                    } else {
                        "request-parameter-became-optional"
                    };
                    cx.finding(
                        id,
                        subject,
                        &path,
                        Some(ol),
                        Some(nl),
                        format!(
                            "parameter `{name}` became {}",
                            if required { "required" } else { "optional" }
                        ),
                    );
                }
                for (key, id) in [
                    ("style", "request-parameter-style-changed"),
                    ("explode", "request-parameter-explode-changed"),
                ] {
                    if effective(ov, key, &k.0) != effective(nv, key, &k.0) {
                        cx.finding(id, subject, &path, Some(ol), Some(nl), format!("parameter `{name}`'s {key} changed: clients serialize it differently"));
                    }
                }
                let dep = |v: &Value| v.get("deprecated") == Some(&Value::Bool(true));
                match (dep(ov), dep(nv)) {
                    (false, true) => {
                        cx.finding(
                            "request-parameter-deprecated",
                            subject,
                            &path,
                            Some(ol),
                            Some(nl),
                            format!("parameter `{name}` was deprecated"),
                        );
                        let ids = SunsetIds {
                            missing: "request-parameter-deprecated-sunset-missing",
                            parse: "request-parameter-sunset-parse",
                            too_small: "request-parameter-sunset-date-too-small",
                        };
                        sunset_policy(cx, &ids, subject, &path, (ol, nl), nv, val(ns, new.2));
                    }
                    (true, true) if moved_earlier(cx, ov, nv, val(ns, new.2)) => cx.finding(
                        "request-parameter-sunset-date-changed-too-small",
                        subject,
                        &path,
                        Some(ol),
                        Some(nl),
                        format!("the sunset date of parameter `{name}` moved earlier than the policy allows"),
                    ),
                    (true, false) => cx.finding(
                        "request-parameter-reactivated",
                        subject,
                        &path,
                        Some(ol),
                        Some(nl),
                        format!("parameter `{name}` is no longer deprecated"),
                    ),
                    (true, true)
                        if ov.get("x-sunset").is_some() && nv.get("x-sunset").is_none() =>
                    {
                        cx.finding(
                            "request-parameter-sunset-deleted",
                            subject,
                            &path,
                            Some(ol),
                            Some(nl),
                            format!("the sunset date of parameter `{name}` was deleted"),
                        )
                    }
                    _ => {}
                }
                if let (Some(os_), Some(ns_)) = (child(os, ol, "schema"), child(ns, nl, "schema")) {
                    let at = At {
                        dir: Dir::Request,
                        place: Place::Parameter,
                        subject,
                        path: path.clone(),
                        invisible: false,
                        xml: false,
                    };
                    cx.schemas(&os_, &ns_, &at);
                }
            }
        }
    }
    for (k, ol) in &a {
        if b.contains_key(k) {
            continue;
        }
        let ov = val(os, ol);
        let name = ov.get("name").and_then(Value::as_str).unwrap_or_default();
        let path = format!("{} parameter {name}", k.0);
        let deprecated = ov.get("deprecated") == Some(&Value::Bool(true));
        let id = match (deprecated, sunset(ov)) {
            (true, Some(Ok(d))) if d > cx.opts.today => "request-parameter-removed-before-sunset",
            (true, Some(Err(_))) => "request-parameter-sunset-parse",
            (true, _) => "request-parameter-removed-with-deprecation",
            (false, _) => "request-parameter-removed",
        };
        cx.finding(
            id,
            subject,
            &path,
            Some(ol),
            Some(new.2),
            format!("parameter `{name}` was removed"),
        );
    }
}

/// A parameter's style/explode with the OpenAPI defaults filled in.
fn effective(p: &Value, key: &str, location: &str) -> Value {
    if let Some(v) = p.get(key) {
        return v.clone();
    }
    let style = p
        .get("style")
        .and_then(Value::as_str)
        .unwrap_or(match location {
            "query" | "cookie" => "form",
            _ => "simple",
        });
    match key {
        "style" => Value::String(style.to_string()),
        _ => Value::Bool(style == "form"),
    }
}

fn media_types(s: &dyn Source, parent: &Loc) -> BTreeMap<String, Loc> {
    let mut out = BTreeMap::new();
    if let Some(c) = child(s, parent, "content") {
        if let Some(m) = s.get(&c).and_then(Value::as_object) {
            for k in m.keys() {
                out.insert(k.to_ascii_lowercase(), deref(s, c.child(k)));
            }
        }
    }
    out
}

fn request_body(cx: &mut Cx<'_>, subject: &str, o: &Loc, n: &Loc) {
    let (os, ns) = (cx.old, cx.new);
    let (ob, nb) = (child(os, o, "requestBody"), child(ns, n, "requestBody"));
    let req = |s: &dyn Source, l: &Loc| val(s, l).get("required") == Some(&Value::Bool(true));
    match (ob, nb) {
        (None, Some(nb)) => {
            let id = if req(ns, &nb) {
                "request-body-added-required"
            } else {
                "request-body-added-optional"
            };
            cx.finding(
                id,
                subject,
                "request body",
                Some(o),
                Some(&nb),
                "a request body was added".into(),
            );
        }
        (Some(ob), None) => cx.finding(
            "request-body-removed",
            subject,
            "request body",
            Some(&ob),
            Some(n),
            "the request body was removed".into(),
        ),
        (Some(ob), Some(nb)) => {
            match (req(os, &ob), req(ns, &nb)) {
                (false, true) => cx.finding(
                    "request-body-became-required",
                    subject,
                    "request body",
                    Some(&ob),
                    Some(&nb),
                    "the request body became required".into(),
                ),
                (true, false) => cx.finding(
                    "request-body-became-optional",
                    subject,
                    "request body",
                    Some(&ob),
                    Some(&nb),
                    "the request body became optional".into(),
                ),
                _ => {}
            }
            let (am, bm) = (media_types(os, &ob), media_types(ns, &nb));
            for (mt, ml) in &am {
                let path = format!("request body {mt}");
                match bm.get(mt) {
                    None => cx.finding(
                        "request-body-media-type-removed",
                        subject,
                        &path,
                        Some(ml),
                        Some(&nb),
                        format!("media type `{mt}` is no longer accepted"),
                    ),
                    Some(nl) => match (child(os, ml, "schema"), child(ns, nl, "schema")) {
                        (None, Some(s)) => cx.finding(
                            "request-body-media-type-schema-added",
                            subject,
                            &path,
                            Some(ml),
                            Some(&s),
                            "a schema was added".into(),
                        ),
                        (Some(s), None) => cx.finding(
                            "request-body-media-type-schema-removed",
                            subject,
                            &path,
                            Some(&s),
                            Some(nl),
                            "the schema was removed".into(),
                        ),
                        (Some(a), Some(b)) => {
                            let at = At {
                                dir: Dir::Request,
                                place: Place::Body,
                                subject,
                                path,
                                invisible: false,
                                xml: is_xml(mt),
                            };
                            cx.schemas(&a, &b, &at);
                        }
                        (None, None) => {}
                    },
                }
            }
            for (mt, nl) in &bm {
                if !am.contains_key(mt) {
                    cx.finding(
                        "request-body-media-type-added",
                        subject,
                        &format!("request body {mt}"),
                        Some(&ob),
                        Some(nl),
                        format!("media type `{mt}` is now accepted"),
                    );
                }
            }
        }
        (None, None) => {}
    }
}

fn is_xml(media_type: &str) -> bool {
    let mt = media_type.split(';').next().unwrap_or(media_type).trim();
    mt.ends_with("/xml") || mt.ends_with("+xml")
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

fn responses(cx: &mut Cx<'_>, subject: &str, o: &Loc, n: &Loc) {
    let (os, ns) = (cx.old, cx.new);
    let collect = |s: &dyn Source, l: &Loc| -> BTreeMap<String, Loc> {
        let mut out = BTreeMap::new();
        if let Some(r) = child(s, l, "responses") {
            if let Some(m) = s.get(&r).and_then(Value::as_object) {
                for k in m.keys() {
                    out.insert(k.to_ascii_uppercase(), deref(s, r.child(k)));
                }
            }
        }
        out
    };
    let (a, b) = (collect(os, o), collect(ns, n));
    for (status, ol) in &a {
        let path = format!("response {status}");
        let Some(nl) = b.get(status) else {
            let id = if is_success(status) {
                "response-success-status-removed"
            } else {
                "response-non-success-status-removed"
            };
            cx.finding(
                id,
                subject,
                &path,
                Some(ol),
                Some(n),
                format!("response status {status} was removed"),
            );
            continue;
        };
        response(cx, subject, status, ol, nl);
    }
    for (status, nl) in &b {
        if !a.contains_key(status) {
            let id = if is_success(status) {
                "response-success-status-added"
            } else {
                "response-non-success-status-added"
            };
            cx.finding(
                id,
                subject,
                &format!("response {status}"),
                Some(o),
                Some(nl),
                format!("response status {status} was added"),
            );
        }
    }
}

/// `application/*` ⊇ `application/json`; `*/*` ⊇ everything.
fn media_covers(general: &str, specific: &str) -> bool {
    let strip = |m: &str| m.split(';').next().unwrap_or(m).trim().to_string();
    let (g, s) = (strip(general), strip(specific));
    if g == s {
        return false;
    }
    let (gt, gs) = g.split_once('/').unwrap_or((&g, ""));
    let (st, ss) = s.split_once('/').unwrap_or((&s, ""));
    g == "*/*" || (gs == "*" && gt == st) || (gt == st && ss.ends_with(&format!("+{gs}")))
}

fn response(cx: &mut Cx<'_>, subject: &str, status: &str, ol: &Loc, nl: &Loc) {
    let (os, ns) = (cx.old, cx.new);
    let (am, bm) = (media_types(os, ol), media_types(ns, nl));
    let mut unmatched_new: BTreeSet<&String> = bm.keys().filter(|k| !am.contains_key(*k)).collect();
    for (mt, oml) in &am {
        let path = format!("response {status} {mt}");
        match bm.get(mt) {
            None => {
                // A renamed media type: generalized (application/json → application/*) or
                // specialized.
                let renamed = unmatched_new
                    .iter()
                    .copied()
                    .find(|b| media_covers(b, mt) || media_covers(mt, b))
                    .cloned();
                match renamed {
                    Some(b) => {
                        unmatched_new.remove(&b);
                        let id = if media_covers(&b, mt) {
                            "response-media-type-name-generalized"
                        } else {
                            "response-media-type-name-specialized"
                        };
                        cx.finding(
                            id,
                            subject,
                            &path,
                            Some(oml),
                            bm.get(&b),
                            format!("media type `{mt}` became `{b}`"),
                        );
                        if let (Some(a), Some(bs)) = (
                            child(os, oml, "schema"),
                            bm.get(&b).and_then(|l| child(ns, l, "schema")),
                        ) {
                            let at = At {
                                dir: Dir::Response,
                                place: Place::Body,
                                subject,
                                path,
                                invisible: false,
                                xml: is_xml(mt),
                            };
                            cx.schemas(&a, &bs, &at);
                        }
                    }
                    None => cx.finding(
                        "response-media-type-removed",
                        subject,
                        &path,
                        Some(oml),
                        Some(nl),
                        format!("media type `{mt}` is no longer returned"),
                    ),
                }
            }
            Some(nml) => match (child(os, oml, "schema"), child(ns, nml, "schema")) {
                (None, Some(s)) => cx.finding(
                    "response-body-media-type-schema-added",
                    subject,
                    &path,
                    Some(oml),
                    Some(&s),
                    "a schema was added".into(),
                ),
                (Some(s), None) => cx.finding(
                    "response-body-media-type-schema-removed",
                    subject,
                    &path,
                    Some(&s),
                    Some(nml),
                    "the schema was removed".into(),
                ),
                (Some(a), Some(b)) => {
                    let at = At {
                        dir: Dir::Response,
                        place: Place::Body,
                        subject,
                        path,
                        invisible: false,
                        xml: is_xml(mt),
                    };
                    cx.schemas(&a, &b, &at);
                }
                (None, None) => {}
            },
        }
    }
    for mt in unmatched_new {
        cx.finding(
            "response-media-type-added",
            subject,
            &format!("response {status} {mt}"),
            Some(ol),
            bm.get(mt),
            format!("media type `{mt}` may now be returned"),
        );
    }
    headers(cx, subject, status, ol, nl);
}

fn headers(cx: &mut Cx<'_>, subject: &str, status: &str, ol: &Loc, nl: &Loc) {
    let (os, ns) = (cx.old, cx.new);
    let collect = |s: &dyn Source, l: &Loc| -> BTreeMap<String, (String, Loc)> {
        let mut out = BTreeMap::new();
        if let Some(h) = child(s, l, "headers") {
            if let Some(m) = s.get(&h).and_then(Value::as_object) {
                for k in m.keys() {
                    out.insert(k.to_ascii_lowercase(), (k.clone(), deref(s, h.child(k))));
                }
            }
        }
        out
    };
    let (a, b) = (collect(os, ol), collect(ns, nl));
    let req = |s: &dyn Source, l: &Loc| val(s, l).get("required") == Some(&Value::Bool(true));
    for (k, (name, ohl)) in &a {
        let path = format!("response {status} header {name}");
        match b.get(k) {
            None => {
                let id = if req(os, ohl) {
                    "required-response-header-removed"
                } else {
                    "optional-response-header-removed"
                };
                cx.finding(
                    id,
                    subject,
                    &path,
                    Some(ohl),
                    Some(nl),
                    format!("response header `{name}` was removed"),
                );
            }
            Some((_, nhl)) => {
                if req(os, ohl) && !req(ns, nhl) {
                    cx.finding(
                        "response-header-became-optional",
                        subject,
                        &path,
                        Some(ohl),
                        Some(nhl),
                        format!("response header `{name}` became optional"),
                    );
                }
                if let (Some(a), Some(b)) = (child(os, ohl, "schema"), child(ns, nhl, "schema")) {
                    let at = At {
                        dir: Dir::Response,
                        place: Place::Header,
                        subject,
                        path,
                        invisible: false,
                        xml: false,
                    };
                    cx.schemas(&a, &b, &at);
                }
            }
        }
    }
    for (k, (name, nhl)) in &b {
        if !a.contains_key(k) {
            cx.finding(
                "response-header-added",
                subject,
                &format!("response {status} header {name}"),
                Some(ol),
                Some(nhl),
                format!("response header `{name}` was added"),
            );
        }
    }
}

/// Security requirements as a set of alternatives, each a set of `scheme` names with scopes.
type Requirements = BTreeSet<BTreeMap<String, BTreeSet<String>>>;

fn requirements(v: Option<&Value>) -> Option<Requirements> {
    let arr = v?.as_array()?;
    Some(
        arr.iter()
            .filter_map(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let scopes = v
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|s| s.as_str().map(String::from))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (k.clone(), scopes)
                    })
                    .collect()
            })
            .collect(),
    )
}

fn security(cx: &mut Cx<'_>, subject: &str, o: &Loc, n: &Loc) {
    let (os, ns) = (cx.old, cx.new);
    let root = Loc::root(0);
    let effective = |s: &dyn Source, l: &Loc| -> Requirements {
        requirements(val(s, l).get("security"))
            .or_else(|| requirements(val(s, &root).get("security")))
            .unwrap_or_default()
    };
    let (a, b) = (effective(os, o), effective(ns, n));
    if a == b {
        return;
    }
    let open = |r: &Requirements| r.is_empty() || r.iter().any(BTreeMap::is_empty);
    let (ao, bo) = (open(&a), open(&b));
    let sl = val(ns, n).get("security").map(|_| n.child("security"));
    let sl = sl.as_ref().unwrap_or(n);
    if ao && !bo {
        cx.finding(
            "api-security-added",
            subject,
            "security",
            Some(o),
            Some(sl),
            "the operation now requires credentials: clients that send none are rejected".into(),
        );
        return;
    }
    if !ao && bo {
        cx.finding(
            "api-security-removed",
            subject,
            "security",
            Some(o),
            Some(sl),
            "the operation no longer requires credentials".into(),
        );
        return;
    }
    for alt in a.difference(&b) {
        // Same schemes, different scopes?
        if let Some(same) = b.iter().find(|x| x.keys().eq(alt.keys())) {
            for (scheme, scopes) in alt {
                let new_scopes = &same[scheme];
                for s in new_scopes.difference(scopes) {
                    cx.finding("api-security-scope-added", subject, "security", Some(o), Some(sl), format!("scope `{s}` of `{scheme}` is now required: tokens without it are rejected"));
                }
                for s in scopes.difference(new_scopes) {
                    cx.finding(
                        "api-security-scope-removed",
                        subject,
                        "security",
                        Some(o),
                        Some(sl),
                        format!("scope `{s}` of `{scheme}` is no longer required"),
                    );
                }
            }
        } else {
            let names: Vec<&str> = alt.keys().map(String::as_str).collect();
            cx.finding(
                "api-security-requirement-removed",
                subject,
                "security",
                Some(o),
                Some(sl),
                format!(
                    "the security alternative [{}] was removed: clients using it are rejected",
                    names.join(" + ")
                ),
            );
        }
    }
    for alt in b.difference(&a) {
        if a.iter().any(|x| x.keys().eq(alt.keys())) {
            continue; // reported as scope changes
        }
        let names: Vec<&str> = alt.keys().map(String::as_str).collect();
        cx.finding(
            "api-security-requirement-added",
            subject,
            "security",
            Some(o),
            Some(sl),
            format!("the security alternative [{}] was added", names.join(" + ")),
        );
    }
}

fn webhooks(cx: &mut Cx<'_>) {
    let (os, ns) = (cx.old, cx.new);
    let (a, b) = (paths(os, "webhooks"), paths(ns, "webhooks"));
    for (k, (_, l)) in &a {
        if !b.contains_key(k) {
            cx.finding(
                "webhook-removed",
                &format!("webhook {k}"),
                "",
                Some(l),
                None,
                format!("webhook `{k}` was removed"),
            );
        }
    }
    for (k, (_, l)) in &b {
        if !a.contains_key(k) {
            cx.finding(
                "webhook-added",
                &format!("webhook {k}"),
                "",
                None,
                Some(l),
                format!("webhook `{k}` was added"),
            );
        }
    }
}

fn security_schemes(cx: &mut Cx<'_>) {
    let (os, ns) = (cx.old, cx.new);
    let root = Loc::root(0);
    let schemes = |s: &dyn Source| -> BTreeMap<String, Loc> {
        let mut out = BTreeMap::new();
        if let Some(c) = child(s, &root, "components").and_then(|c| child(s, &c, "securitySchemes"))
        {
            if let Some(m) = s.get(&c).and_then(Value::as_object) {
                for k in m.keys() {
                    out.insert(k.clone(), deref(s, c.child(k)));
                }
            }
        }
        out
    };
    let (a, b) = (schemes(os), schemes(ns));
    for (k, ol) in &a {
        let subject = format!("security scheme {k}");
        let Some(nl) = b.get(k) else {
            cx.finding(
                "api-security-component-removed",
                &subject,
                "",
                Some(ol),
                None,
                format!("security scheme `{k}` was removed"),
            );
            continue;
        };
        let (ov, nv) = (val(os, ol), val(ns, nl));
        if ov.get("type") != nv.get("type")
            || ov.get("scheme") != nv.get("scheme")
            || ov.get("in") != nv.get("in")
            || ov.get("name") != nv.get("name")
        {
            cx.finding(
                "api-security-component-type-changed",
                &subject,
                "",
                Some(ol),
                Some(nl),
                format!("security scheme `{k}` changed how credentials are sent"),
            );
        }
        let flows = |v: &Value| {
            v.get("flows")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (fa, fb) = (flows(ov), flows(nv));
        for (flow, fo) in &fa {
            let Some(fnn) = fb.get(flow) else { continue };
            if fo.get("authorizationUrl") != fnn.get("authorizationUrl") {
                cx.finding(
                    "api-security-component-oauth-url-changed",
                    &subject,
                    flow,
                    Some(ol),
                    Some(nl),
                    "the OAuth authorization URL changed".into(),
                );
            }
            if fo.get("tokenUrl") != fnn.get("tokenUrl") {
                cx.finding(
                    "api-security-component-oauth-token-url-changed",
                    &subject,
                    flow,
                    Some(ol),
                    Some(nl),
                    "the OAuth token URL changed".into(),
                );
            }
            let scopes = |v: &Value| -> BTreeMap<String, Value> {
                v.get("scopes")
                    .and_then(Value::as_object)
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default()
            };
            let (sa, sb) = (scopes(fo), scopes(fnn));
            for s in sb.keys().filter(|s| !sa.contains_key(*s)) {
                cx.finding(
                    "api-security-component-oauth-scope-added",
                    &subject,
                    flow,
                    Some(ol),
                    Some(nl),
                    format!("OAuth scope `{s}` was added"),
                );
            }
            for s in sa.keys().filter(|s| !sb.contains_key(*s)) {
                cx.finding(
                    "api-security-component-oauth-scope-removed",
                    &subject,
                    flow,
                    Some(ol),
                    Some(nl),
                    format!("OAuth scope `{s}` was removed"),
                );
            }
        }
    }
    for (k, nl) in &b {
        if !a.contains_key(k) {
            cx.finding(
                "api-security-component-added",
                &format!("security scheme {k}"),
                "",
                None,
                Some(nl),
                format!("security scheme `{k}` was added"),
            );
        }
    }
}

/// Document-level: global security, component schemas, servers.
fn global(cx: &mut Cx<'_>) {
    let (os, ns) = (cx.old, cx.new);
    let root = Loc::root(0);
    let (a, b) = (
        requirements(val(os, &root).get("security")).unwrap_or_default(),
        requirements(val(ns, &root).get("security")).unwrap_or_default(),
    );
    let sl = root.child("security");
    for alt in b.difference(&a) {
        let names: Vec<&str> = alt.keys().map(String::as_str).collect();
        cx.finding(
            "api-global-security-added",
            "security",
            "",
            Some(&root),
            Some(&sl),
            format!("global security [{}] was added", names.join(" + ")),
        );
    }
    for alt in a.difference(&b) {
        let names: Vec<&str> = alt.keys().map(String::as_str).collect();
        cx.finding(
            "api-global-security-removed",
            "security",
            "",
            Some(&sl),
            Some(&root),
            format!("global security [{}] was removed", names.join(" + ")),
        );
    }
    let schemas = |s: &dyn Source| -> BTreeMap<String, Loc> {
        let mut out = BTreeMap::new();
        if let Some(c) = child(s, &root, "components").and_then(|c| child(s, &c, "schemas")) {
            if let Some(m) = s.get(&c).and_then(Value::as_object) {
                for k in m.keys() {
                    out.insert(k.clone(), c.child(k));
                }
            }
        }
        out
    };
    let (sa, sb) = (schemas(os), schemas(ns));
    for (k, l) in &sa {
        if !sb.contains_key(k) {
            cx.finding(
                "api-schema-removed",
                &format!("schema {k}"),
                "",
                Some(l),
                None,
                format!("component schema `{k}` was removed"),
            );
        }
    }
    let servers = |s: &dyn Source| -> BTreeSet<String> {
        val(s, &root)
            .get("servers")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("url")?.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (va, vb) = (servers(os), servers(ns));
    let base = |u: &String| -> String {
        let path = match u.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
            None => u.as_str(),
        };
        path.trim_end_matches('/').to_string()
    };
    let ba: BTreeSet<String> = va.iter().map(base).collect();
    let bb: BTreeSet<String> = vb.iter().map(base).collect();
    if !va.is_empty() && !vb.is_empty() && ba.is_disjoint(&bb) {
        let sl = root.child("servers");
        cx.finding(
            "api-base-path-changed",
            "servers",
            "",
            Some(&sl),
            Some(&sl),
            format!("the base path changed from {ba:?} to {bb:?}: every request URL changes"),
        );
    }
    for u in va.difference(&vb) {
        cx.finding(
            "api-server-removed",
            "servers",
            "",
            Some(&root.child("servers")),
            Some(&root),
            format!("server `{u}` was removed: clients configured with it may fail"),
        );
    }
    for u in vb.difference(&va) {
        cx.finding(
            "api-server-added",
            "servers",
            "",
            Some(&root),
            Some(&root.child("servers")),
            format!("server `{u}` was added"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_normalize() {
        assert_eq!(normalize_template("/items/{id}"), "/items/{}");
        assert_eq!(normalize_template("/items/{itemId}/"), "/items/{}");
        assert_eq!(normalize_template("/"), "/");
        assert!(media_covers("application/*", "application/json"));
        assert!(media_covers("*/*", "text/plain"));
        assert!(!media_covers("application/json", "application/json"));
    }
}
