//! Security requirements: an operation's `security` (or the document's) is a list of
//! alternatives, each a set of schemes that must all be satisfied. The gateway checks that the
//! credential is present in the declared place; it never validates or logs the credential.

use http::HeaderMap;
use serde_json::Value;

use super::params::{cookie_pairs, query_pairs};
use crate::problem::Violation;

/// Where one scheme's credential must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `apiKey` in a header.
    HeaderKey(String),
    /// `apiKey` in the query string.
    QueryKey(String),
    /// `apiKey` in a cookie.
    CookieKey(String),
    /// `Authorization: <scheme> …` (`http` schemes; `oauth2` and `openIdConnect` use `bearer`).
    Authorization(String),
    /// Not checkable at this layer (`mutualTLS`, unknown types): always satisfied.
    Unchecked,
}

impl Credential {
    /// Reads a `securitySchemes` entry.
    pub fn from_scheme(s: &Value) -> Credential {
        let name = || {
            s.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        match s.get("type").and_then(Value::as_str) {
            Some("apiKey") => match s.get("in").and_then(Value::as_str) {
                Some("header") => Credential::HeaderKey(name().to_ascii_lowercase()),
                Some("query") => Credential::QueryKey(name()),
                Some("cookie") => Credential::CookieKey(name()),
                _ => Credential::Unchecked,
            },
            Some("http") => Credential::Authorization(
                s.get("scheme")
                    .and_then(Value::as_str)
                    .unwrap_or("bearer")
                    .to_ascii_lowercase(),
            ),
            Some("oauth2") | Some("openIdConnect") => Credential::Authorization("bearer".into()),
            _ => Credential::Unchecked,
        }
    }

    fn present(
        &self,
        headers: &HeaderMap,
        query: &[(String, String)],
        cookies: &[(String, String)],
    ) -> bool {
        match self {
            Credential::HeaderKey(n) => headers
                .get(n.as_str())
                .is_some_and(|v| !v.as_bytes().is_empty()),
            Credential::QueryKey(n) => query.iter().any(|(k, v)| k == n && !v.is_empty()),
            Credential::CookieKey(n) => cookies.iter().any(|(k, v)| k == n && !v.is_empty()),
            Credential::Authorization(scheme) => headers
                .get_all(http::header::AUTHORIZATION)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| {
                    let mut it = v.trim().splitn(2, ' ');
                    let s = it.next().unwrap_or("");
                    let rest = it.next().unwrap_or("").trim();
                    s.eq_ignore_ascii_case(scheme) && !rest.is_empty()
                }),
            Credential::Unchecked => true,
        }
    }

    fn describe(&self) -> String {
        match self {
            Credential::HeaderKey(n) => format!("header `{n}`"),
            Credential::QueryKey(n) => format!("query parameter `{n}`"),
            Credential::CookieKey(n) => format!("cookie `{n}`"),
            Credential::Authorization(s) => format!("`Authorization: {s} …`"),
            Credential::Unchecked => "a credential".into(),
        }
    }

    fn location(&self) -> String {
        match self {
            Credential::HeaderKey(n) => format!("request.header.{n}"),
            Credential::QueryKey(n) => format!("request.query.{n}"),
            Credential::CookieKey(n) => format!("request.cookie.{n}"),
            Credential::Authorization(_) | Credential::Unchecked => {
                "request.header.authorization".into()
            }
        }
    }
}

/// An operation's security requirement: alternatives of `(scheme name, credential)` sets.
#[derive(Debug, Clone, Default)]
pub struct Security {
    /// Each alternative must be satisfied whole; an empty alternative allows anonymous access.
    pub alternatives: Vec<Vec<(String, Credential)>>,
    /// The contract's `file:line` of the requirement.
    pub spec: Option<String>,
}

impl Security {
    /// Query parameter names that carry credentials (not "unknown" parameters).
    pub fn query_names(&self) -> impl Iterator<Item = &str> {
        self.alternatives
            .iter()
            .flatten()
            .filter_map(|(_, c)| match c {
                Credential::QueryKey(n) => Some(n.as_str()),
                _ => None,
            })
    }

    /// Adds a violation when no alternative is satisfied.
    pub fn check(&self, headers: &HeaderMap, query: Option<&str>, out: &mut Vec<Violation>) {
        if self.alternatives.is_empty() || self.alternatives.iter().any(Vec::is_empty) {
            return;
        }
        let q = query.map(query_pairs).unwrap_or_default();
        let cookies = cookie_pairs(
            headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok()),
        );
        let satisfied = self
            .alternatives
            .iter()
            .any(|alt| alt.iter().all(|(_, c)| c.present(headers, &q, &cookies)));
        if satisfied {
            return;
        }
        let wanted: Vec<String> = self
            .alternatives
            .iter()
            .map(|alt| {
                alt.iter()
                    .map(|(name, c)| format!("{name} ({})", c.describe()))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        let location = self
            .alternatives
            .first()
            .and_then(|a| a.first())
            .map_or_else(
                || "request.header.authorization".into(),
                |(_, c)| c.location(),
            );
        out.push(
            Violation::new(
                "security",
                location,
                format!("missing credentials: send {}", wanted.join(", or ")),
            )
            .with_spec(self.spec.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sec() -> Security {
        Security {
            alternatives: vec![
                vec![(
                    "key".into(),
                    Credential::from_scheme(
                        &json!({"type": "apiKey", "in": "header", "name": "X-Key"}),
                    ),
                )],
                vec![
                    (
                        "bearer".into(),
                        Credential::from_scheme(&json!({"type": "http", "scheme": "bearer"})),
                    ),
                    (
                        "sess".into(),
                        Credential::from_scheme(
                            &json!({"type": "apiKey", "in": "cookie", "name": "sid"}),
                        ),
                    ),
                ],
                vec![(
                    "q".into(),
                    Credential::from_scheme(
                        &json!({"type": "apiKey", "in": "query", "name": "api_key"}),
                    ),
                )],
            ],
            spec: None,
        }
    }

    fn check(headers: &[(&str, &str)], query: Option<&str>) -> Vec<Violation> {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        let mut out = Vec::new();
        sec().check(&h, query, &mut out);
        out
    }

    #[test]
    fn alternatives_and_combinations() {
        assert!(check(&[("x-key", "k")], None).is_empty());
        assert!(check(
            &[("authorization", "Bearer abc"), ("cookie", "a=1; sid=9")],
            None
        )
        .is_empty());
        assert!(check(&[], Some("api_key=z")).is_empty());
        let e = check(&[("authorization", "Bearer abc")], Some("api_key="));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].location, "request.header.x-key");
        assert!(e[0].message.contains("bearer"));
        assert!(!e[0].message.contains("abc"), "never echo credentials");
        assert_eq!(check(&[("authorization", "Basic abc")], None).len(), 1);
        assert_eq!(check(&[("authorization", "Bearer ")], None).len(), 1);
    }

    #[test]
    fn an_empty_alternative_allows_anonymous() {
        let mut s = sec();
        s.alternatives.push(vec![]);
        let mut out = Vec::new();
        s.check(&HeaderMap::new(), None, &mut out);
        assert!(out.is_empty());
    }
}
