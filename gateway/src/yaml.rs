//! `gateway.yaml`: several contracts, upstreams and route prefixes, per-operation overrides,
//! limits and policies, parsed with `serde-saphyr` (unknown keys are errors, every error carries
//! `file:line:col`).
//!
//! ```yaml
//! listen: 127.0.0.1:9000
//! admin: 127.0.0.1:9001            # optional
//! mode: enforce                    # enforce | report | off
//! limits:
//!   max_body: 1MiB                 # bytes, or with B, kB, KiB, MB, MiB, GB, GiB
//!   max_response_body: 8MiB
//!   max_json_depth: 64
//!   max_headers: 16KiB
//!   connect_timeout: 2s            # ms, s, m, h
//!   upstream_timeout: 30s
//!   idle_timeout: 60s
//! retry: { attempts: 3, base_delay: 20ms, max_delay: 500ms }
//! breaker: { failure_threshold: 5, open_for: 10s, half_open_trials: 1 }
//! store: violations.sqlite         # a SQLite file, `memory` or `off`
//! reload: { poll_interval: 1s, on_sighup: true }   # poll_interval: off to disable
//! shutdown_timeout: 10s
//! workers: 2                       # proxy threads, one event loop each; default one per core
//! policies: { unknown_query: report, trailing_slash: strict }   # defaults for every route
//! routes:
//!   - prefix: /pets
//!     contract: petstore.yaml      # relative to this file; omit for a plain proxy route
//!     upstream: http://127.0.0.1:8080
//!     mode: report
//!     strip_prefix: false
//!     response_sampling: 0.5
//!     policies: { unknown_query: reject }
//!     operations:
//!       listPets: { mode: enforce, response_sampling: 1.0 }
//!       "DELETE /pets/{id}": { mode: off }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use contracts::{Diagnostic, SourceFile};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::config::{
    BreakerPolicy, GatewayConfig, Limits, Mode, OperationOverride, Policies, Policy, ReloadConfig,
    RetryPolicy, RouteConfig, StoreConfig, TrailingSlash, Upstream,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default = "default_listen")]
    listen: String,
    admin: Option<String>,
    #[serde(default = "default_mode")]
    mode: Mode,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    retry: RawRetry,
    #[serde(default)]
    breaker: RawBreaker,
    store: Option<String>,
    #[serde(default)]
    reload: RawReload,
    shutdown_timeout: Option<Dur>,
    workers: Option<usize>,
    policies: Option<RawPolicies>,
    routes: Vec<RawRoute>,
}

fn default_listen() -> String {
    "127.0.0.1:9000".into()
}

fn default_mode() -> Mode {
    Mode::Enforce
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_body: Option<Size>,
    max_response_body: Option<Size>,
    max_json_depth: Option<usize>,
    max_headers: Option<Size>,
    connect_timeout: Option<Dur>,
    upstream_timeout: Option<Dur>,
    idle_timeout: Option<Dur>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    attempts: Option<u32>,
    base_delay: Option<Dur>,
    max_delay: Option<Dur>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBreaker {
    failure_threshold: Option<u32>,
    open_for: Option<Dur>,
    half_open_trials: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReload {
    poll_interval: Option<String>,
    on_sighup: Option<bool>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct RawPolicies {
    unknown_query: Option<Policy>,
    trailing_slash: Option<TrailingSlash>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    #[serde(default = "default_prefix")]
    prefix: String,
    contract: Option<PathBuf>,
    #[serde(deserialize_with = "upstream")]
    upstream: Upstream,
    mode: Option<Mode>,
    #[serde(default)]
    strip_prefix: bool,
    response_sampling: Option<f64>,
    policies: Option<RawPolicies>,
    #[serde(default)]
    operations: BTreeMap<String, RawOverride>,
}

fn default_prefix() -> String {
    "/".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    mode: Option<Mode>,
    response_sampling: Option<f64>,
}

fn upstream<'de, D: Deserializer<'de>>(d: D) -> Result<Upstream, D::Error> {
    let s = String::deserialize(d)?;
    Upstream::parse(&s).map_err(de::Error::custom)
}

/// A duration written with a unit: `250ms`, `2s`, `1m`, `1h`.
struct Dur(Duration);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s).map(Dur).map_err(de::Error::custom)
    }
}

/// A size in bytes: a number, or with a unit (`B`, `kB`, `KiB`, `MB`, `MiB`, `GB`, `GiB`).
struct Size(usize);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size such as 1048576, 512KiB or 1MiB")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Size, E> {
                usize::try_from(v)
                    .map(Size)
                    .map_err(|_| E::custom("size too large"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("a size cannot be negative"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                parse_size(v).map(Size).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses `250ms`, `2s`, `1.5s`, `1m`, `1h`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration; write e.g. 250ms, 2s, 1m"))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        "" => return Err(format!("`{s}` has no unit; write e.g. {s}ms or {s}s")),
        u => return Err(format!("unknown duration unit `{u}`; use ms, s, m or h")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("`{s}` is out of range"))
}

/// Parses `1048576`, `512KiB`, `1MiB`, `10kB`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size; write e.g. 65536, 64KiB or 1MiB"))?;
    let mult: usize = match unit.trim() {
        "" | "B" => 1,
        "kB" | "KB" => 1000,
        "KiB" => 1 << 10,
        "MB" => 1_000_000,
        "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "GiB" => 1 << 30,
        u => {
            return Err(format!(
                "unknown size unit `{u}`; use B, kB, KiB, MB, MiB, GB or GiB"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

impl RawPolicies {
    fn over(self, base: &Policies) -> Policies {
        Policies {
            unknown_query: self.unknown_query.unwrap_or(base.unknown_query),
            trailing_slash: self.trailing_slash.unwrap_or(base.trailing_slash),
        }
    }
}

impl GatewayConfig {
    /// Reads `gateway.yaml`; contract paths are taken relative to its directory.
    pub fn from_file(path: &Path) -> Result<GatewayConfig, Vec<Diagnostic>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![
                Diagnostic::error("unreadable-input", format!("cannot read: {e}"))
                    .with_file(path.display().to_string())
                    .with_hint("check the path and its permissions"),
            ]
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        GatewayConfig::from_yaml(&text, &path.display().to_string(), base)
    }

    /// Parses the text of a `gateway.yaml` shown as `name`; relative contract paths are
    /// resolved against `base_dir`.
    pub fn from_yaml(
        text: &str,
        name: &str,
        base_dir: &Path,
    ) -> Result<GatewayConfig, Vec<Diagnostic>> {
        let file = SourceFile::new(name, text);
        let raw: RawConfig = serde_saphyr::from_str(text).map_err(|e| {
            let plain = e.without_snippet().to_string();
            let first = plain
                .lines()
                .next()
                .unwrap_or("invalid gateway configuration");
            // The location travels in the span; drop its repetition from the message.
            let message = match (first.rfind(" at line "), e.location()) {
                (Some(i), Some(_)) => first[..i].to_string(),
                _ => first.to_string(),
            };
            let span = e.location().map(|l| {
                let (line, col) = (l.line() as u32, l.column() as u32);
                file.span_lc(line, col, line, col)
            });
            vec![Diagnostic::error("invalid-gateway-config", message)
                .with_span(span)
                .with_file(name)
                .with_hint("see the gateway.yaml reference in the contract-gateway docs")]
        })?;
        let bad = |msg: String, hint: &str| {
            Diagnostic::error("invalid-gateway-config", msg)
                .with_file(name)
                .with_hint(hint.to_string())
        };
        let mut errors = Vec::new();
        let listen = raw.listen.parse().ok();
        if listen.is_none() {
            errors.push(bad(
                format!("listen: `{}` is not an address", raw.listen),
                "write host:port, e.g. 127.0.0.1:9000",
            ));
        }
        let admin = raw.admin.as_ref().and_then(|a| {
            let parsed = a.parse().ok();
            if parsed.is_none() {
                errors.push(bad(
                    format!("admin: `{a}` is not an address"),
                    "write host:port, e.g. 127.0.0.1:9001",
                ));
            }
            parsed
        });
        let d = Limits::default();
        let limits = Limits {
            max_body_bytes: raw.limits.max_body.map_or(d.max_body_bytes, |s| s.0),
            max_response_body_bytes: raw
                .limits
                .max_response_body
                .map_or(d.max_response_body_bytes, |s| s.0),
            max_json_depth: raw.limits.max_json_depth.unwrap_or(d.max_json_depth),
            max_header_bytes: raw.limits.max_headers.map_or(d.max_header_bytes, |s| s.0),
            connect_timeout: raw
                .limits
                .connect_timeout
                .map_or(d.connect_timeout, |t| t.0),
            upstream_timeout: raw
                .limits
                .upstream_timeout
                .map_or(d.upstream_timeout, |t| t.0),
            idle_timeout: raw.limits.idle_timeout.map_or(d.idle_timeout, |t| t.0),
        };
        let r = RetryPolicy::default();
        let retry = RetryPolicy {
            attempts: raw.retry.attempts.unwrap_or(r.attempts),
            base_delay: raw.retry.base_delay.map_or(r.base_delay, |t| t.0),
            max_delay: raw.retry.max_delay.map_or(r.max_delay, |t| t.0),
        };
        let b = BreakerPolicy::default();
        let breaker = BreakerPolicy {
            failure_threshold: raw.breaker.failure_threshold.unwrap_or(b.failure_threshold),
            open_for: raw.breaker.open_for.map_or(b.open_for, |t| t.0),
            half_open_trials: raw.breaker.half_open_trials.unwrap_or(b.half_open_trials),
        };
        let store = match raw.store.as_deref() {
            None => StoreConfig::default(),
            Some("memory") => StoreConfig::Memory,
            Some("off") => StoreConfig::Off,
            Some(p) => StoreConfig::Sqlite(base_dir.join(p)),
        };
        let rd = ReloadConfig::default();
        let poll_interval = match raw.reload.poll_interval.as_deref() {
            None => rd.poll_interval,
            Some("off") => None,
            Some(s) => match parse_duration(s) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(bad(format!("reload.poll_interval: {e}"), "or write `off`"));
                    None
                }
            },
        };
        let base_policies = raw.policies.unwrap_or_default().over(&Policies::default());
        let routes = raw
            .routes
            .into_iter()
            .map(|r| RouteConfig {
                prefix: r.prefix,
                strip_prefix: r.strip_prefix,
                contract: r.contract.map(|c| base_dir.join(c)),
                upstream: r.upstream,
                mode: r.mode,
                response_sampling: r.response_sampling.unwrap_or(1.0),
                operations: r
                    .operations
                    .into_iter()
                    .map(|(k, o)| {
                        (
                            k,
                            OperationOverride {
                                mode: o.mode,
                                response_sampling: o.response_sampling,
                            },
                        )
                    })
                    .collect(),
                policies: r.policies.unwrap_or_default().over(&base_policies),
            })
            .collect();
        let config = GatewayConfig {
            listen: listen.unwrap_or_else(|| ([127, 0, 0, 1], 9000).into()),
            admin_listen: admin,
            mode: raw.mode,
            routes,
            limits,
            retry,
            breaker,
            store,
            reload: ReloadConfig {
                poll_interval,
                on_sighup: raw.reload.on_sighup.unwrap_or(rd.on_sighup),
            },
            shutdown_timeout: raw
                .shutdown_timeout
                .map_or(Duration::from_secs(10), |t| t.0),
            workers: raw.workers.unwrap_or(0),
        };
        if let Err(es) = config.check() {
            errors.extend(
                es.into_iter()
                    .map(|e| bad(e, "fix the value in the configuration file")),
            );
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
listen: 127.0.0.1:9100
admin: 127.0.0.1:9101
mode: report
limits:
  max_body: 2MiB
  max_response_body: 1000000
  max_json_depth: 32
  max_headers: 8KiB
  connect_timeout: 500ms
  upstream_timeout: 5s
  idle_timeout: 1m
retry: { attempts: 2, base_delay: 10ms, max_delay: 1s }
breaker: { failure_threshold: 7, open_for: 30s, half_open_trials: 2 }
store: data/v.sqlite
reload: { poll_interval: off, on_sighup: false }
shutdown_timeout: 3s
workers: 3
policies: { unknown_query: reject }
routes:
  - prefix: /pets
    contract: pets.yaml
    upstream: http://127.0.0.1:8080/v1
    strip_prefix: true
    response_sampling: 0.25
    operations:
      listPets: { mode: enforce, response_sampling: 1.0 }
      "DELETE /pets/{id}": { mode: off }
  - upstream: http://127.0.0.1:8081
    policies: { trailing_slash: ignore }
"#;

    #[test]
    fn reads_every_setting() {
        let c = GatewayConfig::from_yaml(FULL, "gateway.yaml", Path::new("/etc/gw")).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9100");
        assert_eq!(c.admin_listen.unwrap().port(), 9101);
        assert_eq!(c.mode, Mode::Report);
        assert_eq!(c.workers, 3);
        assert_eq!(c.limits.max_body_bytes, 2 << 20);
        assert_eq!(c.limits.max_response_body_bytes, 1_000_000);
        assert_eq!(c.limits.max_header_bytes, 8192);
        assert_eq!(c.limits.connect_timeout, Duration::from_millis(500));
        assert_eq!(c.limits.idle_timeout, Duration::from_secs(60));
        assert_eq!(c.retry.attempts, 2);
        assert_eq!(c.breaker.half_open_trials, 2);
        assert_eq!(c.store, StoreConfig::Sqlite("/etc/gw/data/v.sqlite".into()));
        assert_eq!(c.reload.poll_interval, None);
        assert!(!c.reload.on_sighup);
        let pets = &c.routes[0];
        assert_eq!(
            pets.contract.as_deref(),
            Some(Path::new("/etc/gw/pets.yaml"))
        );
        assert_eq!(pets.upstream.base_path(), "/v1");
        assert_eq!(pets.response_sampling, 0.25);
        assert_eq!(pets.policies.unknown_query, Policy::Reject);
        assert_eq!(pets.operations["listPets"].mode, Some(Mode::Enforce));
        assert_eq!(pets.operations["DELETE /pets/{id}"].mode, Some(Mode::Off));
        let rest = &c.routes[1];
        assert_eq!(rest.prefix, "/");
        assert_eq!(rest.contract, None);
        assert_eq!(
            rest.policies.unknown_query,
            Policy::Reject,
            "inherits the defaults"
        );
        assert_eq!(rest.policies.trailing_slash, TrailingSlash::Ignore);
    }

    fn error(text: &str) -> Diagnostic {
        let mut e = GatewayConfig::from_yaml(text, "gateway.yaml", Path::new(".")).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        e.remove(0)
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = error("routes:\n  - upstream: http://h:1\n    mdoe: report\n");
        assert!(e.message.contains("mdoe"), "{}", e.message);
        assert!(!e.message.contains("at line"), "{}", e.message);
        assert_eq!(e.location().unwrap().line, 3);

        let e = error("routes:\n  - upstream: https://h\n");
        assert!(e.message.contains("sidecar"), "{}", e.message);
        assert_eq!(e.location().unwrap().line, 2);

        let e = error("limits:\n  upstream_timeout: 5\nroutes: []\n");
        assert!(e.message.contains("no unit"), "{}", e.message);
        assert_eq!(e.location().unwrap().line, 2);

        let e = error("mode: strict\nroutes: []\n");
        assert_eq!(e.location().unwrap().line, 1);

        let e = error("routes: []\n");
        assert!(e.message.contains("no routes"));

        let e = error("listen: nine\nroutes:\n  - upstream: http://h:1\n");
        assert!(e.message.contains("listen"));
    }

    #[test]
    fn units() {
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert!(parse_duration("2 fortnights").is_err());
        assert_eq!(parse_size("10kB").unwrap(), 10_000);
        assert_eq!(parse_size("1GiB").unwrap(), 1 << 30);
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
    }
}
