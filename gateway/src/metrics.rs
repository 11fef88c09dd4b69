//! Prometheus metrics (OpenMetrics text via `prometheus-client`): requests, violations by
//! operation and kind, latency histograms, upstream errors and retries, breaker states, reloads.

use std::sync::Arc;

use http::Method;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::breaker::BreakerState;

// Label sets are plain structs of shared strings, so counting a request clones a few `Arc`s
// instead of allocating a vector of strings.

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: Arc<str>,
    operation: Arc<str>,
    method: MethodLabel,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    route: Arc<str>,
    operation: Arc<str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ViolationLabels {
    route: Arc<str>,
    operation: Arc<str>,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    upstream: Arc<str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamKindLabels {
    upstream: Arc<str>,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    route: Arc<str>,
    result: &'static str,
}

/// An HTTP method as a label value.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct MethodLabel(Method);

impl EncodeLabelValue for MethodLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.0.as_str(), encoder)
    }
}

fn latency_histogram() -> Histogram {
    // 0.1 ms … ~3.3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// Every metric the gateway exports.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Family<OperationLabels, Histogram, fn() -> Histogram>,
    upstream_duration: Family<UpstreamLabels, Histogram, fn() -> Histogram>,
    violations: Family<ViolationLabels, Counter>,
    upstream_errors: Family<UpstreamKindLabels, Counter>,
    retries: Family<UpstreamLabels, Counter>,
    breaker: Family<UpstreamLabels, Gauge>,
    reloads: Family<ReloadLabels, Counter>,
    store_dropped: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric under the `gateway_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("gateway");
        let requests = Family::<RequestLabels, Counter>::default();
        let duration = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let upstream_duration =
            Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        let violations = Family::<ViolationLabels, Counter>::default();
        let upstream_errors = Family::<UpstreamKindLabels, Counter>::default();
        let retries = Family::<UpstreamLabels, Counter>::default();
        let breaker = Family::<UpstreamLabels, Gauge>::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        let store_dropped = Counter::default();
        registry.register(
            "requests",
            "Requests answered, by route, operation, method and status",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from request head to response head, by route and operation",
            duration.clone(),
        );
        registry.register(
            "upstream_duration_seconds",
            "Time the upstream took to answer, by upstream",
            upstream_duration.clone(),
        );
        registry.register(
            "violations",
            "Contract violations found, by route, operation and kind",
            violations.clone(),
        );
        registry.register(
            "upstream_errors",
            "Failed upstream exchanges, by upstream and kind (connect, timeout, circuit-open, \
             invalid-response)",
            upstream_errors.clone(),
        );
        registry.register(
            "upstream_retries",
            "Retries of idempotent requests, by upstream",
            retries.clone(),
        );
        registry.register(
            "breaker_state",
            "Circuit breaker state per upstream: 0 closed, 1 open, 2 half-open",
            breaker.clone(),
        );
        registry.register(
            "contract_reloads",
            "Contract reloads, by route and result (ok, error)",
            reloads.clone(),
        );
        registry.register(
            "store_dropped",
            "Violations not stored because the store queue was full",
            store_dropped.clone(),
        );
        Metrics {
            registry,
            requests,
            duration,
            upstream_duration,
            violations,
            upstream_errors,
            retries,
            breaker,
            reloads,
            store_dropped,
        }
    }

    /// Counts one answered request and its latency.
    pub fn request(
        &self,
        route: &Arc<str>,
        operation: &Arc<str>,
        method: &Method,
        status: u16,
        secs: f64,
    ) {
        self.request_count(route, operation, method, status);
        self.duration_of(route, operation).observe(secs);
    }

    /// Counts one answered request (its latency goes to [`Metrics::duration_of`]).
    pub fn request_count(
        &self,
        route: &Arc<str>,
        operation: &Arc<str>,
        method: &Method,
        status: u16,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                route: Arc::clone(route),
                operation: Arc::clone(operation),
                method: MethodLabel(method.clone()),
                status,
            })
            .inc();
    }

    /// The latency histogram of one operation, to keep and observe without a lookup per
    /// request (a handle on the same series [`Metrics::request`] feeds).
    pub fn duration_of(&self, route: &Arc<str>, operation: &Arc<str>) -> Histogram {
        self.duration
            .get_or_create(&OperationLabels {
                route: Arc::clone(route),
                operation: Arc::clone(operation),
            })
            .clone()
    }

    /// The histogram of upstream exchange times for one upstream, to keep and observe.
    pub fn upstream_duration_of(&self, upstream: &Arc<str>) -> Histogram {
        self.upstream_duration
            .get_or_create(&UpstreamLabels {
                upstream: Arc::clone(upstream),
            })
            .clone()
    }

    /// Counts one violation.
    pub fn violation(&self, route: &Arc<str>, operation: &Arc<str>, kind: &'static str) {
        self.violations
            .get_or_create(&ViolationLabels {
                route: Arc::clone(route),
                operation: Arc::clone(operation),
                kind,
            })
            .inc();
    }

    /// Counts one failed upstream exchange.
    pub fn upstream_error(&self, upstream: &Arc<str>, kind: &'static str) {
        self.upstream_errors
            .get_or_create(&UpstreamKindLabels {
                upstream: Arc::clone(upstream),
                kind,
            })
            .inc();
    }

    /// Counts one retry.
    pub fn retry(&self, upstream: &Arc<str>) {
        self.retries
            .get_or_create(&UpstreamLabels {
                upstream: Arc::clone(upstream),
            })
            .inc();
    }

    /// Sets an upstream's breaker state.
    pub fn breaker_state(&self, upstream: &Arc<str>, state: BreakerState) {
        let v = match state {
            BreakerState::Closed => 0,
            BreakerState::Open => 1,
            BreakerState::HalfOpen => 2,
        };
        self.breaker
            .get_or_create(&UpstreamLabels {
                upstream: Arc::clone(upstream),
            })
            .set(v);
    }

    /// Counts one contract reload.
    pub fn reload(&self, route: &str, ok: bool) {
        self.reloads
            .get_or_create(&ReloadLabels {
                route: Arc::from(route),
                result: if ok { "ok" } else { "error" },
            })
            .inc();
    }

    /// Counts violations the store had no room for.
    pub fn store_dropped(&self, n: u64) {
        self.store_dropped.inc_by(n);
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// The Content-Type of [`Metrics::render`]'s output.
pub const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::new();
        let (route, op) = (Arc::from("/"), Arc::from("listPets"));
        m.request(&route, &op, &Method::GET, 200, 0.002);
        m.violation(&route, &op, "parameter-invalid");
        m.breaker_state(&Arc::from("127.0.0.1:1"), BreakerState::Open);
        let text = m.render();
        assert!(text.contains(
            r#"gateway_requests_total{route="/",operation="listPets",method="GET",status="200"} 1"#
        ));
        assert!(text.contains(
            r#"gateway_violations_total{route="/",operation="listPets",kind="parameter-invalid"} 1"#
        ));
        assert!(text.contains("gateway_request_duration_seconds_bucket"));
        assert!(text.contains(r#"gateway_breaker_state{upstream="127.0.0.1:1"} 1"#));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn kept_histogram_handles_feed_the_exported_series() {
        let m = Metrics::new();
        let (route, op) = (Arc::from("/"), Arc::from("getPet"));
        let kept = m.duration_of(&route, &op);
        kept.observe(0.001);
        m.request(&route, &op, &Method::GET, 200, 0.002);
        m.upstream_duration_of(&Arc::from("127.0.0.1:1"))
            .observe(0.001);
        let text = m.render();
        assert!(
            text.contains(
                r#"gateway_request_duration_seconds_count{route="/",operation="getPet"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"gateway_upstream_duration_seconds_count{upstream="127.0.0.1:1"} 1"#),
            "{text}"
        );
    }
}
