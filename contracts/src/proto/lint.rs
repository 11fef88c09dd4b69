//! Protobuf lint checks beyond what the compiler enforces.

use prost_reflect::Syntax;

use super::ProtoContract;
use crate::Diagnostic;

/// `proto-package-missing` (a file without `package` pollutes the global namespace) and
/// `enum-zero-value-name` (proto3's first value is the default and should say so).
pub fn lint(c: &ProtoContract) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in c.own_files() {
        if f.package_name().is_empty() {
            out.push(
                Diagnostic::warning("proto-package-missing", "this file declares no package")
                    .with_span(c.span_of_file(&f))
                    .with_file(
                        c.source(f.name())
                            .map_or(f.name().to_string(), |s| s.name().to_string()),
                    )
                    .with_hint(
                        "add `package your.api.v1;` so its names cannot clash with other files",
                    ),
            );
        }
        if f.syntax() != Syntax::Proto3 {
            continue;
        }
        let enums = f.enums().chain(f.messages().flat_map(|m| nested_enums(&m)));
        for e in enums {
            let Some(first) = e.values().next() else {
                continue;
            };
            if first.number() == 0 && !first.name().ends_with("_UNSPECIFIED") {
                out.push(
                    Diagnostic::warning(
                        "enum-zero-value-name",
                        format!(
                            "`{}` is the default of `{}` but its name does not say it is unset",
                            first.name(),
                            e.name()
                        ),
                    )
                    .with_span(c.span_of_enum_value(&first))
                    .with_hint(format!(
                        "add `{}_UNSPECIFIED = 0;` first so an unset field is not mistaken for a real value",
                        screaming(e.name())
                    )),
                );
            }
        }
    }
    out
}

fn nested_enums(m: &prost_reflect::MessageDescriptor) -> Vec<prost_reflect::EnumDescriptor> {
    let mut out: Vec<_> = m.child_enums().collect();
    for child in m.child_messages() {
        out.extend(nested_enums(&child));
    }
    out
}

/// `PokemonType` → `POKEMON_TYPE`.
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(ch.to_uppercase());
    }
    out
}
