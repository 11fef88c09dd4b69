//! Which kind of contract a file holds: by extension first, then by content.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Serialize;

/// The three contract kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContractKind {
    /// OpenAPI 3.0 / 3.1 (and Swagger 2.0, converted).
    OpenApi,
    /// GraphQL SDL or introspection JSON.
    GraphQl,
    /// Protocol Buffers: `.proto` sources or a binary `FileDescriptorSet`.
    Proto,
}

impl ContractKind {
    /// The name used on the command line (`--kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContractKind::OpenApi => "openapi",
            ContractKind::GraphQl => "graphql",
            ContractKind::Proto => "proto",
        }
    }
}

impl fmt::Display for ContractKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ContractKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "openapi" | "oas" | "swagger" => Ok(ContractKind::OpenApi),
            "graphql" | "gql" => Ok(ContractKind::GraphQl),
            "proto" | "protobuf" | "grpc" => Ok(ContractKind::Proto),
            other => Err(format!(
                "unknown contract kind `{other}`; use openapi, graphql or proto"
            )),
        }
    }
}

/// File extensions of binary `FileDescriptorSet`s.
pub const DESCRIPTOR_SET_EXTENSIONS: &[&str] = &["binpb", "pb", "desc", "protoset"];

/// Guesses the kind from the file name alone, where the extension is unambiguous.
pub fn kind_from_extension(path: &Path) -> Option<ContractKind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "proto" => Some(ContractKind::Proto),
        e if DESCRIPTOR_SET_EXTENSIONS.contains(&e) => Some(ContractKind::Proto),
        "graphql" | "graphqls" | "gql" | "sdl" => Some(ContractKind::GraphQl),
        _ => None,
    }
}

/// Guesses the kind from the content: an `openapi`/`swagger` key, a `__schema` object, SDL or
/// proto keywords. `None` when nothing matches.
pub fn kind_from_content(text: &str) -> Option<ContractKind> {
    let head: String = text.chars().take(64 * 1024).collect();
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        // JSON: an OpenAPI document or GraphQL introspection.
        if head.contains("\"__schema\"") {
            return Some(ContractKind::GraphQl);
        }
        if head.contains("\"openapi\"") || head.contains("\"swagger\"") {
            return Some(ContractKind::OpenApi);
        }
        return None;
    }
    for line in head.lines() {
        let l = line.trim_end();
        if l.starts_with("openapi:")
            || l.starts_with("swagger:")
            || l.starts_with("\"openapi\":")
            || l.starts_with("'openapi':")
        {
            return Some(ContractKind::OpenApi);
        }
        let t = l.trim_start();
        if t.starts_with("syntax =")
            || t.starts_with("syntax=")
            || t.starts_with("edition =")
            || (t.starts_with("package ") && t.ends_with(';'))
            || (t.starts_with("import \"") && t.ends_with(';'))
        {
            return Some(ContractKind::Proto);
        }
        for kw in [
            "type ",
            "schema ",
            "schema{",
            "interface ",
            "input ",
            "union ",
            "scalar ",
            "directive @",
            "extend ",
            "enum ",
        ] {
            if t.starts_with(kw)
                && !t.ends_with(';')
                && (t.contains('{')
                    || t.contains('=')
                    || kw == "scalar "
                    || kw == "directive @"
                    || t.split_whitespace().count() <= 3)
            {
                return Some(ContractKind::GraphQl);
            }
        }
    }
    None
}

/// Extension first, then content.
pub fn detect(path: &Path, text: Option<&str>) -> Option<ContractKind> {
    kind_from_extension(path).or_else(|| text.and_then(kind_from_content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_extension_and_content() {
        assert_eq!(
            detect(Path::new("a.proto"), None),
            Some(ContractKind::Proto)
        );
        assert_eq!(
            detect(Path::new("a.gql"), None),
            Some(ContractKind::GraphQl)
        );
        assert_eq!(
            detect(Path::new("a.yaml"), Some("# c\nopenapi: 3.1.0\n")),
            Some(ContractKind::OpenApi)
        );
        assert_eq!(
            detect(Path::new("a.json"), Some("{\"swagger\": \"2.0\"}")),
            Some(ContractKind::OpenApi)
        );
        assert_eq!(
            detect(Path::new("a.json"), Some("{\"data\":{\"__schema\":{}}}")),
            Some(ContractKind::GraphQl)
        );
        assert_eq!(
            detect(Path::new("x"), Some("syntax = \"proto3\";\n")),
            Some(ContractKind::Proto)
        );
        assert_eq!(
            detect(Path::new("x.txt"), Some("type Query {\n  a: Int\n}\n")),
            Some(ContractKind::GraphQl)
        );
        assert_eq!(detect(Path::new("x.yaml"), Some("a: 1\n")), None);
    }
}
