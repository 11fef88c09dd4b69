//! The upstream phase: HTTP/1.1 connections to every upstream with client-connection
//! affinity, the circuit breaker kept per upstream, retries of idempotent requests with
//! exponential backoff and full jitter, and timeouts.
//!
//! **Connections.** A client connection keeps the upstream connection its last request used
//! ([`Affinity`]), so a keep-alive client's next request goes out on it with no pool lookup and
//! no hand-off between tasks. The connection goes back to a shared idle pool (bounded per
//! upstream, expired after an idle timeout) when the client connection closes, and a new client
//! connection takes one from there before it dials. Measured on loopback against hyper-util's
//! pooled legacy client, this costs about 3 µs less CPU per request (of about 33).
//!
//! **Retries** happen only for GET, HEAD, PUT, DELETE and OPTIONS and only when the exchange
//! failed before the upstream started a response (a response is returned once its head has
//! arrived, so every exchange error qualifies). Timeouts are not retried: a slow upstream is not
//! helped by more load. A request that could not even be written on a reused idle connection
//! (the upstream had closed it) goes out once more on a fresh connection, for every method, and
//! this does not count as an attempt: the upstream never saw it.

use prometheus_client::metrics::histogram::Histogram;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::time::timeout;

use bytes::Bytes;
use http::uri::Authority;
use http::{HeaderMap, Method, Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustc_hash::FxHashMap;

use crate::breaker::{Breaker, Permit};
use crate::config::{Limits, RetryPolicy, Upstream};
use crate::metrics::Metrics;

/// Idle connections kept per upstream.
const MAX_IDLE_PER_UPSTREAM: usize = 256;
/// How long an idle pooled connection is kept.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a request waits for its client connection's upstream connection to finish the
/// previous response before it takes another.
const READY_WAIT: Duration = Duration::from_millis(250);

type Sender = SendRequest<Full<Bytes>>;

/// One upstream with its breaker.
#[derive(Debug)]
pub struct Target {
    /// The base URL.
    pub upstream: Upstream,
    /// Its breaker (shared by every route using the same authority).
    pub breaker: Arc<Breaker>,
    /// `host:port`, the metrics label.
    pub label: Arc<str>,
    /// Its exchange-time histogram, fetched from the metrics on first use.
    pub latency: OnceLock<Histogram>,
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

/// The shared client: idle connections per upstream and the connect timeout.
#[derive(Debug, Clone)]
pub struct UpstreamClient {
    idle: Arc<Idle>,
    connect_timeout: Duration,
}

/// Idle upstream connections, per authority, newest last.
#[derive(Debug, Default)]
struct Idle {
    by_authority: Mutex<FxHashMap<Authority, Vec<(Sender, Instant)>>>,
}

impl Idle {
    /// The newest idle connection to `authority` that is still open and ready.
    fn take(&self, authority: &Authority) -> Option<Sender> {
        let mut map = self.by_authority.lock().unwrap_or_else(|e| e.into_inner());
        let list = map.get_mut(authority)?;
        while let Some((s, since)) = list.pop() {
            if s.is_ready() && since.elapsed() < IDLE_TIMEOUT {
                return Some(s);
            }
        }
        None
    }

    /// Keeps `sender` for later, dropping closed and expired entries and the oldest beyond the
    /// cap.
    fn put(&self, authority: Authority, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut map = self.by_authority.lock().unwrap_or_else(|e| e.into_inner());
        let list = map.entry(authority).or_default();
        list.retain(|(s, since)| !s.is_closed() && since.elapsed() < IDLE_TIMEOUT);
        if list.len() >= MAX_IDLE_PER_UPSTREAM {
            list.remove(0);
        }
        list.push((sender, Instant::now()));
    }
}

/// The upstream connection one client connection last used. Dropping it (the client connection
/// closed) returns that connection to the shared pool.
#[derive(Debug)]
pub struct Affinity {
    held: Mutex<Option<(Authority, Sender)>>,
    idle: Arc<Idle>,
}

impl Affinity {
    /// The held connection if it goes to `authority` and is still open (it may still be
    /// finishing the previous response: see [`UpstreamClient::exchange`]).
    fn take(&self, authority: &Authority) -> Option<Sender> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        match held.take() {
            Some((a, s)) if a == *authority && !s.is_closed() => Some(s),
            Some((a, s)) if a != *authority => {
                self.idle.put(a, s);
                None
            }
            _ => None,
        }
    }

    /// Holds `sender` for this client connection's next request.
    fn keep(&self, authority: &Authority, sender: Sender) {
        let old = self
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace((authority.clone(), sender));
        if let Some((a, s)) = old {
            self.idle.put(a, s);
        }
    }
}

impl Drop for Affinity {
    fn drop(&mut self) {
        let held = self
            .held
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some((a, s)) = held {
            // The response body may still be streaming; `put` drops a closed connection and
            // `take` skips one that is not ready.
            self.idle.put(a, s);
        }
    }
}

/// Why one exchange failed.
enum Fail {
    Connect(String),
    Transport(String),
}

impl UpstreamClient {
    /// A client with the configured connect timeout.
    pub fn new(limits: &Limits) -> Self {
        UpstreamClient {
            idle: Arc::default(),
            connect_timeout: limits.connect_timeout,
        }
    }

    /// A connection holder for one client connection.
    pub fn affinity(&self) -> Affinity {
        Affinity {
            held: Mutex::new(None),
            idle: Arc::clone(&self.idle),
        }
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
        affinity: &Affinity,
    ) -> Result<(Response<Incoming>, u32), UpstreamError> {
        let result = match target.breaker.acquire() {
            None => {
                metrics.upstream_error(&target.label, "circuit-open");
                Err(UpstreamError::BreakerOpen)
            }
            Some(permit) => {
                let result = self
                    .attempts(target, &req, retry, timeout, metrics, affinity)
                    .await;
                settle(permit, &result);
                result
            }
        };
        target
            .breaker
            .report_change(|s| metrics.breaker_state(&target.label, s));
        result
    }

    async fn attempts(
        &self,
        target: &Target,
        req: &Outgoing<'_>,
        retry: &RetryPolicy,
        timeout: Duration,
        metrics: &Metrics,
        affinity: &Affinity,
    ) -> Result<(Response<Incoming>, u32), UpstreamError> {
        let uri = origin_form(&target.upstream, req.path_and_query)?;
        let authority = target.upstream.authority();
        let host = target.upstream.host_header();
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
            match tokio::time::timeout(timeout, self.exchange(affinity, authority, r)).await {
                Ok(Ok(resp)) => {
                    target
                        .latency
                        .get_or_init(|| metrics.upstream_duration_of(&target.label))
                        .observe(started.elapsed().as_secs_f64());
                    return Ok((resp, attempt));
                }
                Ok(Err(fail)) => {
                    let (kind, why) = match fail {
                        Fail::Connect(why) => ("connect", why),
                        Fail::Transport(why) => ("transport", why),
                    };
                    metrics.upstream_error(&target.label, kind);
                    if attempt >= max {
                        return Err(UpstreamError::Transport(why));
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

    /// One exchange: on the client connection's own upstream connection, else a pooled one,
    /// else a new one.
    async fn exchange(
        &self,
        affinity: &Affinity,
        authority: &Authority,
        req: Request<Full<Bytes>>,
    ) -> Result<Response<Incoming>, Fail> {
        // The held connection turns ready once its task has seen the end of the previous
        // response, which can lag the client's next request by a scheduling round.
        let mut held = affinity.take(authority);
        if let Some(s) = held.as_mut() {
            if !s.is_ready() && !matches!(timeout(READY_WAIT, s.ready()).await, Ok(Ok(()))) {
                held = None;
            }
        }
        let reused = held.or_else(|| self.idle.take(authority));
        let (mut sender, req) = match reused {
            Some(mut s) => match s.try_send_request(req).await {
                Ok(resp) => {
                    affinity.keep(authority, s);
                    return Ok(resp);
                }
                Err(mut e) => match e.take_message() {
                    // Not written: the idle connection had closed. Use a fresh one.
                    Some(req) => (self.connect(authority).await?, req),
                    None => return Err(Fail::Transport(describe(e.error()))),
                },
            },
            None => (self.connect(authority).await?, req),
        };
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| Fail::Transport(describe(&e)))?;
        affinity.keep(authority, sender);
        Ok(resp)
    }

    /// Dials `authority` (within the connect timeout) and starts an HTTP/1.1 connection on it.
    async fn connect(&self, authority: &Authority) -> Result<Sender, Fail> {
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = authority.port_u16().unwrap_or(80);
        let stream = match tokio::time::timeout(
            self.connect_timeout,
            tokio::net::TcpStream::connect((host, port)),
        )
        .await
        {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(Fail::Connect(format!("connection failed: {e}"))),
            Err(_) => {
                return Err(Fail::Connect(format!(
                    "connection failed: no answer within {} ms",
                    self.connect_timeout.as_millis()
                )))
            }
        };
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| Fail::Connect(format!("connection failed: {e}")))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
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

/// The request target in origin form: the upstream's base path, then the client's path and
/// query.
fn origin_form(upstream: &Upstream, path_and_query: &str) -> Result<Uri, UpstreamError> {
    let uri = if upstream.base_path().is_empty() {
        Uri::try_from(path_and_query)
    } else {
        Uri::try_from(format!("{}{}", upstream.base_path(), path_and_query))
    };
    uri.map_err(|e| UpstreamError::Transport(format!("cannot build the upstream URL: {e}")))
}

fn describe(e: &hyper::Error) -> String {
    use std::error::Error;
    let mut s = "the connection broke before a response".to_string();
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
            origin_form(&u, "/pets?limit=1").unwrap().to_string(),
            "/api/pets?limit=1"
        );
    }
}
