//! The compliance gateway: a validating reverse proxy in front of an HTTP service that checks
//! every request and response against the service's OpenAPI contract, in `enforce` mode
//! (invalid requests are rejected without reaching the upstream, invalid responses become 502)
//! or `report` mode (everything is forwarded byte for byte and the violations are recorded).
//!
//! # Use
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use contract_gateway::{Gateway, GatewayConfig, Mode, Upstream};
//! let mut config = GatewayConfig::single(
//!     "127.0.0.1:9000".parse()?,
//!     Upstream::parse("http://127.0.0.1:8080")?,
//!     Some("api.yaml".into()),
//!     Mode::Enforce,
//! );
//! config.admin_listen = Some("127.0.0.1:9001".parse()?);
//! let gateway = Gateway::start(config).await?;
//! println!("listening on {}", gateway.addr());
//! gateway.run_until_signal().await; // SIGINT/SIGTERM: graceful shutdown
//! # Ok(()) }
//! ```
//!
//! Or from a file: [`GatewayConfig::from_file`] reads `gateway.yaml` (several contracts,
//! upstreams and route prefixes, per-operation modes, limits, policies).
//!
//! # Phases
//!
//! Every request runs the same explicit phases over one per-request context (`proxy::Ctx`),
//! in the style of pingora:
//!
//! 1. **Request filter**: header-size limit (431) → route by longest prefix (404) → match the
//!    contract operation (404 / 405 with `Allow`) → body-size limit (413) → JSON depth limit,
//!    on raw bytes before parsing (400) → validate parameters, security (401), content type
//!    (415), body (400). In enforce mode a violation answers and stops here; in report mode it is
//!    recorded and the request goes on unchanged.
//! 2. **Upstream**: per-upstream circuit breaker (503 while open) → pooled HTTP/1.1 client →
//!    retries with exponential backoff and jitter for idempotent methods, only before a response
//!    started (502) → timeout (504).
//! 3. **Response filter**: hop-by-hop headers dropped → status, required headers and (sampled)
//!    body validated. Enforce: an invalid response becomes 502; report: recorded, forwarded as
//!    received.
//! 4. **Logging**: always runs, also when the client disconnects: one JSON line without payloads
//!    or query strings, metrics, violations to the store.
//!
//! Each phase returns `Result<_, GatewayError>`; one function maps every [`GatewayError`] to an
//! RFC 9457 problem document ([`Problem`]) of one shape.
//!
//! Limits (body and header size, JSON depth, timeouts) apply in every mode, `off` included:
//! they protect the gateway and the upstream rather than check the contract.
//!
//! # Why hyper without axum or tower
//!
//! The proxy path is a hand-written hyper 1 service (server: `hyper::server::conn::http1`;
//! client: `hyper::client::conn::http1` connections, one held per client connection and pooled
//! when idle, see `upstream`): the router is the contract's own (axum's would
//! duplicate it), the phases share one context and one error mapping (a tower stack would spread
//! them across layers whose order must then be tested separately), and report mode must forward
//! bytes untouched, which a bare service makes easy to see. Admin endpoints are five fixed paths
//! and need no framework either. HTTP/1.1 only, no TLS: run it behind or beside a TLS terminator.
//!
//! # Operations
//!
//! Contracts are compiled once into an immutable `CompiledContract` held in an `ArcSwap`: a
//! request takes one snapshot for its whole life, and a reload (file change, SIGHUP,
//! `POST /reload` on the admin listener, [`GatewayHandle::reload`]) swaps it without touching
//! in-flight requests. A contract that fails to compile keeps the previous one and logs why.
//! The admin listener serves `/healthz`, `/readyz`, `/metrics` and `/violations` (see `admin`).

mod admin;
pub mod body;
pub mod breaker;
pub mod config;
mod gateway;
pub mod metrics;
pub mod problem;
mod proxy;
pub mod store;
pub mod upstream;
pub mod validate;
mod workers;
pub mod yaml;

pub use config::{
    BreakerPolicy, GatewayConfig, Limits, Mode, OperationOverride, Policies, Policy, ReloadConfig,
    RetryPolicy, RouteConfig, StoreConfig, TrailingSlash, Upstream,
};
pub use gateway::{Gateway, GatewayHandle, ReloadOutcome, StartError};
pub use problem::{GatewayError, Problem, Violation};

/// The contract model the gateway compiles validators from.
pub use contracts;

static AFTER_COMPILE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Registers a function run after every contract compilation (the first load and each
/// reload), such as asking the process's allocator to hand the memory compilation used back
/// to the system. Only the first registration counts.
pub fn on_compiled(f: fn()) {
    let _ = AFTER_COMPILE.set(f);
}

pub(crate) fn compiled() {
    if let Some(f) = AFTER_COMPILE.get() {
        f();
    }
}

/// Installs a JSON log subscriber on stderr (one object per line; the access log target is
/// `contract_gateway::access`). Returns an error if a global subscriber is already set.
pub fn init_json_logs(level: tracing::Level) -> Result<(), String> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .try_init()
        .map_err(|e| e.to_string())
}
