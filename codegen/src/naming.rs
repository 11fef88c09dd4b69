//! Rust names for contract names: ASCII identifiers in the usual case for each item kind,
//! keywords escaped, collisions resolved deterministically (the first claimant keeps the name,
//! later ones get a numeric suffix in claim order).

use std::collections::HashSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot be identifiers at all, even raw (`r#self` is not allowed).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Rust keywords (2021 edition, strict and reserved).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names generated code must not shadow: it refers to them unqualified.
const PRELUDE_TYPES: &[&str] = &[
    "Option",
    "Result",
    "Box",
    "Vec",
    "String",
    "Some",
    "None",
    "Ok",
    "Err",
    "Send",
    "Sync",
    "Sized",
    "Clone",
    "Copy",
    "Default",
    "Debug",
    "Fn",
    "FnMut",
    "FnOnce",
    "Drop",
    "Iterator",
    "IntoIterator",
    "Into",
    "From",
    "ToString",
    "ToOwned",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
    "Unpin",
    "AsRef",
    "AsMut",
    "Extend",
    "Self",
];

/// Whether `s` is a Rust keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Splits `raw` into ASCII words: every character that is not an ASCII letter or digit separates
/// words. Case boundaries inside a word are left to `heck`.
fn ascii_words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

/// `UpperCamelCase` form of `raw`, ASCII only; `fallback` when nothing is left. A leading digit
/// gets an `N` prefix, so the result stays camel case (`2fa` → `N2fa`).
pub fn type_ident(raw: &str, fallback: &str) -> String {
    let mut s = ascii_words(raw).to_upper_camel_case();
    if s.is_empty() {
        s = fallback.to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'N');
    }
    // `Self` cannot name a type or a variant, not even raw.
    if s == "Self" {
        s.push_str("Value");
    }
    s
}

/// `snake_case` form of `raw`, ASCII only, keywords escaped as raw identifiers (`type` →
/// `r#type`) or, where raw is impossible, with a trailing `_` (`self` → `self_`); `fallback`
/// when nothing is left; a leading digit gets an `_` prefix.
pub fn field_ident(raw: &str, fallback: &str) -> String {
    let mut s = ascii_words(raw).to_snake_case();
    if s.is_empty() {
        s = fallback.to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    escape_keyword(s)
}

/// Escapes a keyword: `r#kw`, or `kw_` for the few words that cannot be raw.
pub fn escape_keyword(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if is_keyword(&s) {
        format!("r#{s}")
    } else {
        s
    }
}

/// Hands out unique names in one scope (a module's types, a struct's fields, an enum's
/// variants). Deterministic: the same claims in the same order give the same names.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    used: HashSet<String>,
}

impl Namer {
    /// A scope with nothing claimed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope for type names: the prelude names generated code uses are taken.
    pub fn for_types() -> Self {
        let mut n = Self::new();
        for p in PRELUDE_TYPES {
            n.used.insert((*p).to_string());
        }
        n
    }

    /// Marks `name` as taken without handing it out.
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_string());
    }

    /// `name` if free, else `name2`, `name3`, … (for snake case names: `name_2`, …).
    pub fn claim(&mut self, name: &str) -> String {
        if self.used.insert(name.to_string()) {
            return name.to_string();
        }
        let base = name.strip_prefix("r#").unwrap_or(name);
        let sep = if base.contains('_') || base.starts_with(|c: char| c.is_ascii_lowercase()) {
            "_"
        } else {
            ""
        };
        let mut n = 2usize;
        loop {
            let candidate = format!("{base}{sep}{n}");
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }

    /// A unique type name for `raw` (see [`type_ident`]).
    pub fn type_name(&mut self, raw: &str, fallback: &str) -> String {
        self.claim(&type_ident(raw, fallback))
    }

    /// A unique field or method name for `raw` (see [`field_ident`]).
    pub fn field_name(&mut self, raw: &str, fallback: &str) -> String {
        self.claim(&field_ident(raw, fallback))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_idents_are_ascii_camel_case() {
        assert_eq!(type_ident("pet_store", "X"), "PetStore");
        assert_eq!(type_ident("Pokémon-v1", "X"), "PokMonV1");
        assert_eq!(type_ident("2fa", "X"), "N2fa");
        assert_eq!(type_ident("日本", "Unnamed"), "Unnamed");
        assert_eq!(type_ident("HTTPError", "X"), "HttpError");
    }

    #[test]
    fn field_idents_escape_keywords() {
        assert_eq!(field_ident("type", "f"), "r#type");
        assert_eq!(field_ident("self", "f"), "self_");
        assert_eq!(type_ident("SELF", "T"), "SelfValue");
        assert_eq!(field_ident("petId", "f"), "pet_id");
        assert_eq!(field_ident("@odata.type", "f"), "odata_type");
        assert_eq!(field_ident("1st", "f"), "_1st");
        assert_eq!(field_ident("-", "value"), "value");
    }

    #[test]
    fn collisions_resolve_in_claim_order() {
        let mut n = Namer::for_types();
        assert_eq!(n.type_name("pet", "T"), "Pet");
        assert_eq!(n.type_name("Pet", "T"), "Pet2");
        assert_eq!(n.type_name("PET", "T"), "Pet3");
        assert_eq!(n.type_name("Result", "T"), "Result2");
        let mut f = Namer::new();
        assert_eq!(f.field_name("petId", "f"), "pet_id");
        assert_eq!(f.field_name("pet_id", "f"), "pet_id_2");
        assert_eq!(f.field_name("type", "f"), "r#type");
        assert_eq!(f.field_name("Type", "f"), "type_2");
    }
}
