//! The upstream phase: one pooled HTTP/1.1 client for every upstream, the circuit breaker kept
//! per upstream, retries of idempotent requests with exponential backoff and full jitter, and
//! timeouts.
//!
//! Retries happen only for GET, HEAD, PUT, DELETE and OPTIONS and only when the exchange failed
//! before the upstream started a response (the client returns a response only once its head has
//! arrived, so every client error qualifies). Timeouts are not retried: a slow upstream is not
//! helped by more load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::breaker::{Breaker, Permit};
use crate::config::{Limits, RetryPolicy, Upstream};
use crate::metrics::Metrics;

/// One upstream with its breaker.
#[derive(Debug)]
pub struct Target {
    /// The base URL.
    pub upstream: Upstream,
    /// Its breaker (shared by every route using the same authority).
    pub breaker: Arc<Breaker>,
    /// `host:port`, the metrics label.
    pub label: String,
}

/// Why no upstream response came back.
#[derive(Debug)]
pub enum UpstreamError {
    /// The breaker is open.
    BreakerOpen,
    /// Connecting or exchanging failed (after the allowed retries).
    Transport(String),
    /// No response head within the upstream timeout.
    Timeout,
}

/// What [`UpstreamClient::forward`] needs from the client's request.
#[derive(Debug)]
pub struct Outgoing<'a> {
    /// The method.
    pub method: &'a Method,
    /// The path and query to append to the upstream's base path.
    pub path_and_query: &'a str,
    /// End-to-end headers (hop-by-hop ones already removed).
    pub headers: &'a HeaderMap,
    /// The whole request body.
    pub body: Bytes,
}

/// The shared, pooled client.
#[derive(Debug, Clone)]
pub struct UpstreamClient {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl UpstreamClient {
    /// A pooled client with the configured connect timeout.
    pub fn new(limits: &Limits) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(limits.connect_timeout));
        connector.set_nodelay(true);
        connector.enforce_http(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(256)
            .set_host(false)
            .build(connector);
        UpstreamClient { client }
    }

    /// Sends one request through the breaker, retrying idempotent ones. On success returns the
    /// response head (body still streaming) and how many attempts it took.
    pub async fn forward(
        &self,
        target: &Target,
        req: Outgoing<'_>,
        retry: &RetryPolicy,
        timeout: Duration,
        metrics: &Metrics,
    ) -> Result<(Response<Incoming>, u32), UpstreamError> {
        let Some(permit) = target.breaker.acquire() else {
            metrics.upstream_error(&target.label, "circuit-open");
            metrics.breaker_state(&target.label, target.breaker.state());
            return Err(UpstreamError::BreakerOpen);
        };
        let result = self.attempts(target, &req, retry, timeout, metrics).await;
        settle(permit, &result);
        metrics.breaker_state(&target.label, target.breaker.state());
        result
    }

    async fn attempts(
        &self,
        target: &Target,
        req: &Outgoing<'_>,
        retry: &RetryPolicy,
        timeout: Duration,
        metrics: &Metrics,
    ) -> Result<(Response<Incoming>, u32), UpstreamError> {
        let uri = build_uri(&target.upstream, req.path_and_query)?;
        let host = HeaderValue::from_str(target.upstream.authority().as_str())
            .map_err(|e| UpstreamError::Transport(e.to_string()))?;
        let idempotent = matches!(
            *req.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        let max = if idempotent { retry.attempts.max(1) } else { 1 };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut r = Request::new(Full::new(req.body.clone()));
            *r.method_mut() = req.method.clone();
            *r.uri_mut() = uri.clone();
            *r.headers_mut() = req.headers.clone();
            r.headers_mut().insert(http::header::HOST, host.clone());
            let started = Instant::now();
            match tokio::time::timeout(timeout, self.client.request(r)).await {
                Ok(Ok(resp)) => {
                    metrics.upstream_latency(&target.label, started.elapsed().as_secs_f64());
                    return Ok((resp, attempt));
                }
                Ok(Err(e)) => {
                    let kind = if e.is_connect() {
                        "connect"
                    } else {
                        "transport"
                    };
                    metrics.upstream_error(&target.label, kind);
                    if attempt >= max {
                        return Err(UpstreamError::Transport(describe(&e)));
                    }
                    metrics.retry(&target.label);
                    tokio::time::sleep(backoff(retry, attempt)).await;
                }
                Err(_) => {
                    metrics.upstream_error(&target.label, "timeout");
                    return Err(UpstreamError::Timeout);
                }
            }
        }
    }
}

fn settle(permit: Permit, result: &Result<(Response<Incoming>, u32), UpstreamError>) {
    let ok = match result {
        Ok((resp, _)) => !resp.status().is_server_error(),
        Err(_) => false,
    };
    permit.record(ok);
}

/// The delay before retry number `attempt` (1-based): uniformly random in
/// `0..=min(max_delay, base_delay × 2^(attempt-1))` ("full jitter").
pub fn backoff(retry: &RetryPolicy, attempt: u32) -> Duration {
    let exp = retry
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
    let cap = exp.min(retry.max_delay);
    let ms = cap.as_millis().min(u128::from(u64::MAX)) as u64;
    Duration::from_millis(fastrand::u64(0..=ms))
}

fn build_uri(upstream: &Upstream, path_and_query: &str) -> Result<Uri, UpstreamError> {
    Uri::builder()
        .scheme("http")
        .authority(upstream.authority().clone())
        .path_and_query(format!("{}{}", upstream.base_path(), path_and_query))
        .build()
        .map_err(|e| UpstreamError::Transport(format!("cannot build the upstream URL: {e}")))
}

fn describe(e: &hyper_util::client::legacy::Error) -> String {
    use std::error::Error;
    let mut s = if e.is_connect() {
        "connection failed".to_string()
    } else {
        "the connection broke before a response".to_string()
    };
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(25),
        };
        for _ in 0..50 {
            assert!(backoff(&p, 1) <= Duration::from_millis(10));
            assert!(backoff(&p, 2) <= Duration::from_millis(20));
            assert!(backoff(&p, 9) <= Duration::from_millis(25));
        }
    }

    #[test]
    fn uris_join_base_and_path() {
        let u = Upstream::parse("http://127.0.0.1:9/api").unwrap();
        assert_eq!(
            build_uri(&u, "/pets?limit=1").unwrap().to_string(),
            "http://127.0.0.1:9/api/pets?limit=1"
        );
    }
}
