//! The compliance gateway: a validating reverse proxy in front of an HTTP service that checks
//! every request and response against the service's OpenAPI contract (enforce or report mode).
//!
//! Being built: see the gateway issue. Nothing is proxied yet.

/// The contract model the gateway compiles validators from.
pub use contracts;
