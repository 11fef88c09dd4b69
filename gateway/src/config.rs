//! What a gateway runs with: listeners, routes (prefix → contract + upstream), mode, limits and
//! resilience policies. Built in code ([`GatewayConfig::single`]) or read from `gateway.yaml`
//! ([`GatewayConfig::from_yaml`], in `yaml.rs`).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How violations are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Reject invalid requests without calling the upstream; replace invalid responses with 502.
    Enforce,
    /// Forward everything unchanged and record the violations.
    Report,
    /// No validation at all: a plain reverse proxy (limits and resilience still apply).
    Off,
}

impl Mode {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Report => "report",
            Mode::Off => "off",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do about something the contract does not forbid outright but does not declare either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Let it pass silently.
    Allow,
    /// Let it pass and record a violation.
    Report,
    /// Treat it as a violation (rejected in enforce mode, recorded in report mode).
    Reject,
}

/// How a trailing slash on the request path is matched against the contract's path templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrailingSlash {
    /// `/pets/` only matches a template written `/pets/`.
    Strict,
    /// `/pets/` and `/pets` match each other.
    Ignore,
}

/// Policies for what the contract leaves open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policies {
    /// Query parameters the operation does not declare.
    pub unknown_query: Policy,
    /// Trailing-slash matching.
    pub trailing_slash: TrailingSlash,
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            unknown_query: Policy::Report,
            trailing_slash: TrailingSlash::Strict,
        }
    }
}

/// Resource limits. Limits protect the gateway itself, so they apply in every mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body accepted (413 above).
    pub max_body_bytes: usize,
    /// Largest upstream response body buffered for validation; larger responses are streamed
    /// through unvalidated in report mode and answered with 502 in enforce mode.
    pub max_response_body_bytes: usize,
    /// Deepest JSON nesting accepted, checked on the raw bytes before parsing (400 above).
    pub max_json_depth: usize,
    /// Largest total size of the request line's headers (431 above).
    pub max_header_bytes: usize,
    /// Connecting to the upstream.
    pub connect_timeout: Duration,
    /// One upstream exchange, from sending the request to the end of the response head
    /// (and of the body when it is buffered for validation).
    pub upstream_timeout: Duration,
    /// A client connection waiting for its next request is closed after this long.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1 << 20,
            max_response_body_bytes: 8 << 20,
            max_json_depth: 64,
            max_header_bytes: 16 << 10,
            connect_timeout: Duration::from_secs(2),
            upstream_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Retries of idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS) that failed before the
/// upstream started a response (connection refused or reset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries including the first (1 = no retry).
    pub attempts: u32,
    /// Backoff before the first retry; doubled each retry, with full jitter.
    pub base_delay: Duration,
    /// Cap on one backoff.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(500),
        }
    }
}

/// The circuit breaker kept per upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Consecutive failed requests (transport errors, timeouts, 5xx) that open the breaker;
    /// 0 disables the breaker.
    pub failure_threshold: u32,
    /// How long it stays open before letting trial requests through.
    pub open_for: Duration,
    /// Trial requests let through at once while half-open; that many successes close it.
    pub half_open_trials: u32,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            failure_threshold: 5,
            open_for: Duration::from_secs(10),
            half_open_trials: 1,
        }
    }
}

/// Where violations are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// A SQLite database file (created if missing); survives restarts.
    Sqlite(PathBuf),
    /// An in-memory SQLite database, lost on shutdown.
    Memory,
    /// Not kept (still counted in metrics and logged).
    Off,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig::Sqlite(PathBuf::from("contract-gateway.sqlite"))
    }
}

/// Contract reloading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadConfig {
    /// Poll the contract files' modification times this often; `None` disables polling.
    pub poll_interval: Option<Duration>,
    /// Reload every contract on SIGHUP (Unix).
    pub on_sighup: bool,
}

impl Default for ReloadConfig {
    fn default() -> Self {
        ReloadConfig {
            poll_interval: Some(Duration::from_secs(1)),
            on_sighup: true,
        }
    }
}

/// An upstream base URL: `http://host:port[/base]`. Only plain HTTP: TLS to upstreams is
/// expected to be handled by a sidecar on the same host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    authority: http::uri::Authority,
    /// The authority as the `Host` header sent upstream, made once.
    host: http::HeaderValue,
    base_path: String,
}

impl Upstream {
    /// Parses `http://host:port[/base]`.
    pub fn parse(url: &str) -> Result<Upstream, String> {
        let uri: http::Uri = url
            .parse()
            .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => {
                return Err(format!(
                    "upstream scheme `{other}` is not supported; use http:// (TLS is for a sidecar)"
                ))
            }
            None => return Err(format!("`{url}` has no scheme; write http://{url}")),
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| format!("`{url}` has no host"))?;
        if uri.query().is_some() {
            return Err(format!("upstream `{url}` must not have a query string"));
        }
        let host = http::HeaderValue::from_str(authority.as_str())
            .map_err(|e| format!("`{url}` has a host that cannot be a Host header: {e}"))?;
        Ok(Upstream {
            authority,
            host,
            base_path: uri.path().trim_end_matches('/').to_string(),
        })
    }

    /// `host:port`.
    pub fn authority(&self) -> &http::uri::Authority {
        &self.authority
    }

    /// The `Host` header value for this upstream.
    pub fn host_header(&self) -> &http::HeaderValue {
        &self.host
    }

    /// The path prepended to every forwarded path (no trailing slash; empty for none).
    pub fn base_path(&self) -> &str {
        &self.base_path
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority, self.base_path)
    }
}

/// Per-operation settings, keyed in [`RouteConfig::operations`] by `operationId` or by
/// `METHOD /path/template`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperationOverride {
    /// The mode for this operation.
    pub mode: Option<Mode>,
    /// The response sampling rate for this operation.
    pub response_sampling: Option<f64>,
}

/// One route: requests whose path starts with `prefix` go to `upstream`, checked against
/// `contract`.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteConfig {
    /// Path prefix selecting this route (`/` for everything). The longest matching prefix wins.
    pub prefix: String,
    /// Remove the prefix before matching the contract and forwarding.
    pub strip_prefix: bool,
    /// The OpenAPI document; `None` makes a plain proxy route with no validation.
    pub contract: Option<PathBuf>,
    /// Where requests go.
    pub upstream: Upstream,
    /// The mode for this route (the gateway's mode when `None`).
    pub mode: Option<Mode>,
    /// Fraction of responses validated, 0.0–1.0.
    pub response_sampling: f64,
    /// Per-operation overrides.
    pub operations: BTreeMap<String, OperationOverride>,
    /// What to do about what the contract leaves open.
    pub policies: Policies,
}

impl RouteConfig {
    /// A route for every path (`/`) to `upstream`, checked against `contract`.
    pub fn new(upstream: Upstream, contract: Option<PathBuf>) -> Self {
        RouteConfig {
            prefix: "/".into(),
            strip_prefix: false,
            contract,
            upstream,
            mode: None,
            response_sampling: 1.0,
            operations: BTreeMap::new(),
            policies: Policies::default(),
        }
    }
}

/// Everything a gateway runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayConfig {
    /// The proxy listener (`127.0.0.1:0` picks a free port; see
    /// [`GatewayHandle::addr`](crate::GatewayHandle::addr)).
    pub listen: SocketAddr,
    /// The admin listener (`/healthz`, `/readyz`, `/metrics`, `/violations`, `POST /reload`);
    /// `None` for none.
    pub admin_listen: Option<SocketAddr>,
    /// The default mode.
    pub mode: Mode,
    /// Routes, matched by longest prefix.
    pub routes: Vec<RouteConfig>,
    /// Resource limits.
    pub limits: Limits,
    /// Retries.
    pub retry: RetryPolicy,
    /// Circuit breakers.
    pub breaker: BreakerPolicy,
    /// The violation store.
    pub store: StoreConfig,
    /// Contract reloading.
    pub reload: ReloadConfig,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_timeout: Duration,
    /// Proxy worker threads, each running its own event loop (0: one per CPU core).
    pub workers: usize,
}

impl GatewayConfig {
    /// One contract in front of one upstream, everything else default: the shape of
    /// `contract gateway --contract api.yaml --upstream URL --listen ADDR`.
    pub fn single(
        listen: SocketAddr,
        upstream: Upstream,
        contract: Option<PathBuf>,
        mode: Mode,
    ) -> Self {
        GatewayConfig {
            listen,
            admin_listen: None,
            mode,
            routes: vec![RouteConfig::new(upstream, contract)],
            limits: Limits::default(),
            retry: RetryPolicy::default(),
            breaker: BreakerPolicy::default(),
            store: StoreConfig::default(),
            reload: ReloadConfig::default(),
            shutdown_timeout: Duration::from_secs(10),
            workers: 0,
        }
    }

    /// Checks what types cannot: prefixes start with `/`, rates lie in 0–1, limits are
    /// positive. Returns one message per problem.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut errs = Vec::new();
        if self.routes.is_empty() {
            errs.push("no routes: add at least one route (prefix, upstream)".to_string());
        }
        for (i, r) in self.routes.iter().enumerate() {
            if !r.prefix.starts_with('/') {
                errs.push(format!(
                    "routes[{i}].prefix `{}` must start with `/`",
                    r.prefix
                ));
            }
            if !(0.0..=1.0).contains(&r.response_sampling) {
                errs.push(format!(
                    "routes[{i}].response_sampling must lie between 0 and 1"
                ));
            }
            for (k, o) in &r.operations {
                if o.response_sampling
                    .is_some_and(|s| !(0.0..=1.0).contains(&s))
                {
                    errs.push(format!(
                        "routes[{i}].operations.{k}.response_sampling must lie between 0 and 1"
                    ));
                }
            }
            if self.routes[..i].iter().any(|o| o.prefix == r.prefix) {
                errs.push(format!("routes[{i}].prefix `{}` is used twice", r.prefix));
            }
        }
        let l = &self.limits;
        if l.max_body_bytes == 0 || l.max_header_bytes == 0 || l.max_json_depth == 0 {
            errs.push("limits must be positive".to_string());
        }
        if self.retry.attempts == 0 {
            errs.push("retry.attempts counts the first try: use 1 for no retry".to_string());
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls() {
        let u = Upstream::parse("http://127.0.0.1:8080/api/").unwrap();
        assert_eq!(u.authority().as_str(), "127.0.0.1:8080");
        assert_eq!(u.base_path(), "/api");
        assert_eq!(u.to_string(), "http://127.0.0.1:8080/api");
        assert_eq!(Upstream::parse("http://h").unwrap().base_path(), "");
        assert!(Upstream::parse("https://h")
            .unwrap_err()
            .contains("sidecar"));
        assert!(Upstream::parse("h:80").is_err());
        assert!(Upstream::parse("http://h/?a=1").is_err());
    }

    #[test]
    fn check_finds_bad_values() {
        let mut c = GatewayConfig::single(
            "127.0.0.1:0".parse().unwrap(),
            Upstream::parse("http://127.0.0.1:1").unwrap(),
            None,
            Mode::Enforce,
        );
        assert!(c.check().is_ok());
        c.routes[0].prefix = "api".into();
        c.routes[0].response_sampling = 2.0;
        c.retry.attempts = 0;
        assert_eq!(c.check().unwrap_err().len(), 3);
    }
}
