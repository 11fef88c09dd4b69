//! Protobuf diff: buf's breaking-change rules (ids spelled as buf spells them). Files match by
//! name, messages/enums/services by full name within their file, fields and enum values by
//! number, methods and oneofs by name. This version implements buf's default FILE category.

mod rules;

use std::collections::{BTreeMap, BTreeSet};

use prost_reflect::{
    Cardinality, EnumDescriptor, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor,
};

use super::{DiffOptions, Finding};
use crate::proto::ProtoContract;
use crate::source::Span;

pub use rules::RULES;

/// The old and new spans of an element pair, looked up on first use: a lookup parses the file
/// again (the pool keeps no source info), so only elements that are reported pay for it.
struct Spans<'a> {
    lookup: Box<dyn Fn() -> (Option<Span>, Option<Span>) + 'a>,
    cell: std::cell::OnceCell<(Option<Span>, Option<Span>)>,
}

impl<'a> Spans<'a> {
    fn lazy(lookup: impl Fn() -> (Option<Span>, Option<Span>) + 'a) -> Self {
        Spans {
            lookup: Box::new(lookup),
            cell: std::cell::OnceCell::new(),
        }
    }

    fn get(&self) -> &(Option<Span>, Option<Span>) {
        self.cell.get_or_init(|| (self.lookup)())
    }

    /// The span in OLD.
    fn before(&self) -> Option<Span> {
        self.get().0.clone()
    }

    /// The span in NEW.
    fn after(&self) -> Option<Span> {
        self.get().1.clone()
    }
}

struct Cx<'a> {
    old: &'a ProtoContract,
    new: &'a ProtoContract,
    out: Vec<Finding>,
}

impl Cx<'_> {
    fn emit(
        &mut self,
        id: &str,
        subject: &str,
        path: &str,
        old: Option<Span>,
        new: Option<Span>,
        message: String,
    ) {
        debug_assert!(rules::get(id).is_some(), "rule {id} is not registered");
        if let Some(rule) = rules::get(id) {
            self.out
                .push(Finding::new(rule, subject, path, message).at(old, new));
        }
    }
}

/// Compares two protobuf contracts.
pub fn diff(old: &ProtoContract, new: &ProtoContract, opts: &DiffOptions<'_>) -> Vec<Finding> {
    let mut cx = Cx {
        old,
        new,
        out: Vec::new(),
    };
    let new_files: BTreeMap<String, FileDescriptor> =
        new.own_files().map(|f| (f.name().to_string(), f)).collect();
    for of in old.own_files() {
        match new_files.get(of.name()) {
            // Left out of NEW (protobuf editions): not deleted, just not comparable; the load
            // warning says so.
            None if new.is_left_out(of.name()) => {}
            None => {
                let span = old.span_of_file(&of);
                cx.emit(
                    "FILE_NO_DELETE",
                    of.name(),
                    "",
                    span,
                    None,
                    format!("Previously present file \"{}\" was deleted.", of.name()),
                );
            }
            Some(nf) => file(&mut cx, &of, nf),
        }
    }
    // Messages that moved to another file are still compared, as buf compares them: the same
    // element (by full name), elsewhere.
    for of in old.own_files() {
        let mut msgs = BTreeMap::new();
        for m in of.messages() {
            collect_messages(&m, &mut msgs);
        }
        for (full, m) in &msgs {
            let moved = new
                .pool()
                .get_message_by_name(full)
                .filter(|x| new.is_own(x.parent_file().name()))
                .filter(|x| x.parent_file().name() != of.name());
            if let Some(nm) = moved {
                message(&mut cx, m, &nm);
            }
        }
    }
    packages(&mut cx);
    let (selected, except) = selection(opts);
    cx.out.retain(|f| {
        let hit = |s: &String| f.rule.id == s || f.rule.categories.contains(&s.as_str());
        selected.iter().any(hit) && !except.iter().any(hit)
    });
    cx.out
}

/// The categories or rule ids the policy selects (`proto: {use: [...], except: [...]}`;
/// `contract diff --category` sets `use`). Default: buf's FILE category.
fn selection(opts: &DiffOptions<'_>) -> (Vec<String>, Vec<String>) {
    let list = |key: &str| -> Option<Vec<String>> {
        let v = opts.policy.option("proto", key)?;
        Some(
            v.as_array()?
                .iter()
                .filter_map(|x| x.as_str())
                .map(|x| x.to_ascii_uppercase().replace('-', "_"))
                .collect(),
        )
    };
    (
        list("use").unwrap_or_else(|| vec!["FILE".into()]),
        list("except").unwrap_or_default(),
    )
}

/// Per package: the full names of its messages, enums, services and extensions.
type PackageSets = BTreeMap<String, [BTreeSet<String>; 4]>;

fn package_sets(c: &ProtoContract) -> PackageSets {
    let mut out: PackageSets = BTreeMap::new();
    for f in c.own_files() {
        let e = out.entry(f.package_name().to_string()).or_default();
        let mut msgs = BTreeMap::new();
        for m in f.messages() {
            collect_messages_and_entries(&m, &mut msgs);
        }
        for m in msgs.values() {
            e[0].insert(m.full_name().to_string());
            e[1].extend(m.child_enums().map(|x| x.full_name().to_string()));
            e[3].extend(m.child_extensions().map(|x| x.full_name().to_string()));
        }
        e[1].extend(f.enums().map(|x| x.full_name().to_string()));
        e[2].extend(f.services().map(|x| x.full_name().to_string()));
        e[3].extend(f.extensions().map(|x| x.full_name().to_string()));
    }
    out
}

/// PACKAGE-level deletions: elements compared across all files of a package.
fn packages(cx: &mut Cx<'_>) {
    let (a, b) = (package_sets(cx.old), package_sets(cx.new));
    let o = cx.old;
    for (pkg, sets) in &a {
        let Some(now) = b.get(pkg) else {
            let msg = format!("Previously present package \"{pkg}\" was deleted.");
            cx.emit("PACKAGE_NO_DELETE", pkg, "", None, None, msg);
            continue;
        };
        let kinds = [
            ("PACKAGE_MESSAGE_NO_DELETE", "message"),
            ("PACKAGE_ENUM_NO_DELETE", "enum"),
            ("PACKAGE_SERVICE_NO_DELETE", "service"),
            ("PACKAGE_EXTENSION_NO_DELETE", "extension"),
        ];
        for (i, (id, what)) in kinds.iter().enumerate() {
            for gone in sets[i].difference(&now[i]) {
                let p = o.pool();
                let span = match i {
                    0 => p
                        .get_message_by_name(gone)
                        .and_then(|m| o.span_of_message(&m)),
                    1 => p.get_enum_by_name(gone).and_then(|e| o.span_of_enum(&e)),
                    2 => p
                        .get_service_by_name(gone)
                        .and_then(|s| o.span_of_service(&s)),
                    _ => p
                        .get_extension_by_name(gone)
                        .and_then(|x| o.span_of_extension(&x)),
                };
                let msg = format!(
                    "Previously present {what} \"{gone}\" was deleted from package \"{pkg}\"."
                );
                cx.emit(id, gone, "", span, None, msg);
            }
        }
    }
}

fn file(cx: &mut Cx<'_>, of: &FileDescriptor, nf: &FileDescriptor) {
    let (o, n) = (cx.old, cx.new);
    let name = of.name().to_string();
    if of.package_name() != nf.package_name() {
        cx.emit(
            "FILE_SAME_PACKAGE",
            &name,
            "package",
            o.span_of_package(of),
            n.span_of_package(nf),
            format!(
                "File package changed from \"{}\" to \"{}\".",
                of.package_name(),
                nf.package_name()
            ),
        );
    }
    let syntax = |c: &ProtoContract, f: &FileDescriptor| match c.edition(f.name()) {
        Some(_) => "editions".to_string(),
        None => f
            .file_descriptor_proto()
            .syntax
            .clone()
            .unwrap_or_else(|| "proto2".into()),
    };
    if syntax(cx.old, of) != syntax(cx.new, nf) {
        cx.emit(
            "FILE_SAME_SYNTAX",
            &name,
            "syntax",
            o.span_of_file(of),
            n.span_of_file(nf),
            format!(
                "File syntax changed from \"{}\" to \"{}\".",
                syntax(cx.old, of),
                syntax(cx.new, nf)
            ),
        );
    }
    file_options(cx, &name, of, nf);
    // Messages (nested and map entries included) by full name, within this file.
    let msgs = |f: &FileDescriptor| {
        let mut out = BTreeMap::new();
        for m in f.messages() {
            collect_messages_and_entries(&m, &mut out);
        }
        out
    };
    let (om, nm) = (msgs(of), msgs(nf));
    for (full, m) in &om {
        match nm.get(full) {
            None => {
                // A message that moved to another file is compared once, by `diff`.
                // Report at the surviving parent (the file, or the parent message).
                let parent_new = m
                    .parent_message()
                    .and_then(|p| nm.get(p.full_name()))
                    .and_then(|p| n.span_of_message(p));
                cx.emit(
                    "MESSAGE_NO_DELETE",
                    full,
                    "",
                    o.span_of_message(m),
                    parent_new.or_else(|| n.span_of_file(nf)),
                    format!(
                        "Previously present message \"{}\" was deleted from file.",
                        m.name()
                    ),
                );
            }
            // A map entry is compared through its map field.
            Some(nm_) if !m.is_map_entry() => message(cx, m, nm_),
            Some(_) => {}
        }
    }
    // Enums by full name.
    let enums = |f: &FileDescriptor| {
        let mut out: BTreeMap<String, EnumDescriptor> =
            f.enums().map(|e| (e.full_name().to_string(), e)).collect();
        for m in f.messages() {
            let mut all = BTreeMap::new();
            collect_messages(&m, &mut all);
            for mm in all.values() {
                for e in mm.child_enums() {
                    out.insert(e.full_name().to_string(), e);
                }
            }
        }
        out
    };
    let (oe, ne) = (enums(of), enums(nf));
    for (full, e) in &oe {
        match ne.get(full) {
            None => {
                // An enum that moved to another file is still compared, as buf compares it.
                let moved = n
                    .pool()
                    .get_enum_by_name(full)
                    .filter(|x| n.is_own(x.parent_file().name()));
                if let Some(moved) = moved {
                    enumeration(cx, e, &moved);
                }
                cx.emit(
                    "ENUM_NO_DELETE",
                    full,
                    "",
                    o.span_of_enum(e),
                    n.span_of_file(nf),
                    format!(
                        "Previously present enum \"{}\" was deleted from file.",
                        e.name()
                    ),
                )
            }
            Some(ne_) => enumeration(cx, e, ne_),
        }
    }
    // Services and methods.
    let svcs: BTreeMap<String, _> = nf
        .services()
        .map(|s| (s.full_name().to_string(), s))
        .collect();
    for s in of.services() {
        let full = s.full_name().to_string();
        let Some(ns_) = svcs.get(&full) else {
            cx.emit(
                "SERVICE_NO_DELETE",
                &full,
                "",
                o.span_of_service(&s),
                n.span_of_file(nf),
                format!(
                    "Previously present service \"{}\" was deleted from file.",
                    s.name()
                ),
            );
            continue;
        };
        for m in s.methods() {
            let path = m.name().to_string();
            let Some(nm_) = ns_.methods().find(|x| x.name() == m.name()) else {
                cx.emit(
                    "RPC_NO_DELETE",
                    &full,
                    &path,
                    o.span_of_method(&m),
                    n.span_of_service(ns_),
                    format!(
                        "Previously present RPC \"{}\" on service \"{}\" was deleted.",
                        m.name(),
                        s.name()
                    ),
                );
                continue;
            };
            let spans = Spans::lazy(|| (o.span_of_method(&m), n.span_of_method(&nm_)));
            let checks = [
                (
                    "RPC_SAME_REQUEST_TYPE",
                    m.input().full_name() != nm_.input().full_name(),
                    format!(
                        "RPC \"{}\" request type changed from \"{}\" to \"{}\".",
                        m.name(),
                        m.input().full_name(),
                        nm_.input().full_name()
                    ),
                ),
                (
                    "RPC_SAME_RESPONSE_TYPE",
                    m.output().full_name() != nm_.output().full_name(),
                    format!(
                        "RPC \"{}\" response type changed from \"{}\" to \"{}\".",
                        m.name(),
                        m.output().full_name(),
                        nm_.output().full_name()
                    ),
                ),
                (
                    "RPC_SAME_CLIENT_STREAMING",
                    m.is_client_streaming() != nm_.is_client_streaming(),
                    format!("RPC \"{}\" client streaming changed.", m.name()),
                ),
                (
                    "RPC_SAME_SERVER_STREAMING",
                    m.is_server_streaming() != nm_.is_server_streaming(),
                    format!("RPC \"{}\" server streaming changed.", m.name()),
                ),
                (
                    "RPC_SAME_IDEMPOTENCY_LEVEL",
                    idempotency(&m) != idempotency(&nm_),
                    format!("RPC \"{}\" idempotency level changed.", m.name()),
                ),
            ];
            for (id, changed, msg) in checks {
                if changed {
                    cx.emit(id, &full, &path, spans.before(), spans.after(), msg);
                }
            }
        }
    }
    // Extensions (file-level and nested) by extendee and number.
    let exts = |f: &FileDescriptor| {
        let mut all: Vec<prost_reflect::ExtensionDescriptor> = f.extensions().collect();
        let mut msgs = BTreeMap::new();
        for m in f.messages() {
            collect_messages(&m, &mut msgs);
        }
        for m in msgs.values() {
            all.extend(m.child_extensions());
        }
        all.into_iter()
            .map(|e| {
                (
                    (e.containing_message().full_name().to_string(), e.number()),
                    e,
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    let (xa, xb) = (exts(of), exts(nf));
    // As buf does: an extension is deleted when its full name is gone from the file (moving it
    // into a message renames it); fields compare by extendee and number.
    let names: BTreeSet<String> = xb.values().map(|e| e.full_name().to_string()).collect();
    for (key, e) in &xa {
        if !names.contains(e.full_name()) {
            cx.emit(
                "EXTENSION_NO_DELETE",
                e.full_name(),
                "",
                o.span_of_extension(e),
                n.span_of_file(nf),
                format!(
                    "Previously present extension \"{}\" was deleted from file.",
                    e.name()
                ),
            );
        }
        // An extension that moved to another file is still the same field (buf compares it):
        // the extendee in NEW knows its extensions by number.
        let found = xb.get(key).cloned().or_else(|| {
            n.pool()
                .get_message_by_name(&key.0)?
                .get_extension(key.1)
                .filter(|x| n.is_own(x.parent_file().name()))
        });
        if let Some(ne) = &found {
            let spans = Spans::lazy(|| (o.span_of_extension(e), n.span_of_extension(ne)));
            let path = format!("extension {}", e.number());
            field(cx, &key.0, &path, e, ne, spans);
        }
    }
}

fn idempotency(m: &prost_reflect::MethodDescriptor) -> i32 {
    m.method_descriptor_proto()
        .options
        .as_ref()
        .and_then(|o| o.idempotency_level)
        .unwrap_or(0)
}

/// The JSON format feature of a message or enum: proto3 allows JSON, proto2 supports it on a
/// best-effort basis; an editions element says which in its resolved `json_format`.
fn json_format(c: &ProtoContract, f: &FileDescriptor, full_name: &str) -> String {
    if let Some(ft) = c.features(f.name(), full_name) {
        return ft.json_format.clone();
    }
    if f.file_descriptor_proto().syntax() == "proto3" {
        "ALLOW".into()
    } else {
        "LEGACY_BEST_EFFORT".into()
    }
}

fn collect_messages(m: &MessageDescriptor, out: &mut BTreeMap<String, MessageDescriptor>) {
    if m.is_map_entry() {
        return;
    }
    out.insert(m.full_name().to_string(), m.clone());
    for c in m.child_messages() {
        collect_messages(&c, out);
    }
}

/// [`collect_messages`] with map entries: buf counts a map entry that disappears (its map field
/// became another type) as a deleted message.
fn collect_messages_and_entries(
    m: &MessageDescriptor,
    out: &mut BTreeMap<String, MessageDescriptor>,
) {
    out.insert(m.full_name().to_string(), m.clone());
    for c in m.child_messages() {
        collect_messages_and_entries(&c, out);
    }
}

fn file_options(cx: &mut Cx<'_>, name: &str, of: &FileDescriptor, nf: &FileDescriptor) {
    let (a, b) = (
        of.file_descriptor_proto()
            .options
            .clone()
            .unwrap_or_default(),
        nf.file_descriptor_proto()
            .options
            .clone()
            .unwrap_or_default(),
    );
    // Spans are looked up only for a change: each lookup parses the file again.
    let mut spans = None;
    let checks: Vec<(&str, &str, String, String)> = vec![
        (
            "FILE_SAME_GO_PACKAGE",
            "go_package",
            a.go_package().into(),
            b.go_package().into(),
        ),
        (
            "FILE_SAME_JAVA_PACKAGE",
            "java_package",
            a.java_package().into(),
            b.java_package().into(),
        ),
        (
            "FILE_SAME_JAVA_OUTER_CLASSNAME",
            "java_outer_classname",
            a.java_outer_classname().into(),
            b.java_outer_classname().into(),
        ),
        (
            "FILE_SAME_JAVA_MULTIPLE_FILES",
            "java_multiple_files",
            a.java_multiple_files().to_string(),
            b.java_multiple_files().to_string(),
        ),
        (
            "FILE_SAME_CSHARP_NAMESPACE",
            "csharp_namespace",
            a.csharp_namespace().into(),
            b.csharp_namespace().into(),
        ),
        (
            "FILE_SAME_OBJC_CLASS_PREFIX",
            "objc_class_prefix",
            a.objc_class_prefix().into(),
            b.objc_class_prefix().into(),
        ),
        (
            "FILE_SAME_PHP_NAMESPACE",
            "php_namespace",
            a.php_namespace().into(),
            b.php_namespace().into(),
        ),
        (
            "FILE_SAME_PHP_CLASS_PREFIX",
            "php_class_prefix",
            a.php_class_prefix().into(),
            b.php_class_prefix().into(),
        ),
        (
            "FILE_SAME_PHP_METADATA_NAMESPACE",
            "php_metadata_namespace",
            a.php_metadata_namespace().into(),
            b.php_metadata_namespace().into(),
        ),
        (
            "FILE_SAME_RUBY_PACKAGE",
            "ruby_package",
            a.ruby_package().into(),
            b.ruby_package().into(),
        ),
        (
            "FILE_SAME_SWIFT_PREFIX",
            "swift_prefix",
            a.swift_prefix().into(),
            b.swift_prefix().into(),
        ),
        (
            "FILE_SAME_OPTIMIZE_FOR",
            "optimize_for",
            format!("{:?}", a.optimize_for()),
            format!("{:?}", b.optimize_for()),
        ),
        (
            "FILE_SAME_CC_ENABLE_ARENAS",
            "cc_enable_arenas",
            a.cc_enable_arenas().to_string(),
            b.cc_enable_arenas().to_string(),
        ),
        (
            "FILE_SAME_CC_GENERIC_SERVICES",
            "cc_generic_services",
            a.cc_generic_services().to_string(),
            b.cc_generic_services().to_string(),
        ),
        (
            "FILE_SAME_JAVA_GENERIC_SERVICES",
            "java_generic_services",
            a.java_generic_services().to_string(),
            b.java_generic_services().to_string(),
        ),
        (
            "FILE_SAME_PY_GENERIC_SERVICES",
            "py_generic_services",
            a.py_generic_services().to_string(),
            b.py_generic_services().to_string(),
        ),
    ];
    for (id, option, x, y) in checks {
        if x != y {
            let (o, n) = spans
                .get_or_insert_with(|| (cx.old.span_of_file(of), cx.new.span_of_file(nf)))
                .clone();
            cx.emit(
                id,
                name,
                option,
                o,
                n,
                format!("File option \"{option}\" changed from \"{x}\" to \"{y}\"."),
            );
        }
    }
}

fn message(cx: &mut Cx<'_>, om: &MessageDescriptor, nm: &MessageDescriptor) {
    let (o, n) = (cx.old, cx.new);
    let full = om.full_name().to_string();
    let (mo, mn) = (
        om.descriptor_proto().options.clone().unwrap_or_default(),
        nm.descriptor_proto().options.clone().unwrap_or_default(),
    );
    let spans = Spans::lazy(|| (o.span_of_message(om), n.span_of_message(nm)));
    let json =
        |c: &ProtoContract, m: &MessageDescriptor| json_format(c, &m.parent_file(), m.full_name());
    if json(o, om) != json(n, nm) {
        cx.emit(
            "MESSAGE_SAME_JSON_FORMAT",
            &full,
            "",
            spans.before(),
            spans.after(),
            format!(
                "Message \"{}\" JSON format support changed from {} to {}.",
                om.name(),
                json(o, om),
                json(n, nm)
            ),
        );
    }
    if mo.message_set_wire_format() != mn.message_set_wire_format() {
        cx.emit(
            "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
            &full,
            "",
            spans.before(),
            spans.after(),
            format!("Message \"{}\" message_set_wire_format changed.", om.name()),
        );
    }
    if !mo.no_standard_descriptor_accessor() && mn.no_standard_descriptor_accessor() {
        cx.emit(
            "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
            &full,
            "",
            spans.before(),
            spans.after(),
            format!(
                "Message \"{}\" no_standard_descriptor_accessor changed from false to true.",
                om.name()
            ),
        );
    }
    let required = |m: &MessageDescriptor| {
        m.fields()
            .filter(|f| f.cardinality() == Cardinality::Required)
            .map(|f| f.number())
            .collect::<BTreeSet<_>>()
    };
    if required(om) != required(nm) {
        cx.emit(
            "MESSAGE_SAME_REQUIRED_FIELDS",
            &full,
            "",
            spans.before(),
            spans.after(),
            format!("Message \"{}\" required fields changed.", om.name()),
        );
    }
    // Fields by number.
    for of in om.fields() {
        let path = format!("field {}", of.number());
        let Some(nf) = nm.get_field(of.number()) else {
            let msg = format!(
                "Previously present field \"{}\" with name \"{}\" on message \"{}\" was deleted.",
                of.number(),
                of.name(),
                om.name()
            );
            let at = o.span_of_field(&of);
            cx.emit(
                "FIELD_NO_DELETE",
                &full,
                &path,
                at.clone(),
                spans.after(),
                msg.clone(),
            );
            let p = nm.descriptor_proto();
            let number = i32::try_from(of.number()).unwrap_or(i32::MAX);
            if !p
                .reserved_range
                .iter()
                .any(|r| r.start() <= number && number < r.end())
            {
                let m = format!("{msg} Reserve its number to allow the deletion.");
                cx.emit(
                    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
                    &full,
                    &path,
                    at.clone(),
                    spans.after(),
                    m,
                );
            }
            if !p.reserved_name.iter().any(|n| n == of.name()) {
                let m = format!("{msg} Reserve its name to allow the deletion.");
                cx.emit(
                    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
                    &full,
                    &path,
                    at,
                    spans.after(),
                    m,
                );
            }
            continue;
        };
        let spans = Spans::lazy(|| (o.span_of_field(&of), n.span_of_field(&nf)));
        field(cx, &full, &path, &of, &nf, spans);
    }
    // Oneofs by name (synthetic proto3-optional oneofs excluded).
    let oneofs = |m: &MessageDescriptor| {
        m.oneofs()
            .filter(|x| !x.is_synthetic())
            .map(|x| x.name().to_string())
            .collect::<BTreeSet<_>>()
    };
    let now = oneofs(nm);
    for x in om.oneofs().filter(|x| !x.is_synthetic()) {
        if !now.contains(x.name()) {
            cx.emit(
                "ONEOF_NO_DELETE",
                &full,
                x.name(),
                o.span_of_oneof(&x),
                spans.after(),
                format!(
                    "Previously present oneof \"{}\" on message \"{}\" was deleted.",
                    x.name(),
                    om.name()
                ),
            );
        }
    }
    // Reserved ranges and names must stay.
    let reserved = |m: &MessageDescriptor| {
        let p = m.descriptor_proto();
        let ranges: BTreeSet<(i32, i32)> = p
            .reserved_range
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect();
        let names: BTreeSet<String> = p.reserved_name.iter().cloned().collect();
        (ranges, names)
    };
    let ((ra, na), (rb, nb)) = (reserved(om), reserved(nm));
    if !ra.is_subset(&rb) || !na.is_subset(&nb) {
        cx.emit(
            "RESERVED_MESSAGE_NO_DELETE",
            &full,
            "reserved",
            spans.before(),
            spans.after(),
            format!(
                "Previously present reserved range or name on message \"{}\" was deleted.",
                om.name()
            ),
        );
    }
    let ext_ranges = |m: &MessageDescriptor| {
        m.descriptor_proto()
            .extension_range
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect::<BTreeSet<_>>()
    };
    if !ext_ranges(om).is_subset(&ext_ranges(nm)) {
        cx.emit(
            "EXTENSION_MESSAGE_NO_DELETE",
            &full,
            "extensions",
            spans.before(),
            spans.after(),
            format!(
                "Previously present extension range on message \"{}\" was deleted.",
                om.name()
            ),
        );
    }
}

/// What the field checks read, for message fields and extensions alike.
trait FieldLike {
    fn name(&self) -> &str;
    fn number(&self) -> u32;
    fn json_name(&self) -> &str;
    fn kind(&self) -> Kind;
    fn cardinality(&self) -> Cardinality;
    fn supports_presence(&self) -> bool;
    fn is_map(&self) -> bool;
    fn proto(&self) -> &prost_types::FieldDescriptorProto;
    fn file(&self) -> FileDescriptor;
    fn oneof(&self) -> Option<String>;
    /// What buf compares for FIELD_SAME_NAME: the name of a field, the full name of an
    /// extension (JSON names do not apply to extensions).
    fn compared_name(&self) -> String;
    fn is_extension(&self) -> bool;
    fn full_name(&self) -> String;
}

macro_rules! field_like {
    ($t:ty, $oneof:expr, $ext:expr) => {
        impl FieldLike for $t {
            fn compared_name(&self) -> String {
                if $ext {
                    self.full_name().to_string()
                } else {
                    <$t>::name(self).to_string()
                }
            }
            fn is_extension(&self) -> bool {
                $ext
            }
            fn full_name(&self) -> String {
                <$t>::full_name(self).to_string()
            }
            fn name(&self) -> &str {
                <$t>::name(self)
            }
            fn number(&self) -> u32 {
                <$t>::number(self)
            }
            fn json_name(&self) -> &str {
                <$t>::json_name(self)
            }
            fn kind(&self) -> Kind {
                <$t>::kind(self)
            }
            fn cardinality(&self) -> Cardinality {
                <$t>::cardinality(self)
            }
            fn supports_presence(&self) -> bool {
                <$t>::supports_presence(self)
            }
            fn is_map(&self) -> bool {
                <$t>::is_map(self)
            }
            fn proto(&self) -> &prost_types::FieldDescriptorProto {
                self.field_descriptor_proto()
            }
            fn file(&self) -> FileDescriptor {
                self.parent_file()
            }
            fn oneof(&self) -> Option<String> {
                ($oneof)(self)
            }
        }
    };
}
field_like!(
    FieldDescriptor,
    |f: &FieldDescriptor| f
        .containing_oneof()
        .filter(|x| !x.is_synthetic())
        .map(|x| x.name().to_string()),
    false
);
field_like!(
    prost_reflect::ExtensionDescriptor,
    |_: &prost_reflect::ExtensionDescriptor| None,
    true
);

/// buf's cardinality: label plus presence, maps apart. An editions field's presence comes from
/// its resolved `field_presence` feature.
fn cardinality(c: &ProtoContract, f: &impl FieldLike) -> &'static str {
    if f.is_map() {
        return "map";
    }
    if let Some(ft) = c.features(f.file().name(), &f.full_name()) {
        return match f.cardinality() {
            Cardinality::Repeated => "repeated",
            _ if ft.field_presence == "LEGACY_REQUIRED" => "required",
            _ if ft.field_presence == "IMPLICIT"
                && !matches!(f.kind(), Kind::Message(_))
                && f.oneof().is_none() =>
            {
                "optional-implicit"
            }
            _ => "optional",
        };
    }
    match f.cardinality() {
        Cardinality::Repeated => "repeated",
        Cardinality::Required => "required",
        Cardinality::Optional if f.supports_presence() => "optional",
        Cardinality::Optional => "optional-implicit",
    }
}

fn type_name(f: &impl FieldLike) -> String {
    match f.kind() {
        Kind::Message(m) => m.full_name().to_string(),
        Kind::Enum(e) => e.full_name().to_string(),
        k => format!("{k:?}").to_ascii_lowercase(),
    }
}

fn field<F: FieldLike>(cx: &mut Cx<'_>, msg: &str, path: &str, of: &F, nf: &F, spans: Spans<'_>) {
    let (fo, fn_) = (
        of.proto().options.clone().unwrap_or_default(),
        nf.proto().options.clone().unwrap_or_default(),
    );
    let oneof = |f: &F| f.oneof();
    let default = |f: &F| f.proto().default_value.clone();
    let (o, n) = (cx.old, cx.new);
    let features =
        |c: &'_ ProtoContract, f: &F| c.features(f.file().name(), &f.full_name()).cloned();
    let utf8 = |c: &ProtoContract, f: &F| {
        f.kind() == Kind::String
            && match features(c, f) {
                Some(ft) => ft.utf8_validation == "VERIFY",
                None => f.file().file_descriptor_proto().syntax() == "proto3",
            }
    };
    // Java checks UTF-8 in proto3 files, and in proto2 files with `java_string_check_utf8`; in
    // editions, where `utf8_validation` or `(pb.java).utf8_validation` says VERIFY.
    let java_utf8 = |c: &ProtoContract, f: &F| {
        if let Some(ft) = features(c, f) {
            return ft.utf8_validation == "VERIFY" || ft.java_utf8_validation == "VERIFY";
        }
        let parent = f.file();
        let file = parent.file_descriptor_proto();
        file.syntax() == "proto3"
            || file
                .options
                .as_ref()
                .is_some_and(|o| o.java_string_check_utf8())
    };
    // The C++ string type: `ctype`, or the `(pb.cpp).string_type` feature in editions.
    let cpp_string =
        |c: &ProtoContract, f: &F, opts: &prost_types::FieldOptions| match features(c, f) {
            Some(ft) => ft.cpp_string_type,
            None => match opts.ctype() {
                prost_types::field_options::CType::String => "STRING".to_string(),
                prost_types::field_options::CType::Cord => "CORD".to_string(),
                prost_types::field_options::CType::StringPiece => "VIEW".to_string(),
            },
        };
    let checks = [
        ("FIELD_SAME_NAME", of.compared_name() != nf.compared_name(), format!("Field \"{}\" on message \"{}\" changed name from \"{}\" to \"{}\".", of.number(), msg_name(msg), of.name(), nf.name())),
        ("FIELD_SAME_JSON_NAME", !of.is_extension() && of.json_name() != nf.json_name(), format!("Field \"{}\" with name \"{}\" on message \"{}\" changed option \"json_name\" from \"{}\" to \"{}\".", of.number(), nf.name(), msg_name(msg), of.json_name(), nf.json_name())),
        ("FIELD_SAME_TYPE", type_name(of) != type_name(nf) && !(of.is_map() && nf.is_map() && map_same(of, nf)), format!("Field \"{}\" with name \"{}\" on message \"{}\" changed type from \"{}\" to \"{}\".", of.number(), nf.name(), msg_name(msg), type_name(of), type_name(nf))),
        ("FIELD_SAME_CARDINALITY", cardinality(o, of) != cardinality(n, nf), format!("Field \"{}\" with name \"{}\" on message \"{}\" changed cardinality from \"{}\" to \"{}\".", of.number(), nf.name(), msg_name(msg), cardinality(o, of), cardinality(n, nf))),
        ("FIELD_SAME_ONEOF", oneof(of) != oneof(nf), format!("Field \"{}\" with name \"{}\" on message \"{}\" moved between oneofs.", of.number(), nf.name(), msg_name(msg))),
        ("FIELD_SAME_DEFAULT", default(of) != default(nf), format!("Field \"{}\" with name \"{}\" on message \"{}\" changed default value.", of.number(), nf.name(), msg_name(msg))),
        ("FIELD_SAME_JSTYPE", fo.jstype() != fn_.jstype(), format!("Field \"{}\" with name \"{}\" on message \"{}\" changed option \"jstype\".", of.number(), nf.name(), msg_name(msg))),
        ("FIELD_SAME_CPP_STRING_TYPE", cpp_string(o, of, &fo) != cpp_string(n, nf, &fn_), format!("Field \"{}\" with name \"{}\" on message \"{}\" changed C++ string type.", of.number(), nf.name(), msg_name(msg))),
        ("FIELD_SAME_UTF8_VALIDATION", of.kind() == Kind::String && nf.kind() == Kind::String && utf8(o, of) != utf8(n, nf), format!("Field \"{}\" with name \"{}\" on message \"{}\" changed UTF-8 validation.", of.number(), nf.name(), msg_name(msg))),
        ("FIELD_SAME_JAVA_UTF8_VALIDATION", of.kind() == Kind::String && nf.kind() == Kind::String && java_utf8(o, of) != java_utf8(n, nf), format!("Field \"{}\" with name \"{}\" on message \"{}\" changed Java UTF-8 validation.", of.number(), nf.name(), msg_name(msg))),
    ];
    for (id, changed, m) in checks {
        if changed {
            cx.emit(id, msg, path, spans.before(), spans.after(), m);
        }
    }
    let (ta, tb) = (wire_kind(of), wire_kind(nf));
    let what = |rule: &str| {
        format!(
            "Field \"{}\" with name \"{}\" on message \"{}\" changed {rule}.",
            of.number(),
            nf.name(),
            msg_name(msg)
        )
    };
    // As buf: a message field that now names another message is reported even though both
    // are length-delimited, since the bytes no longer decode as the same fields.
    let other_message = ta.starts_with("message ") && tb.starts_with("message ");
    if ta != tb && (wire_group(&ta) != wire_group(&tb) || other_message) {
        let m = what(&format!(
            "type from \"{ta}\" to \"{tb}\", not wire-compatible"
        ));
        cx.emit(
            "FIELD_WIRE_COMPATIBLE_TYPE",
            msg,
            path,
            spans.before(),
            spans.after(),
            m,
        );
    }
    if ta != tb && (json_group(&ta).is_none() || json_group(&ta) != json_group(&tb)) {
        let m = what(&format!(
            "type from \"{ta}\" to \"{tb}\", not wire- and JSON-compatible"
        ));
        cx.emit(
            "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
            msg,
            path,
            spans.before(),
            spans.after(),
            m,
        );
    }
    let (o, n) = (cx.old, cx.new);
    let wire_card = |c: &ProtoContract, f: &F| matches!(cardinality(c, f), "repeated" | "map");
    if wire_card(o, of) != wire_card(n, nf) {
        let m = what("cardinality in a way that is not wire-compatible");
        cx.emit(
            "FIELD_WIRE_COMPATIBLE_CARDINALITY",
            msg,
            path,
            spans.before(),
            spans.after(),
            m,
        );
    }
    let json_card = |c: &ProtoContract, f: &F| match cardinality(c, f) {
        "repeated" => 1,
        "map" => 2,
        _ => 0,
    };
    if json_card(o, of) != json_card(n, nf) {
        let m = what("cardinality in a way that is not wire- and JSON-compatible");
        cx.emit(
            "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
            msg,
            path,
            spans.before(),
            spans.after(),
            m,
        );
    }
}

/// The wire type name of a field (messages by full name, enums as `enum`).
fn wire_kind(f: &impl FieldLike) -> String {
    match f.kind() {
        Kind::Message(m) => format!("message {}", m.full_name()),
        Kind::Enum(_) => "enum".into(),
        k => format!("{k:?}").to_ascii_lowercase(),
    }
}

/// Protobuf's wire-compatible groups, as buf draws them: varints, zigzag varints, fixed32,
/// fixed64, and length-delimited (strings, bytes, messages). Enums are varints on the wire but
/// buf keeps them apart: an integer that becomes an enum may carry numbers the enum lacks.
fn wire_group(kind: &str) -> &str {
    match kind {
        "int32" | "uint32" | "int64" | "uint64" | "bool" => "varint",
        "enum" => "enum",
        "sint32" | "sint64" => "zigzag",
        "fixed32" | "sfixed32" => "fixed32",
        "fixed64" | "sfixed64" => "fixed64",
        "string" | "bytes" => "bytes",
        k if k.starts_with("message ") => "bytes",
        k => k,
    }
}

/// Types that stay compatible both on the wire and in proto3 JSON.
fn json_group(kind: &str) -> Option<&'static str> {
    match kind {
        "int32" | "uint32" => Some("json-number-32"),
        "int64" | "uint64" => Some("json-string-64"),
        _ => None,
    }
}

fn map_same(a: &impl FieldLike, b: &impl FieldLike) -> bool {
    match (a.kind(), b.kind()) {
        (Kind::Message(x), Kind::Message(y)) => {
            let kv = |m: &MessageDescriptor| m.fields().map(|f| type_name(&f)).collect::<Vec<_>>();
            kv(&x) == kv(&y)
        }
        _ => false,
    }
}

fn msg_name(full: &str) -> &str {
    full.rsplit('.').next().unwrap_or(full)
}

fn enumeration(cx: &mut Cx<'_>, oe: &EnumDescriptor, ne: &EnumDescriptor) {
    let (o, n) = (cx.old, cx.new);
    let full = oe.full_name().to_string();
    let spans = Spans::lazy(|| (o.span_of_enum(oe), n.span_of_enum(ne)));
    let closed = |c: &ProtoContract, e: &EnumDescriptor| match c
        .features(e.parent_file().name(), e.full_name())
    {
        Some(ft) => ft.enum_type == "CLOSED",
        None => e.parent_file().file_descriptor_proto().syntax() != "proto3",
    };
    if closed(o, oe) != closed(n, ne) {
        cx.emit(
            "ENUM_SAME_TYPE",
            &full,
            "",
            spans.before(),
            spans.after(),
            format!(
                "Enum \"{}\" changed from {} to {}.",
                oe.name(),
                if closed(o, oe) { "closed" } else { "open" },
                if closed(n, ne) { "closed" } else { "open" }
            ),
        );
    }
    let json =
        |c: &ProtoContract, e: &EnumDescriptor| json_format(c, &e.parent_file(), e.full_name());
    if json(o, oe) != json(n, ne) {
        cx.emit(
            "ENUM_SAME_JSON_FORMAT",
            &full,
            "",
            spans.before(),
            spans.after(),
            format!(
                "Enum \"{}\" JSON format support changed from {} to {}.",
                oe.name(),
                json(o, oe),
                json(n, ne)
            ),
        );
    }
    // Aliases share a number: a deleted number is reported once, a deleted name once per name.
    let mut gone_numbers = BTreeSet::new();
    for v in oe.values() {
        let path = format!("value {}", v.number());
        match ne.get_value(v.number()) {
            None => {
                let first = gone_numbers.insert(v.number());
                let msg = format!(
                    "Previously present enum value \"{}\" on enum \"{}\" was deleted.",
                    v.number(),
                    oe.name()
                );
                let at = o.span_of_enum_value(&v);
                if first {
                    cx.emit(
                        "ENUM_VALUE_NO_DELETE",
                        &full,
                        &path,
                        at.clone(),
                        spans.after(),
                        msg.clone(),
                    );
                }
                let p = ne.enum_descriptor_proto();
                if first
                    && !p
                        .reserved_range
                        .iter()
                        .any(|r| r.start() <= v.number() && v.number() <= r.end())
                {
                    let m = format!("{msg} Reserve its number to allow the deletion.");
                    cx.emit(
                        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
                        &full,
                        &path,
                        at.clone(),
                        spans.after(),
                        m,
                    );
                }
                if !p.reserved_name.iter().any(|n| n == v.name()) {
                    let m = format!(
                        "{msg} Reserve its name \"{}\" to allow the deletion.",
                        v.name()
                    );
                    cx.emit(
                        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
                        &full,
                        &path,
                        at,
                        spans.after(),
                        m,
                    );
                }
            }
            Some(nv) => {
                let names = |e: &EnumDescriptor, num: i32| {
                    e.values()
                        .filter(|x| x.number() == num)
                        .map(|x| x.name().to_string())
                        .collect::<BTreeSet<_>>()
                };
                if !names(oe, v.number()).is_subset(&names(ne, v.number())) && nv.name() != v.name()
                {
                    cx.emit(
                        "ENUM_VALUE_SAME_NAME",
                        &full,
                        &path,
                        o.span_of_enum_value(&v),
                        n.span_of_enum_value(&nv),
                        format!(
                            "Enum value \"{}\" on enum \"{}\" changed name from \"{}\" to \"{}\".",
                            v.number(),
                            oe.name(),
                            v.name(),
                            nv.name()
                        ),
                    );
                }
            }
        }
    }
    let reserved = |e: &EnumDescriptor| {
        let p = e.enum_descriptor_proto();
        let ranges: BTreeSet<(i32, i32)> = p
            .reserved_range
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect();
        let names: BTreeSet<String> = p.reserved_name.iter().cloned().collect();
        (ranges, names)
    };
    let ((ra, na), (rb, nb)) = (reserved(oe), reserved(ne));
    if !ra.is_subset(&rb) || !na.is_subset(&nb) {
        cx.emit(
            "RESERVED_ENUM_NO_DELETE",
            &full,
            "reserved",
            spans.before(),
            spans.after(),
            format!(
                "Previously present reserved range or name on enum \"{}\" was deleted.",
                oe.name()
            ),
        );
    }
}
