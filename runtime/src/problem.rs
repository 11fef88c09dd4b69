//! RFC 9457 problem documents, in the shape the `contract` gateway answers with, so clients of
//! a generated server and of a gateway-fronted service parse one shape.
//!
//! Messages never echo a payload value: they name the rule that failed, not the value.

use serde::{Deserialize, Serialize};

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One way a request departs from the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Stable kebab-case id of the check that failed: `parameter-missing`,
    /// `parameter-invalid`, `body-missing`, `body-invalid`, `body-malformed`.
    pub kind: String,
    /// Where in the request: `request.path.id`, `request.query.limit`, `request.body`, …
    pub location: String,
    /// JSON Pointer into the offending value, empty for the whole value.
    pub instance_path: String,
    /// JSON Pointer into the schema that was checked, empty when none.
    pub schema_path: String,
    /// The contract's `file:line` that states the rule, when known.
    pub spec: Option<String>,
    /// One line saying what is wrong, without the offending value.
    pub message: String,
}

impl Violation {
    /// A violation of `kind` at `location`.
    pub fn new(kind: &str, location: impl Into<String>, message: impl Into<String>) -> Self {
        Violation {
            kind: kind.to_string(),
            location: location.into(),
            instance_path: String::new(),
            schema_path: String::new(),
            spec: None,
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document; `violations` is always present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// A URI naming the problem kind (`urn:contract:server:<kind>`).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short, fixed summary of the problem kind.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// One sentence about this occurrence.
    pub detail: String,
    /// The request's `x-request-id`, or empty.
    pub request_id: String,
    /// Every violation found (all of them, not only the first).
    pub violations: Vec<Violation>,
}

impl Problem {
    /// A problem of `kind` (kebab-case) with its status, title and detail.
    pub fn new(kind: &str, status: u16, title: &str, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: format!("urn:contract:server:{kind}"),
            title: title.to_string(),
            status,
            detail: detail.into(),
            request_id: String::new(),
            violations: Vec::new(),
        }
    }

    /// The 400 answer for a request with violations.
    pub fn invalid_request(violations: Vec<Violation>) -> Self {
        let n = violations.len();
        Problem {
            violations,
            ..Problem::new(
                "invalid-request",
                400,
                "Request does not match the contract",
                format!("{n} violation(s) of the API contract in the request"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_in_the_gateway_shape() {
        let p = Problem::invalid_request(vec![Violation::new(
            "parameter-invalid",
            "request.path.id",
            "not an integer",
        )]);
        let v = serde_json::to_value(&p).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "type",
                "title",
                "status",
                "detail",
                "request_id",
                "violations"
            ]
        );
        assert_eq!(v["type"], "urn:contract:server:invalid-request");
        assert_eq!(v["violations"][0]["location"], "request.path.id");
        assert_eq!(v["violations"][0]["spec"], serde_json::Value::Null);
    }
}
