//! GraphQL diff: types matched by name, fields and arguments by name, enum values, union
//! members, interfaces, directive definitions and applied directives; change types and
//! criticality follow graphql-inspector (ids kebab-cased: `FIELD_REMOVED` → `field-removed`),
//! with nullability variance by position (output vs input).

mod rules;
mod usage;

use std::collections::BTreeSet;

use apollo_compiler::ast::Directive;
use apollo_compiler::ast::Type;
use apollo_compiler::schema::{
    Component, EnumType, ExtendedType, FieldDefinition, InputValueDefinition,
};
use apollo_compiler::{Node, Schema};

use super::{DiffOptions, Finding, Level};
use crate::graphql::GraphQlSchema;
use crate::source::Span;

pub use rules::RULES;

struct Cx<'a> {
    old: &'a GraphQlSchema,
    new: &'a GraphQlSchema,
    allow_deprecated_removal: bool,
    out: Vec<Finding>,
}

impl Cx<'_> {
    /// Emits `id` at `path` (graphql-inspector's path: `Type.field.arg`), at the rule's default
    /// level or at `level` when the change's criticality depends on context.
    fn emit(
        &mut self,
        id: &str,
        path: &str,
        level: Option<Level>,
        old: Option<Span>,
        new: Option<Span>,
        message: String,
    ) {
        let Some(rule) = rules::get(id) else { return };
        let (subject, rest) = path.split_once('.').unwrap_or((path, ""));
        let mut f = Finding::new(rule, subject, rest, message).at(old, new);
        if let Some(l) = level {
            f.level = l;
        }
        self.out.push(f);
    }
}

fn os<T>(cx: &Cx<'_>, n: &Node<T>) -> Option<Span> {
    cx.old.span_of(n)
}

fn ns<T>(cx: &Cx<'_>, n: &Node<T>) -> Option<Span> {
    cx.new.span_of(n)
}

/// Compares two schemas.
pub fn diff(old: &GraphQlSchema, new: &GraphQlSchema, opts: &DiffOptions<'_>) -> Vec<Finding> {
    let allow = opts
        .policy
        .option("graphql", "allow-removal-of-deprecated")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let mut cx = Cx {
        old,
        new,
        allow_deprecated_removal: allow,
        out: Vec::new(),
    };
    let (o, n) = (old.schema(), new.schema());
    schema_roots(&mut cx, o, n);
    for (name, ot) in &o.types {
        if ot.is_built_in() {
            continue;
        }
        match n.types.get(name) {
            None => {
                let id = "type-removed";
                cx.emit(
                    id,
                    name,
                    None,
                    type_span(old, ot),
                    None,
                    format!("Type '{name}' was removed"),
                );
            }
            Some(nt) => compare_type(&mut cx, name, ot, nt),
        }
    }
    for (name, nt) in &n.types {
        if !nt.is_built_in() && !o.types.contains_key(name) {
            cx.emit(
                "type-added",
                name,
                None,
                None,
                type_span(new, nt),
                format!("Type '{name}' was added"),
            );
        }
    }
    directive_definitions(&mut cx, o, n);
    if let Some(ops) = &opts.graphql_operations {
        match usage::Usage::collect(o, ops) {
            Ok(u) => u.apply(&mut cx.out),
            Err(d) => {
                // Reported as a finding-free note by the caller is not possible here: keep every
                // change at its default level and say so in the messages.
                for f in &mut cx.out {
                    f.message
                        .push_str(&format!(" (operations not read: {})", d.message));
                }
            }
        }
    }
    cx.out
}

fn type_span(s: &GraphQlSchema, t: &ExtendedType) -> Option<Span> {
    match t {
        ExtendedType::Scalar(x) => s.span_of(x),
        ExtendedType::Object(x) => s.span_of(x),
        ExtendedType::Interface(x) => s.span_of(x),
        ExtendedType::Union(x) => s.span_of(x),
        ExtendedType::Enum(x) => s.span_of(x),
        ExtendedType::InputObject(x) => s.span_of(x),
    }
}

fn kind_name(t: &ExtendedType) -> &'static str {
    match t {
        ExtendedType::Scalar(_) => "ScalarTypeDefinition",
        ExtendedType::Object(_) => "ObjectTypeDefinition",
        ExtendedType::Interface(_) => "InterfaceTypeDefinition",
        ExtendedType::Union(_) => "UnionTypeDefinition",
        ExtendedType::Enum(_) => "EnumTypeDefinition",
        ExtendedType::InputObject(_) => "InputObjectTypeDefinition",
    }
}

fn schema_roots(cx: &mut Cx<'_>, o: &Schema, n: &Schema) {
    let (od, nd) = (&o.schema_definition, &n.schema_definition);
    for (op, id, a, b) in [
        ("query", "schema-query-type-changed", &od.query, &nd.query),
        (
            "mutation",
            "schema-mutation-type-changed",
            &od.mutation,
            &nd.mutation,
        ),
        (
            "subscription",
            "schema-subscription-type-changed",
            &od.subscription,
            &nd.subscription,
        ),
    ] {
        let (a, b) = (
            a.as_ref().map(|c| c.name.as_str()),
            b.as_ref().map(|c| c.name.as_str()),
        );
        if a == b {
            continue;
        }
        let (level, msg) = match (a, b) {
            (None, Some(b)) => (Level::Safe, format!("Schema {op} type was set to '{b}'.")),
            (Some(a), None) => (
                Level::Breaking,
                format!("Schema {op} type '{a}' was removed"),
            ),
            (Some(a), Some(b)) => (
                Level::Breaking,
                format!("Schema {op} root type was changed from '{a}' to '{b}'"),
            ),
            (None, None) => continue,
        };
        cx.emit(id, "schema", Some(level), os(cx, od), ns(cx, nd), msg);
    }
    directive_usages(
        cx,
        "schema",
        "SCHEMA",
        &cdirs(&od.directives),
        &cdirs(&nd.directives),
        os(cx, od),
        ns(cx, nd),
    );
}

fn description_changes(
    cx: &mut Cx<'_>,
    prefix: &str,
    path: &str,
    a: Option<&str>,
    b: Option<&str>,
    spans: (Option<Span>, Option<Span>),
) {
    match (a, b) {
        (None, Some(_)) => cx.emit(
            &format!("{prefix}-description-added"),
            path,
            None,
            spans.0,
            spans.1,
            format!("Description was added to '{path}'"),
        ),
        (Some(_), None) => cx.emit(
            &format!("{prefix}-description-removed"),
            path,
            None,
            spans.0,
            spans.1,
            format!("Description was removed from '{path}'"),
        ),
        (Some(x), Some(y)) if x != y => cx.emit(
            &format!("{prefix}-description-changed"),
            path,
            None,
            spans.0,
            spans.1,
            format!("Description of '{path}' changed"),
        ),
        _ => {}
    }
}

fn compare_type(cx: &mut Cx<'_>, name: &str, ot: &ExtendedType, nt: &ExtendedType) {
    let spans = (type_span(cx.old, ot), type_span(cx.new, nt));
    if std::mem::discriminant(ot) != std::mem::discriminant(nt) {
        let msg = format!(
            "'{name}' kind changed from '{}' to '{}'",
            kind_name(ot),
            kind_name(nt)
        );
        cx.emit("type-kind-changed", name, None, spans.0, spans.1, msg);
        return;
    }
    let desc = |t: &ExtendedType| match t {
        ExtendedType::Scalar(x) => x.description.as_deref().map(str::to_string),
        ExtendedType::Object(x) => x.description.as_deref().map(str::to_string),
        ExtendedType::Interface(x) => x.description.as_deref().map(str::to_string),
        ExtendedType::Union(x) => x.description.as_deref().map(str::to_string),
        ExtendedType::Enum(x) => x.description.as_deref().map(str::to_string),
        ExtendedType::InputObject(x) => x.description.as_deref().map(str::to_string),
    };
    description_changes(
        cx,
        "type",
        name,
        desc(ot).as_deref(),
        desc(nt).as_deref(),
        spans.clone(),
    );
    match (ot, nt) {
        (ExtendedType::Object(a), ExtendedType::Object(b)) => {
            interfaces(
                cx,
                name,
                &a.implements_interfaces,
                &b.implements_interfaces,
                spans.clone(),
            );
            fields(cx, name, &field_list(&a.fields), &field_list(&b.fields));
            directive_usages(
                cx,
                name,
                "OBJECT",
                &cdirs(&a.directives),
                &cdirs(&b.directives),
                spans.0,
                spans.1,
            );
        }
        (ExtendedType::Interface(a), ExtendedType::Interface(b)) => {
            interfaces(
                cx,
                name,
                &a.implements_interfaces,
                &b.implements_interfaces,
                spans.clone(),
            );
            fields(cx, name, &field_list(&a.fields), &field_list(&b.fields));
            directive_usages(
                cx,
                name,
                "INTERFACE",
                &cdirs(&a.directives),
                &cdirs(&b.directives),
                spans.0,
                spans.1,
            );
        }
        (ExtendedType::Union(a), ExtendedType::Union(b)) => {
            for m in a.members.iter().filter(|m| !b.members.contains(*m)) {
                cx.emit(
                    "union-member-removed",
                    name,
                    None,
                    spans.0.clone(),
                    spans.1.clone(),
                    format!("Member '{}' was removed from Union type '{name}'", m.name),
                );
            }
            for m in b.members.iter().filter(|m| !a.members.contains(*m)) {
                cx.emit(
                    "union-member-added",
                    name,
                    None,
                    spans.0.clone(),
                    spans.1.clone(),
                    format!("Member '{}' was added to Union type '{name}'", m.name),
                );
            }
            directive_usages(
                cx,
                name,
                "UNION",
                &cdirs(&a.directives),
                &cdirs(&b.directives),
                spans.0,
                spans.1,
            );
        }
        (ExtendedType::Enum(a), ExtendedType::Enum(b)) => {
            enum_values(cx, name, a, b);
            directive_usages(
                cx,
                name,
                "ENUM",
                &cdirs(&a.directives),
                &cdirs(&b.directives),
                spans.0,
                spans.1,
            );
        }
        (ExtendedType::InputObject(a), ExtendedType::InputObject(b)) => {
            for (f, ov) in &a.fields {
                let path = format!("{name}.{f}");
                match b.fields.get(f) {
                    None => cx.emit(
                        "input-field-removed",
                        &path,
                        None,
                        os(cx, &ov.node),
                        spans.1.clone(),
                        format!("Input field '{path}' was removed"),
                    ),
                    Some(nv) => input_value(cx, "input-field", &path, &ov.node, &nv.node),
                }
            }
            for (f, nv) in &b.fields {
                if !a.fields.contains_key(f) {
                    let path = format!("{name}.{f}");
                    let required = nv.ty.is_non_null() && nv.default_value.is_none();
                    let level = if required {
                        Level::Breaking
                    } else {
                        Level::Safe
                    };
                    cx.emit(
                        "input-field-added",
                        &path,
                        Some(level),
                        spans.0.clone(),
                        ns(cx, &nv.node),
                        format!("Input field '{path}' of type '{}' was added", nv.ty),
                    );
                }
            }
            directive_usages(
                cx,
                name,
                "INPUT_OBJECT",
                &cdirs(&a.directives),
                &cdirs(&b.directives),
                spans.0,
                spans.1,
            );
        }
        (ExtendedType::Scalar(a), ExtendedType::Scalar(b)) => {
            directive_usages(
                cx,
                name,
                "SCALAR",
                &cdirs(&a.directives),
                &cdirs(&b.directives),
                spans.0,
                spans.1,
            );
        }
        _ => {}
    }
}

fn interfaces<'a>(
    cx: &mut Cx<'_>,
    name: &str,
    a: impl IntoIterator<Item = &'a apollo_compiler::schema::ComponentName>,
    b: impl IntoIterator<Item = &'a apollo_compiler::schema::ComponentName>,
    spans: (Option<Span>, Option<Span>),
) {
    let a: BTreeSet<&str> = a.into_iter().map(|c| c.name.as_str()).collect();
    let b: BTreeSet<&str> = b.into_iter().map(|c| c.name.as_str()).collect();
    for i in a.difference(&b) {
        cx.emit(
            "object-type-interface-removed",
            name,
            None,
            spans.0.clone(),
            spans.1.clone(),
            format!("'{name}' object type no longer implements '{i}' interface"),
        );
    }
    for i in b.difference(&a) {
        cx.emit(
            "object-type-interface-added",
            name,
            None,
            spans.0.clone(),
            spans.1.clone(),
            format!("'{name}' object implements '{i}' interface"),
        );
    }
}

type Fields<'a> = Vec<(&'a str, &'a Component<FieldDefinition>)>;

fn field_list<'a>(
    it: impl IntoIterator<Item = (&'a apollo_compiler::Name, &'a Component<FieldDefinition>)>,
) -> Fields<'a> {
    it.into_iter().map(|(k, v)| (k.as_str(), v)).collect()
}

/// The change ids of one element kind's deprecation.
struct DeprecationIds {
    deprecated: &'static str,
    undeprecated: &'static str,
    reason_changed: &'static str,
    /// Ids for a reason added to or removed from a deprecated element; `None`: "changed".
    reason_added: Option<&'static str>,
    reason_removed: Option<&'static str>,
}

const FIELD_DEPRECATION: DeprecationIds = DeprecationIds {
    deprecated: "field-deprecation-added",
    undeprecated: "field-deprecation-removed",
    reason_changed: "field-deprecation-reason-changed",
    reason_added: Some("field-deprecation-reason-added"),
    reason_removed: Some("field-deprecation-reason-removed"),
};

const ENUM_VALUE_DEPRECATION: DeprecationIds = DeprecationIds {
    deprecated: "enum-value-deprecation-reason-added",
    undeprecated: "enum-value-deprecation-reason-removed",
    reason_changed: "enum-value-deprecation-reason-changed",
    reason_added: None,
    reason_removed: None,
};

/// `@deprecated` added, removed, or its reason changed on one element.
fn deprecation_changes(
    cx: &mut Cx<'_>,
    ids: &DeprecationIds,
    noun: &str,
    path: &str,
    (a, b): (&Dirs<'_>, &Dirs<'_>),
    spans: (Option<Span>, Option<Span>),
) {
    let (id, message) = match (is_deprecated(a), is_deprecated(b)) {
        (false, true) => (ids.deprecated, format!("{noun} '{path}' is deprecated")),
        (true, false) => (
            ids.undeprecated,
            format!("{noun} '{path}' is no longer deprecated"),
        ),
        (true, true) => match (deprecation_reason(a), deprecation_reason(b)) {
            (x, y) if x == y => return,
            (None, Some(_)) if ids.reason_added.is_some() => (
                ids.reason_added.unwrap_or(ids.reason_changed),
                format!("{noun} '{path}' has a deprecation reason"),
            ),
            (Some(_), None) if ids.reason_removed.is_some() => (
                ids.reason_removed.unwrap_or(ids.reason_changed),
                format!("Deprecation reason was removed from {noun} '{path}'"),
            ),
            _ => (
                ids.reason_changed,
                format!("Deprecation reason on {noun} '{path}' has changed"),
            ),
        },
        (false, false) => return,
    };
    cx.emit(id, path, None, spans.0, spans.1, message);
}

/// Applied directives, from either of apollo's two list types.
type Dirs<'a> = Vec<&'a Directive>;

fn dirs<'a, D: std::ops::Deref<Target = Directive> + 'a>(
    it: impl IntoIterator<Item = &'a D>,
) -> Dirs<'a> {
    it.into_iter().map(|d| &**d).collect()
}

/// Applied directives of a type or the schema definition (apollo's component lists).
fn cdirs<'a>(it: impl IntoIterator<Item = &'a Component<Directive>>) -> Dirs<'a> {
    it.into_iter().map(|c| &*c.node).collect()
}

fn get<'a>(d: &Dirs<'a>, name: &str) -> Option<&'a Directive> {
    d.iter().copied().find(|x| x.name == name)
}

fn is_deprecated(d: &Dirs<'_>) -> bool {
    get(d, "deprecated").is_some()
}

fn deprecation_reason(d: &Dirs<'_>) -> Option<String> {
    let dep = get(d, "deprecated")?;
    dep.arguments.iter().find(|a| a.name == "reason").map(|a| {
        a.value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| a.value.to_string())
    })
}

fn find<'a>(list: &Fields<'a>, name: &str) -> Option<&'a Component<FieldDefinition>> {
    list.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

fn fields(cx: &mut Cx<'_>, type_name: &str, a: &Fields<'_>, b: &Fields<'_>) {
    for &(f, of) in a {
        let path = format!("{type_name}.{f}");
        let Some(nf) = find(b, f) else {
            let deprecated = is_deprecated(&dirs(&of.directives));
            let id = if deprecated && cx.allow_deprecated_removal {
                "field-removed-after-deprecation"
            } else {
                "field-removed"
            };
            let msg = format!(
                "Field '{f}' {}was removed from object type '{type_name}'",
                if deprecated { "(deprecated) " } else { "" }
            );
            cx.emit(id, &path, None, os(cx, &of.node), None, msg);
            continue;
        };
        let spans = (os(cx, &of.node), ns(cx, &nf.node));
        description_changes(
            cx,
            "field",
            &path,
            of.description.as_deref(),
            nf.description.as_deref(),
            spans.clone(),
        );
        let (da, db) = (dirs(&of.directives), dirs(&nf.directives));
        deprecation_changes(
            cx,
            &FIELD_DEPRECATION,
            "Field",
            &path,
            (&da, &db),
            spans.clone(),
        );
        if of.ty != nf.ty {
            let level = if safe_output(&of.ty, &nf.ty) {
                Level::Safe
            } else {
                Level::Breaking
            };
            cx.emit(
                "field-type-changed",
                &path,
                Some(level),
                spans.0.clone(),
                spans.1.clone(),
                format!(
                    "Field '{path}' changed type from '{}' to '{}'",
                    of.ty, nf.ty
                ),
            );
        }
        for oa in &of.arguments {
            let apath = format!("{path}.{}", oa.name);
            match nf.arguments.iter().find(|x| x.name == oa.name) {
                None => cx.emit(
                    "field-argument-removed",
                    &apath,
                    None,
                    os(cx, oa),
                    spans.1.clone(),
                    format!("Argument '{}' was removed from field '{path}'", oa.name),
                ),
                Some(na) => input_value(cx, "field-argument", &apath, oa, na),
            }
        }
        for na in &nf.arguments {
            if !of.arguments.iter().any(|x| x.name == na.name) {
                let required = na.ty.is_non_null() && na.default_value.is_none();
                let level = if required {
                    Level::Breaking
                } else {
                    Level::Dangerous
                };
                let apath = format!("{path}.{}", na.name);
                cx.emit(
                    "field-argument-added",
                    &apath,
                    Some(level),
                    spans.0.clone(),
                    ns(cx, na),
                    format!("Argument '{}: {}' added to field '{path}'", na.name, na.ty),
                );
            }
        }
        directive_usages(
            cx,
            &path,
            "FIELD_DEFINITION",
            &dirs(&of.directives),
            &dirs(&nf.directives),
            spans.0,
            spans.1,
        );
    }
    for &(f, nf) in b {
        if find(a, f).is_none() {
            let path = format!("{type_name}.{f}");
            cx.emit(
                "field-added",
                &path,
                None,
                None,
                ns(cx, &nf.node),
                format!("Field '{f}' was added to object type '{type_name}'"),
            );
        }
    }
}

/// Arguments and input fields: same name on both sides.
fn input_value(
    cx: &mut Cx<'_>,
    prefix: &str,
    path: &str,
    a: &Node<InputValueDefinition>,
    b: &Node<InputValueDefinition>,
) {
    let spans = (os(cx, a), ns(cx, b));
    description_changes(
        cx,
        prefix,
        path,
        a.description.as_deref(),
        b.description.as_deref(),
        spans.clone(),
    );
    if a.ty != b.ty {
        let level = if safe_input(&a.ty, &b.ty) {
            Level::Safe
        } else {
            Level::Breaking
        };
        cx.emit(
            &format!("{prefix}-type-changed"),
            path,
            Some(level),
            spans.0.clone(),
            spans.1.clone(),
            format!("Type of '{path}' changed from '{}' to '{}'", a.ty, b.ty),
        );
    }
    let (da, db) = (
        a.default_value.as_ref().map(|v| v.to_string()),
        b.default_value.as_ref().map(|v| v.to_string()),
    );
    if da != db {
        let id = if prefix == "input-field" {
            "input-field-default-value-changed"
        } else {
            "field-argument-default-changed"
        };
        cx.emit(
            id,
            path,
            None,
            spans.0.clone(),
            spans.1.clone(),
            format!(
                "Default value of '{path}' changed from '{}' to '{}'",
                da.unwrap_or_default(),
                db.unwrap_or_default()
            ),
        );
    }
    let loc = if prefix == "input-field" {
        "INPUT_FIELD_DEFINITION"
    } else {
        "ARGUMENT_DEFINITION"
    };
    directive_usages(
        cx,
        path,
        loc,
        &dirs(&a.directives),
        &dirs(&b.directives),
        spans.0,
        spans.1,
    );
}

/// An output position may become more specific: add non-null, keep the named type.
pub fn safe_output(old: &Type, new: &Type) -> bool {
    match (old, new) {
        (Type::Named(a), Type::Named(b) | Type::NonNullNamed(b)) => a == b,
        (Type::NonNullNamed(a), Type::NonNullNamed(b)) => a == b,
        (Type::List(a), Type::List(b) | Type::NonNullList(b)) => safe_output(a, b),
        (Type::NonNullList(a), Type::NonNullList(b)) => safe_output(a, b),
        _ => false,
    }
}

/// An input position may become more permissive: drop non-null, keep the named type.
pub fn safe_input(old: &Type, new: &Type) -> bool {
    match (old, new) {
        (Type::Named(a), Type::Named(b)) => a == b,
        (Type::NonNullNamed(a), Type::NonNullNamed(b) | Type::Named(b)) => a == b,
        (Type::List(a), Type::List(b)) => safe_input(a, b),
        (Type::NonNullList(a), Type::NonNullList(b) | Type::List(b)) => safe_input(a, b),
        _ => false,
    }
}

fn enum_values(cx: &mut Cx<'_>, name: &str, a: &EnumType, b: &EnumType) {
    for (v, ov) in &a.values {
        let path = format!("{name}.{v}");
        let Some(nv) = b.values.get(v) else {
            cx.emit(
                "enum-value-removed",
                &path,
                None,
                os(cx, &ov.node),
                None,
                format!("Enum value '{v}' was removed from enum '{name}'"),
            );
            continue;
        };
        let spans = (os(cx, &ov.node), ns(cx, &nv.node));
        description_changes(
            cx,
            "enum-value",
            &path,
            ov.description.as_deref(),
            nv.description.as_deref(),
            spans.clone(),
        );
        let (da, db) = (dirs(&ov.directives), dirs(&nv.directives));
        deprecation_changes(
            cx,
            &ENUM_VALUE_DEPRECATION,
            "Enum value",
            &path,
            (&da, &db),
            spans.clone(),
        );
        directive_usages(
            cx,
            &path,
            "ENUM_VALUE",
            &dirs(&ov.directives),
            &dirs(&nv.directives),
            spans.0,
            spans.1,
        );
    }
    for (v, nv) in &b.values {
        if !a.values.contains_key(v) {
            cx.emit(
                "enum-value-added",
                &format!("{name}.{v}"),
                None,
                None,
                ns(cx, &nv.node),
                format!("Enum value '{v}' was added to enum '{name}'"),
            );
        }
    }
}

/// Applied directives at one place: added, removed, arguments changed.
fn directive_usages(
    cx: &mut Cx<'_>,
    path: &str,
    location: &str,
    a: &Dirs<'_>,
    b: &Dirs<'_>,
    os: Option<Span>,
    ns: Option<Span>,
) {
    let names = |d: &Dirs<'_>| {
        d.iter()
            .map(|x| x.name.to_string())
            .collect::<BTreeSet<_>>()
    };
    let (na, nb) = (names(a), names(b));
    let loc = match location {
        "UNION" => "union-member".to_string(),
        other => other.to_ascii_lowercase().replace('_', "-"),
    };
    let level_added = |d: &str| match d {
        "deprecated" => Level::Safe,
        "oneOf" => Level::Breaking,
        _ => Level::Dangerous,
    };
    for d in nb.difference(&na) {
        let id = format!("directive-usage-{loc}-added");
        cx.emit(
            &id,
            &format!("{path}.@{d}"),
            Some(level_added(d)),
            os.clone(),
            ns.clone(),
            format!("Directive '{d}' was added to '{path}'"),
        );
    }
    for d in na.difference(&nb) {
        let id = format!("directive-usage-{loc}-removed");
        let level = if d == "deprecated" {
            Level::Safe
        } else {
            Level::Dangerous
        };
        cx.emit(
            &id,
            &format!("{path}.@{d}"),
            Some(level),
            os.clone(),
            ns.clone(),
            format!("Directive '{d}' was removed from '{path}'"),
        );
    }
    for d in na.intersection(&nb) {
        if d == "deprecated" {
            continue; // deprecation reasons have their own change types
        }
        let (Some(x), Some(y)) = (get(a, d), get(b, d)) else {
            continue;
        };
        for arg in &x.arguments {
            match y.arguments.iter().find(|g| g.name == arg.name) {
                None => cx.emit(
                    "directive-usage-argument-removed",
                    &format!("{path}.@{d}.{}", arg.name),
                    None,
                    os.clone(),
                    ns.clone(),
                    format!(
                        "Argument '{}' was removed from directive '{d}' on '{path}'",
                        arg.name
                    ),
                ),
                Some(g) if g.value != arg.value => cx.emit(
                    "directive-usage-argument-added",
                    &format!("{path}.@{d}.{}", arg.name),
                    Some(Level::Dangerous),
                    os.clone(),
                    ns.clone(),
                    format!(
                        "Argument '{}' of directive '{d}' on '{path}' changed",
                        arg.name
                    ),
                ),
                _ => {}
            }
        }
        for arg in y
            .arguments
            .iter()
            .filter(|g| !x.arguments.iter().any(|a| a.name == g.name))
        {
            cx.emit(
                "directive-usage-argument-added",
                &format!("{path}.@{d}.{}", arg.name),
                None,
                os.clone(),
                ns.clone(),
                format!(
                    "Argument '{}' was added to directive '{d}' on '{path}'",
                    arg.name
                ),
            );
        }
    }
}

fn directive_definitions(cx: &mut Cx<'_>, o: &Schema, n: &Schema) {
    for (name, od) in &o.directive_definitions {
        if od.is_built_in() {
            continue;
        }
        let path = format!("@{name}");
        let Some(nd) = n.directive_definitions.get(name) else {
            cx.emit(
                "directive-removed",
                &path,
                None,
                os(cx, od),
                None,
                format!("Directive '{name}' was removed"),
            );
            continue;
        };
        let spans = (os(cx, od), ns(cx, nd));
        description_changes(
            cx,
            "directive",
            &path,
            od.description.as_deref(),
            nd.description.as_deref(),
            spans.clone(),
        );
        let locs = |d: &apollo_compiler::schema::DirectiveDefinition| {
            d.locations
                .iter()
                .map(|l| l.name().to_string())
                .collect::<BTreeSet<_>>()
        };
        let (la, lb) = (locs(od), locs(nd));
        for l in la.difference(&lb) {
            cx.emit(
                "directive-location-removed",
                &path,
                None,
                spans.0.clone(),
                spans.1.clone(),
                format!("Location '{l}' was removed from directive '{name}'"),
            );
        }
        for l in lb.difference(&la) {
            cx.emit(
                "directive-location-added",
                &path,
                None,
                spans.0.clone(),
                spans.1.clone(),
                format!("Location '{l}' was added to directive '{name}'"),
            );
        }
        match (od.repeatable, nd.repeatable) {
            (true, false) => cx.emit(
                "directive-repeatable-removed",
                &path,
                None,
                spans.0.clone(),
                spans.1.clone(),
                format!("Repeatable flag was removed from directive '{name}'"),
            ),
            (false, true) => cx.emit(
                "directive-repeatable-added",
                &path,
                None,
                spans.0.clone(),
                spans.1.clone(),
                format!("Directive '{name}' became repeatable"),
            ),
            _ => {}
        }
        for oa in &od.arguments {
            let apath = format!("{path}.{}", oa.name);
            match nd.arguments.iter().find(|x| x.name == oa.name) {
                None => cx.emit(
                    "directive-argument-removed",
                    &apath,
                    None,
                    os(cx, oa),
                    spans.1.clone(),
                    format!("Argument '{}' was removed from directive '{name}'", oa.name),
                ),
                Some(na) => {
                    let s2 = (os(cx, oa), ns(cx, na));
                    description_changes(
                        cx,
                        "directive-argument",
                        &apath,
                        oa.description.as_deref(),
                        na.description.as_deref(),
                        s2.clone(),
                    );
                    if oa.ty != na.ty {
                        let level = if safe_input(&oa.ty, &na.ty) {
                            Level::Safe
                        } else {
                            Level::Breaking
                        };
                        cx.emit(
                            "directive-argument-type-changed",
                            &apath,
                            Some(level),
                            s2.0.clone(),
                            s2.1.clone(),
                            format!("Type of '{apath}' changed from '{}' to '{}'", oa.ty, na.ty),
                        );
                    }
                    if oa.default_value.as_ref().map(|v| v.to_string())
                        != na.default_value.as_ref().map(|v| v.to_string())
                    {
                        cx.emit(
                            "directive-argument-default-value-changed",
                            &apath,
                            None,
                            s2.0,
                            s2.1,
                            format!("Default value of '{apath}' changed"),
                        );
                    }
                }
            }
        }
        for na in &nd.arguments {
            if !od.arguments.iter().any(|x| x.name == na.name) {
                let required = na.ty.is_non_null() && na.default_value.is_none();
                let level = if required {
                    Level::Breaking
                } else {
                    Level::Safe
                };
                cx.emit(
                    "directive-argument-added",
                    &format!("{path}.{}", na.name),
                    Some(level),
                    spans.0.clone(),
                    ns(cx, na),
                    format!("Argument '{}' was added to directive '{name}'", na.name),
                );
            }
        }
    }
    for (name, nd) in &n.directive_definitions {
        if !nd.is_built_in() && !o.directive_definitions.contains_key(name) {
            cx.emit(
                "directive-added",
                &format!("@{name}"),
                None,
                None,
                ns(cx, nd),
                format!("Directive '{name}' was added"),
            );
        }
    }
}
