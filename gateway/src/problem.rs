//! Errors as data: every rejection the gateway answers is an RFC 9457 `application/problem+json`
//! document of one shape, built in exactly one place ([`GatewayError::to_problem`]).
//!
//! Nothing here ever echoes a payload value: messages name the rule that failed, never the value
//! that failed it, so a leaked API key or password cannot travel into a response, a log or the
//! violation store.

use http::StatusCode;
use serde::Serialize;

/// One way a request or response departs from the contract (or from a gateway limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Stable kebab-case id of the check that failed, e.g. `parameter-invalid`, `unknown-path`.
    pub kind: &'static str,
    /// Where in the exchange: `request.query.limit`, `request.header.x-id`, `request.body`,
    /// `response.status`, `response.body`, …
    pub location: String,
    /// JSON Pointer into the offending value (`/items/0/name`), empty for the whole value.
    pub instance_path: String,
    /// JSON Pointer into the schema or contract element that was checked, empty when none.
    pub schema_path: String,
    /// The contract's `file:line` that states the rule, when known.
    pub spec: Option<String>,
    /// One line saying what is wrong, without the offending value.
    pub message: String,
}

impl Violation {
    /// A violation at `location` with no instance/schema path or spec yet.
    pub fn new(
        kind: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            kind,
            location: location.into(),
            instance_path: String::new(),
            schema_path: String::new(),
            spec: None,
            message: message.into(),
        }
    }

    /// Sets the spec `file:line`.
    pub fn with_spec(mut self, spec: Option<String>) -> Self {
        self.spec = spec;
        self
    }

    /// Sets the instance and schema paths.
    pub fn with_paths(mut self, instance: impl Into<String>, schema: impl Into<String>) -> Self {
        self.instance_path = instance.into();
        self.schema_path = schema.into();
        self
    }

    /// Whether this violation concerns the response rather than the request.
    pub fn is_response(&self) -> bool {
        self.location.starts_with("response")
    }
}

/// An RFC 9457 problem document. `violations` is always present (empty for rejections that are
/// not about the contract, such as an open circuit breaker), so clients parse one shape.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// A URI naming the problem kind (`urn:contract:gateway:<kind>`).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short, fixed summary of the problem kind.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// One sentence about this occurrence.
    pub detail: String,
    /// The request id the gateway logged this exchange under.
    pub request_id: String,
    /// Every violation found (all of them, not only the first).
    pub violations: Vec<Violation>,
}

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Why the gateway answers instead of (or in place of) the upstream.
#[derive(Debug, Clone)]
pub enum GatewayError {
    /// No route prefix or contract path matches the request path.
    NotFound(Vec<Violation>),
    /// The path is declared but not with this method.
    MethodNotAllowed {
        /// The methods the contract declares for the path.
        allow: Vec<http::Method>,
        /// The violation describing it.
        violations: Vec<Violation>,
    },
    /// The request breaks the contract (parameters, body, readOnly properties, …).
    InvalidRequest(Vec<Violation>),
    /// The request body is declared JSON but does not parse.
    MalformedJson(Vec<Violation>),
    /// A required credential is missing.
    Unauthorized(Vec<Violation>),
    /// The request's Content-Type is not declared for the operation.
    UnsupportedMediaType(Vec<Violation>),
    /// The request body is larger than the configured limit.
    PayloadTooLarge(Vec<Violation>),
    /// The request headers are larger than the configured limit.
    HeadersTooLarge(Vec<Violation>),
    /// The upstream's response breaks the contract (enforce mode).
    InvalidResponse(Vec<Violation>),
    /// The upstream could not be reached or broke the connection (the cause is logged, never
    /// sent to the client).
    UpstreamUnavailable(String),
    /// The upstream did not answer in time.
    UpstreamTimeout,
    /// The upstream's circuit breaker is open.
    BreakerOpen,
    /// The gateway is shutting down.
    ShuttingDown,
}

impl GatewayError {
    /// The status code this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            GatewayError::NotFound(_) => StatusCode::NOT_FOUND,
            GatewayError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            GatewayError::InvalidRequest(_) | GatewayError::MalformedJson(_) => {
                StatusCode::BAD_REQUEST
            }
            GatewayError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            GatewayError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            GatewayError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            GatewayError::InvalidResponse(_) | GatewayError::UpstreamUnavailable(_) => {
                StatusCode::BAD_GATEWAY
            }
            GatewayError::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
            GatewayError::BreakerOpen | GatewayError::ShuttingDown => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// Stable kebab-case id, used in the problem `type` and in metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            GatewayError::NotFound(_) => "not-found",
            GatewayError::MethodNotAllowed { .. } => "method-not-allowed",
            GatewayError::InvalidRequest(_) => "invalid-request",
            GatewayError::MalformedJson(_) => "malformed-json",
            GatewayError::Unauthorized(_) => "unauthorized",
            GatewayError::UnsupportedMediaType(_) => "unsupported-media-type",
            GatewayError::PayloadTooLarge(_) => "payload-too-large",
            GatewayError::HeadersTooLarge(_) => "headers-too-large",
            GatewayError::InvalidResponse(_) => "invalid-response",
            GatewayError::UpstreamUnavailable(_) => "upstream-unavailable",
            GatewayError::UpstreamTimeout => "upstream-timeout",
            GatewayError::BreakerOpen => "circuit-open",
            GatewayError::ShuttingDown => "shutting-down",
        }
    }

    fn title_detail(&self) -> (&'static str, String) {
        match self {
            GatewayError::NotFound(_) => (
                "Unknown path",
                "the contract declares no operation at this path".into(),
            ),
            GatewayError::MethodNotAllowed { allow, .. } => (
                "Method not allowed",
                format!(
                    "the contract declares this path only for {}",
                    allow
                        .iter()
                        .map(http::Method::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            GatewayError::InvalidRequest(v) => (
                "Invalid request",
                format!("the request breaks the contract ({} violations)", v.len()),
            ),
            GatewayError::MalformedJson(_) => (
                "Malformed JSON",
                "the request body is declared JSON but does not parse".into(),
            ),
            GatewayError::Unauthorized(_) => (
                "Unauthorized",
                "the operation requires credentials that the request does not carry".into(),
            ),
            GatewayError::UnsupportedMediaType(_) => (
                "Unsupported media type",
                "the operation does not declare the request's Content-Type".into(),
            ),
            GatewayError::PayloadTooLarge(_) => (
                "Payload too large",
                "the request body exceeds the gateway's limit".into(),
            ),
            GatewayError::HeadersTooLarge(_) => (
                "Request headers too large",
                "the request headers exceed the gateway's limit".into(),
            ),
            GatewayError::InvalidResponse(v) => (
                "Invalid upstream response",
                format!(
                    "the upstream's response breaks the contract ({} violations)",
                    v.len()
                ),
            ),
            // The cause stays in the log: it names internal addresses.
            GatewayError::UpstreamUnavailable(_) => (
                "Upstream unavailable",
                "the upstream could not be reached or broke the connection".into(),
            ),
            GatewayError::UpstreamTimeout => (
                "Upstream timeout",
                "the upstream did not answer in time".into(),
            ),
            GatewayError::BreakerOpen => (
                "Upstream circuit open",
                "the upstream failed repeatedly; requests are refused until it recovers".into(),
            ),
            GatewayError::ShuttingDown => ("Shutting down", "the gateway is shutting down".into()),
        }
    }

    /// The violations this error carries (empty for transport errors).
    pub fn violations(&self) -> &[Violation] {
        match self {
            GatewayError::NotFound(v)
            | GatewayError::MethodNotAllowed { violations: v, .. }
            | GatewayError::InvalidRequest(v)
            | GatewayError::MalformedJson(v)
            | GatewayError::Unauthorized(v)
            | GatewayError::UnsupportedMediaType(v)
            | GatewayError::PayloadTooLarge(v)
            | GatewayError::HeadersTooLarge(v)
            | GatewayError::InvalidResponse(v) => v,
            GatewayError::UpstreamUnavailable(_)
            | GatewayError::UpstreamTimeout
            | GatewayError::BreakerOpen
            | GatewayError::ShuttingDown => &[],
        }
    }

    /// The problem document for this error.
    pub fn to_problem(&self, request_id: &str) -> Problem {
        let (title, detail) = self.title_detail();
        Problem {
            type_uri: format!("urn:contract:gateway:{}", self.kind()),
            title: title.to_string(),
            status: self.status().as_u16(),
            detail,
            request_id: request_id.to_string(),
            violations: self.violations().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_the_same_shape() {
        let errors = [
            GatewayError::NotFound(vec![Violation::new(
                "unknown-path",
                "request.path",
                "no operation",
            )]),
            GatewayError::MethodNotAllowed {
                allow: vec![http::Method::GET],
                violations: vec![],
            },
            GatewayError::BreakerOpen,
            GatewayError::UpstreamTimeout,
        ];
        for e in errors {
            let v = serde_json::to_value(e.to_problem("r1")).unwrap();
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
            assert_eq!(v["status"], e.status().as_u16());
            assert!(v["type"].as_str().unwrap().ends_with(e.kind()));
        }
    }

    #[test]
    fn violation_serializes_all_fields() {
        let v = Violation::new("parameter-invalid", "request.query.limit", "must be ≤ 100")
            .with_paths("", "/maximum")
            .with_spec(Some("api.yaml:12".into()));
        let j = serde_json::to_value(&v).unwrap();
        assert_eq!(j["location"], "request.query.limit");
        assert_eq!(j["schema_path"], "/maximum");
        assert_eq!(j["spec"], "api.yaml:12");
        assert!(!v.is_response());
    }
}
