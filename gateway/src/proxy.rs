//! The request path, as explicit phases over one per-request [`Ctx`]:
//!
//! 1. **request filter** ([`request_filter`]): header-size limit, route by prefix, match the
//!    contract operation, body-size and JSON-depth limits, validate. Enforce → stop with an
//!    error; report → record and go on.
//! 2. **upstream** ([`upstream_phase`]): breaker, the client connection's upstream connection
//!    (or a pooled one), retries, timeout.
//! 3. **response filter** ([`response_filter`]): drop hop-by-hop headers, validate the status,
//!    headers and (sampled) body. Enforce → an invalid response becomes 502; report → record.
//! 4. **logging** ([`Ctx::finish`]): always runs, also when the client went away (from `Drop`):
//!    one JSON log line without payloads, metrics, violations to the store.
//!
//! Every phase returns `Result<_, GatewayError>`; [`error_response`] is the one place that turns
//! an error into a response.

use prometheus_client::metrics::histogram::Histogram;
use std::cell::OnceCell;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::body::{collect_limited, json_too_deep, Collected, ProxyBody};
use crate::config::Mode;
use crate::gateway::{Active, RouteState, Shared};
use crate::problem::{GatewayError, Violation, PROBLEM_JSON};
use crate::store::{now_ms, Record};
use crate::upstream::{Affinity, Outgoing, UpstreamError};
use crate::validate::{RequestView, RouteMatch};

/// What one request carries through the phases.
pub(crate) struct Ctx {
    shared: Arc<Shared>,
    /// The client's `x-request-id`, or one made when first needed.
    id: OnceCell<String>,
    started: Instant,
    method: Method,
    path: String,
    route: Arc<str>,
    operation: Arc<str>,
    /// The matched operation's latency histogram.
    duration: Option<Histogram>,
    mode: Mode,
    violations: Vec<Violation>,
    attempts: u32,
    upstream_status: Option<u16>,
    error: Option<&'static str>,
    error_cause: Option<String>,
    finished: bool,
}

/// The request as the upstream phase sends it.
struct Prepared {
    route: usize,
    active: Option<Arc<Active>>,
    op: Option<usize>,
    method: Method,
    path_and_query: String,
    headers: HeaderMap,
    body: Bytes,
}

/// Handles one request through every phase.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    affinity: &Affinity,
) -> Response<ProxyBody> {
    let mut ctx = Ctx::new(Arc::clone(&shared), &req);
    let result = async {
        let prepared = request_filter(&shared, &mut ctx, req).await?;
        let resp = upstream_phase(&shared, &mut ctx, &prepared, affinity).await?;
        response_filter(&shared, &mut ctx, &prepared, resp).await
    }
    .await;
    let resp = match result {
        Ok(r) => r,
        Err(e) => error_response(&mut ctx, e),
    };
    ctx.finish(resp.status().as_u16());
    resp
}

impl Ctx {
    fn new(shared: Arc<Shared>, req: &Request<Incoming>) -> Self {
        let unmatched = Arc::clone(&shared.unmatched);
        let id = OnceCell::new();
        if let Some(given) = req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| {
                !v.is_empty()
                    && v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
            })
        {
            let _ = id.set(given.to_string());
        }
        Ctx {
            shared,
            id,
            started: Instant::now(),
            method: req.method().clone(),
            path: req.uri().path().to_string(),
            route: Arc::clone(&unmatched),
            operation: unmatched,
            duration: None,
            mode: Mode::Off,
            violations: Vec::new(),
            attempts: 0,
            upstream_status: None,
            error: None,
            error_cause: None,
            finished: false,
        }
    }

    /// The logging phase: runs exactly once per request, from [`handle`] or, when the client
    /// went away mid-request, from `Drop` (status 499, as nginx logs it).
    fn finish(&mut self, status: u16) {
        if self.finished {
            return;
        }
        self.finished = true;
        let shared = &self.shared;
        let secs = self.started.elapsed().as_secs_f64();
        shared
            .metrics
            .request_count(&self.route, &self.operation, &self.method, status);
        match &self.duration {
            Some(h) => h.observe(secs),
            // No operation matched: a lookup, as for any unmatched request.
            None => shared
                .metrics
                .duration_of(&self.route, &self.operation)
                .observe(secs),
        }
        for v in &self.violations {
            shared
                .metrics
                .violation(&self.route, &self.operation, v.kind);
        }
        tracing::info!(
            target: "contract_gateway::access",
            request_id = %self.id(),
            method = %self.method,
            path = %self.path,
            route = %self.route,
            operation = %self.operation,
            mode = self.mode.as_str(),
            status,
            upstream_status = self.upstream_status,
            attempts = self.attempts,
            violations = self.violations.len(),
            error = self.error,
            cause = self.error_cause.as_deref(),
            duration_ms = secs * 1000.0,
        );
        if self.violations.is_empty() {
            return;
        }
        if let Some(store) = &shared.store {
            let ts = now_ms();
            let records = std::mem::take(&mut self.violations)
                .into_iter()
                .map(|violation| Record {
                    ts_ms: ts,
                    route: self.route.to_string(),
                    operation: self.operation.to_string(),
                    method: self.method.to_string(),
                    path: self.path.clone(),
                    mode: self.mode.as_str().to_string(),
                    request_id: self.id().to_string(),
                    violation,
                })
                .collect();
            let dropped = store.record(records);
            if dropped > 0 {
                shared.metrics.store_dropped(dropped);
            }
        }
    }

    /// The request id: the client's, or a new one.
    fn id(&self) -> &str {
        self.id.get_or_init(|| self.shared.next_request_id())
    }

    fn record(&mut self, vs: impl IntoIterator<Item = Violation>) {
        self.violations.extend(vs);
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        if !self.finished {
            self.error.get_or_insert("client-closed");
            self.finish(499);
        }
    }
}

/// Phase 1: limits, routing, request validation.
async fn request_filter(
    shared: &Shared,
    ctx: &mut Ctx,
    req: Request<Incoming>,
) -> Result<Prepared, GatewayError> {
    let limits = &shared.config.limits;
    let (parts, body) = req.into_parts();
    if header_bytes(&parts) > limits.max_header_bytes {
        return Err(GatewayError::HeadersTooLarge(vec![Violation::new(
            "headers-too-large",
            "request.headers",
            format!("request headers exceed {} bytes", limits.max_header_bytes),
        )]));
    }

    let path = parts.uri.path();
    let Some(ri) = shared.route_for(path) else {
        return Err(GatewayError::NotFound(vec![Violation::new(
            "unknown-route",
            "request.path",
            "no route prefix matches this path",
        )]));
    };
    let route: &RouteState = &shared.routes[ri];
    ctx.route = Arc::clone(&route.prefix);
    ctx.mode = route.cfg.mode.unwrap_or(shared.config.mode);
    let local_path = route.local_path(path);
    let path_and_query = match parts.uri.query() {
        Some(q) => format!("{local_path}?{q}"),
        None => local_path.to_string(),
    };

    // Which operation, and therefore which mode.
    let active = route.active.as_ref().map(|a| a.load_full());
    let mut op = None;
    let mut path_params = Vec::new();
    let mut routing_error = None;
    if let Some(a) = &active {
        if ctx.mode != Mode::Off {
            match a
                .contract
                .route(&parts.method, &local_path, &route.cfg.policies)
            {
                RouteMatch::Found { op: i, params } => {
                    if let Some(s) = a.settings.get(i) {
                        ctx.operation = Arc::clone(&s.id);
                        ctx.duration = Some(
                            s.duration
                                .get_or_init(|| shared.metrics.duration_of(&route.prefix, &s.id))
                                .clone(),
                        );
                        ctx.mode = s.mode;
                        op = Some(i);
                        path_params = params;
                    }
                }
                RouteMatch::MethodNotAllowed(allow) => {
                    let v = Violation::new(
                        "method-not-allowed",
                        "request.method",
                        format!(
                            "the contract does not declare {} for this path",
                            parts.method
                        ),
                    );
                    routing_error = Some(GatewayError::MethodNotAllowed {
                        allow,
                        violations: vec![v],
                    });
                }
                RouteMatch::NotFound => {
                    routing_error = Some(GatewayError::NotFound(vec![Violation::new(
                        "unknown-path",
                        "request.path",
                        "the contract declares no operation at this path",
                    )]));
                }
            }
        }
    }

    // Body limits apply in every mode: they protect the gateway and the upstream.
    let declared_len = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        GatewayError::PayloadTooLarge(vec![Violation::new(
            "payload-too-large",
            "request.body",
            format!("request body exceeds {} bytes", limits.max_body_bytes),
        )])
    };
    if declared_len.is_some_and(|n| n > limits.max_body_bytes as u64) {
        return Err(too_large());
    }
    let body = match collect_limited(body, limits.max_body_bytes).await {
        Ok(Collected::Complete(b)) => b,
        Ok(Collected::TooLarge { .. }) => return Err(too_large()),
        Err(e) => {
            ctx.error_cause = Some(e.to_string());
            return Err(GatewayError::InvalidRequest(vec![Violation::new(
                "body-unreadable",
                "request.body",
                "the request body could not be read",
            )]));
        }
    };
    if is_json(&parts.headers) && json_too_deep(&body, limits.max_json_depth) {
        return Err(GatewayError::InvalidRequest(vec![Violation::new(
            "json-too-deep",
            "request.body",
            format!("JSON nests deeper than {} levels", limits.max_json_depth),
        )]));
    }

    if let Some(e) = routing_error {
        if ctx.mode == Mode::Enforce {
            return Err(e);
        }
        ctx.record(e.violations().iter().cloned());
    }

    if let (Some(a), Some(i)) = (&active, op) {
        if ctx.mode != Mode::Off {
            let view = RequestView {
                method: &parts.method,
                query: parts.uri.query(),
                headers: &parts.headers,
                body: &body,
            };
            let check = a
                .contract
                .check_request(i, &path_params, &view, &route.cfg.policies);
            if !check.violations.is_empty() && ctx.mode == Mode::Enforce {
                let mut vs = check.violations;
                vs.extend(check.advisory);
                return Err(classify(vs));
            }
            ctx.record(check.violations);
            ctx.record(check.advisory);
        }
    }

    let mut headers = parts.headers;
    strip_hop_by_hop(&mut headers);
    headers.remove(header::HOST);
    headers.remove(header::EXPECT);
    Ok(Prepared {
        route: ri,
        active,
        op,
        method: parts.method,
        path_and_query,
        headers,
        body,
    })
}

/// Phase 2: the upstream exchange.
async fn upstream_phase(
    shared: &Shared,
    ctx: &mut Ctx,
    p: &Prepared,
    affinity: &Affinity,
) -> Result<Response<Incoming>, GatewayError> {
    let route = &shared.routes[p.route];
    let out = Outgoing {
        method: &p.method,
        path_and_query: &p.path_and_query,
        headers: &p.headers,
        body: p.body.clone(),
    };
    match shared
        .client
        .forward(
            &route.target,
            out,
            &shared.config.retry,
            shared.config.limits.upstream_timeout,
            &shared.metrics,
            affinity,
        )
        .await
    {
        Ok((resp, attempts)) => {
            ctx.attempts = attempts;
            ctx.upstream_status = Some(resp.status().as_u16());
            Ok(resp)
        }
        Err(UpstreamError::BreakerOpen) => Err(GatewayError::BreakerOpen),
        Err(UpstreamError::Timeout) => Err(GatewayError::UpstreamTimeout),
        Err(UpstreamError::Transport(why)) => Err(GatewayError::UpstreamUnavailable(why)),
    }
}

/// Phase 3: response validation.
async fn response_filter(
    shared: &Shared,
    ctx: &mut Ctx,
    p: &Prepared,
    resp: Response<Incoming>,
) -> Result<Response<ProxyBody>, GatewayError> {
    let (mut parts, body) = resp.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    let stream = |parts, body| {
        Ok(Response::from_parts(
            parts,
            ProxyBody::Upstream {
                prefix: None,
                rest: body,
            },
        ))
    };
    let (Some(active), Some(op)) = (&p.active, p.op) else {
        return stream(parts, body);
    };
    let sampling = active.settings.get(op).map_or(1.0, |s| s.sampling);
    if ctx.mode == Mode::Off || !(sampling >= 1.0 || fastrand::f64() < sampling) {
        return stream(parts, body);
    }
    let contract = &active.contract;
    let mut vs = Vec::new();
    let needs_body = contract.check_response_head(op, parts.status, &parts.headers, &mut vs)
        && p.method != Method::HEAD
        && !matches!(
            parts.status,
            StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
        );
    let out = if needs_body {
        let limits = &shared.config.limits;
        let remaining = limits
            .upstream_timeout
            .saturating_sub(ctx.started.elapsed());
        match tokio::time::timeout(
            remaining,
            collect_limited(body, limits.max_response_body_bytes),
        )
        .await
        {
            Ok(Ok(Collected::Complete(bytes))) => {
                if is_json(&parts.headers) && json_too_deep(&bytes, limits.max_json_depth) {
                    vs.push(Violation::new(
                        "json-too-deep",
                        "response.body",
                        format!("JSON nests deeper than {} levels", limits.max_json_depth),
                    ));
                } else {
                    contract.check_response_body(op, parts.status, &parts.headers, &bytes, &mut vs);
                }
                ProxyBody::full(bytes)
            }
            Ok(Ok(Collected::TooLarge { prefix, rest })) => {
                vs.push(Violation::new(
                    "response-too-large",
                    "response.body",
                    format!(
                        "response body exceeds {} bytes and was not validated",
                        limits.max_response_body_bytes
                    ),
                ));
                ProxyBody::Upstream {
                    prefix: Some(prefix),
                    rest,
                }
            }
            Ok(Err(e)) => return Err(GatewayError::UpstreamUnavailable(e.to_string())),
            Err(_) => return Err(GatewayError::UpstreamTimeout),
        }
    } else {
        ProxyBody::Upstream {
            prefix: None,
            rest: body,
        }
    };
    if !vs.is_empty() {
        if ctx.mode == Mode::Enforce {
            shared
                .metrics
                .upstream_error(&shared.routes[p.route].target.label, "invalid-response");
            return Err(GatewayError::InvalidResponse(vs));
        }
        ctx.record(vs);
    }
    Ok(Response::from_parts(parts, out))
}

/// The one place that turns an error into a response: a problem document, with `Allow` for
/// 405 and `Retry-After` for an open breaker. Its violations join the request's record.
fn error_response(ctx: &mut Ctx, e: GatewayError) -> Response<ProxyBody> {
    ctx.error = Some(e.kind());
    if let GatewayError::UpstreamUnavailable(why) = &e {
        ctx.error_cause = Some(why.clone());
    }
    let problem = e.to_problem(ctx.id());
    ctx.record(e.violations().iter().cloned());
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut resp = Response::new(ProxyBody::full(body));
    *resp.status_mut() = e.status();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    match &e {
        GatewayError::MethodNotAllowed { allow, .. } => {
            let list = allow
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            if let Ok(v) = HeaderValue::from_str(&list) {
                h.insert(header::ALLOW, v);
            }
        }
        GatewayError::BreakerOpen => {
            let secs = ctx.shared.config.breaker.open_for.as_secs().max(1);
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        _ => {}
    }
    resp
}

/// Picks the status for a set of request violations: 401 before 415 before 400.
fn classify(vs: Vec<Violation>) -> GatewayError {
    if vs.iter().any(|v| v.kind == "security") {
        GatewayError::Unauthorized(vs)
    } else if vs.iter().any(|v| v.kind == "unsupported-media-type") {
        GatewayError::UnsupportedMediaType(vs)
    } else if vs.iter().any(|v| v.kind == "malformed-json") {
        GatewayError::MalformedJson(vs)
    } else {
        GatewayError::InvalidRequest(vs)
    }
}

fn header_bytes(parts: &http::request::Parts) -> usize {
    parts
        .headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum::<usize>()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let essence = ct.split(';').next().unwrap_or("").trim();
            essence.eq_ignore_ascii_case("application/json")
                || essence.to_ascii_lowercase().ends_with("+json")
        })
        .unwrap_or(false)
}

const HOP_BY_HOP: [HeaderName; 7] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Removes the hop-by-hop headers of RFC 9110 §7.6.1, including those the `Connection` header
/// names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // One pass over the names present, rather than a lookup for every hop-by-hop name: most
    // messages carry none of them.
    let mut gone: Vec<HeaderName> = headers
        .keys()
        .filter(|k| HOP_BY_HOP.contains(k))
        .cloned()
        .collect();
    if gone.is_empty() {
        return;
    }
    gone.extend(
        headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok()),
    );
    for n in &gone {
        headers.remove(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_go_including_connection_tokens() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("close, x-hop"));
        h.insert("x-hop", HeaderValue::from_static("1"));
        h.insert("x-end", HeaderValue::from_static("1"));
        h.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("x-end"));
    }

    #[test]
    fn json_media_types() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/merge-patch+json; charset=utf-8"),
        );
        assert!(is_json(&h));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!is_json(&h));
    }

    #[test]
    fn classification_prefers_401_then_415() {
        let v = |k| Violation::new(k, "request", "x");
        assert_eq!(
            classify(vec![v("parameter-invalid"), v("security")]).status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            classify(vec![v("body-invalid"), v("unsupported-media-type")]).status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(
            classify(vec![v("parameter-invalid")]).status(),
            StatusCode::BAD_REQUEST
        );
    }
}
