//! What code generated from an OpenAPI contract by `contract generate` (or `openapi!`) runs on.
//!
//! - [`problem`]: the RFC 9457 `application/problem+json` shape rejections use, the same as the
//!   `contract` gateway's (`type`, `title`, `status`, `detail`, `request_id`, `violations`).
//! - [`check`]: the contract's constraints (`maxLength`, `minimum`, `pattern`, …), checked as
//!   generated types deserialize.
//! - [`format`]: `date-time`, `date`, `uuid`, `email` and `uri` strings as validated newtypes,
//!   and `byte` as decoded [`format::Base64`].
//! - [`form`]: form and multipart bodies to and from typed values, and [`form::Binary`].
//! - [`stream`]: [`stream::ByteStream`], the chunked body binary media types travel as.
//! - [`text`]: parameters as text (path segments, query values, headers, cookies) to and from
//!   typed values, through serde, so generated enums and newtypes need no extra impls.
//! - `server` (feature `server`): the request a generated handler decodes, the responses it
//!   builds, and [`server::router`], an axum router over a route table that never panics on
//!   overlapping templates and answers 404/405 as problems.
//! - `client` (feature `client`): a reqwest client core the generated typed clients call.
//!
//! Generated code reaches `axum`, `reqwest`, `http` and `bytes` through this crate's re-exports,
//! so a generated crate depends on this crate, `serde` and `serde_json` only.

pub mod check;
pub mod form;
pub mod format;
pub mod problem;
pub mod routes;
pub mod stream;
pub mod text;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "server")]
pub mod server;

#[cfg(feature = "server")]
pub use axum;
pub use bytes;
pub use http;
#[cfg(feature = "client")]
pub use reqwest;
