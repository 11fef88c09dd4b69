//! The admin listener, kept apart from the proxy listener so it can stay on a private address:
//!
//! - `GET /healthz`: 200 while the process serves.
//! - `GET /readyz`: 200 when every contract is compiled and the gateway is not shutting down,
//!   503 otherwise; the body lists routes, operations and breaker states.
//! - `GET /metrics`: Prometheus (OpenMetrics text).
//! - `GET /violations?operation=…&route=…&kind=…&since=…&limit=…`: stored violations, newest
//!   first, as JSON (`since`: RFC 3339, `YYYY-MM-DD` or Unix milliseconds; `limit` ≤ 10000,
//!   default 100).
//! - `POST /reload`: recompile every contract now.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::json;

use crate::body::ProxyBody;
use crate::breaker::BreakerState;
use crate::gateway::Shared;
use crate::metrics::METRICS_CONTENT_TYPE;
use crate::store::{parse_time, Query};

/// Answers one admin request.
pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<ProxyBody> {
    let path = req.uri().path();
    match (req.method(), path) {
        (&Method::GET, "/healthz") => json_response(StatusCode::OK, &json!({"status": "ok"})),
        (&Method::GET, "/readyz") => readyz(&shared),
        (&Method::GET, "/metrics") => {
            let mut r = Response::new(ProxyBody::full(shared.metrics.render()));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(METRICS_CONTENT_TYPE),
            );
            r
        }
        (&Method::GET, "/violations") => violations(&shared, req.uri().query()).await,
        (&Method::POST, "/reload") => {
            let outcomes = shared.reload_all().await;
            let ok = outcomes.iter().all(|o| o.result.is_ok());
            let body: Vec<_> = outcomes
                .iter()
                .map(|o| match &o.result {
                    Ok(n) => json!({"route": o.route, "ok": true, "operations": n}),
                    Err(e) => json!({"route": o.route, "ok": false, "error": e}),
                })
                .collect();
            json_response(
                if ok {
                    StatusCode::OK
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                &json!({ "reloads": body }),
            )
        }
        (_, "/healthz" | "/readyz" | "/metrics" | "/violations" | "/reload") => json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({"error": "method not allowed"}),
        ),
        _ => json_response(StatusCode::NOT_FOUND, &json!({"error": "not found"})),
    }
}

fn readyz(shared: &Shared) -> Response<ProxyBody> {
    let stopping = shared.shutting_down.load(Ordering::SeqCst);
    let routes: Vec<_> = shared
        .routes
        .iter()
        .map(|r| {
            let breaker = match r.target.breaker.state() {
                BreakerState::Closed => "closed",
                BreakerState::Open => "open",
                BreakerState::HalfOpen => "half-open",
            };
            json!({
                "prefix": r.cfg.prefix,
                "upstream": r.cfg.upstream.to_string(),
                "contract": r.cfg.contract.as_ref().map(|p| p.display().to_string()),
                "operations": r.active.as_ref().map(|a| a.load().contract.operations().len()),
                "breaker": breaker,
            })
        })
        .collect();
    let (status, word) = if stopping {
        (StatusCode::SERVICE_UNAVAILABLE, "stopping")
    } else {
        (StatusCode::OK, "ready")
    };
    json_response(status, &json!({"status": word, "routes": routes}))
}

async fn violations(shared: &Shared, query: Option<&str>) -> Response<ProxyBody> {
    let Some(store) = &shared.store else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": "the violation store is off"}),
        );
    };
    let mut q = Query {
        limit: 100,
        ..Query::default()
    };
    for (k, v) in form_pairs(query.unwrap_or("")) {
        match k.as_str() {
            "operation" => q.operation = Some(v),
            "route" => q.route = Some(v),
            "kind" => q.kind = Some(v),
            "since" => match parse_time(&v) {
                Some(ms) => q.since_ms = Some(ms),
                None => {
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        &json!({"error": "`since` must be RFC 3339, YYYY-MM-DD or Unix milliseconds"}),
                    )
                }
            },
            "limit" => match v.parse::<usize>() {
                Ok(n) if (1..=10_000).contains(&n) => q.limit = n,
                _ => {
                    return json_response(
                        StatusCode::BAD_REQUEST,
                        &json!({"error": "`limit` must be between 1 and 10000"}),
                    )
                }
            },
            _ => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    &json!({"error": format!("unknown parameter `{k}`; use operation, route, kind, since, limit")}),
                )
            }
        }
    }
    match store.query(q).await {
        Ok(rows) => json_response(StatusCode::OK, &json!({ "violations": rows })),
        Err(e) => json_response(StatusCode::INTERNAL_SERVER_ERROR, &json!({"error": e})),
    }
}

/// `a=1&b=x%20y` → pairs, percent- and `+`-decoded.
pub(crate) fn form_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_form(k), decode_form(v))
        })
        .collect()
}

fn decode_form(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}

fn json_response(status: StatusCode, v: &serde_json::Value) -> Response<ProxyBody> {
    let mut r = Response::new(ProxyBody::full(serde_json::to_vec(v).unwrap_or_default()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_decode() {
        assert_eq!(
            form_pairs("operation=list%20pets&since=2026-01-01T00%3A00%3A00Z&x"),
            vec![
                ("operation".into(), "list pets".into()),
                ("since".into(), "2026-01-01T00:00:00Z".into()),
                ("x".into(), String::new()),
            ]
        );
    }
}
