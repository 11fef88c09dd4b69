//! Starting and stopping: [`Gateway::start`] compiles every contract, binds the listeners and
//! returns a [`GatewayHandle`]; shared state lives in one [`Shared`] behind an `Arc`.

use prometheus_client::metrics::histogram::Histogram;
use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use contracts::Diagnostic;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::breaker::Breaker;
use crate::config::{GatewayConfig, Mode, RouteConfig};
use crate::metrics::Metrics;
use crate::store::Store;
use crate::upstream::{Target, UpstreamClient};
use crate::validate::CompiledContract;
use crate::workers::Workers;
use crate::{admin, proxy};

/// Per-operation settings resolved from the route's overrides when a contract is compiled.
#[derive(Debug, Clone)]
pub(crate) struct OpSettings {
    pub mode: Mode,
    pub sampling: f64,
    /// The operation id, shared with every request's log and metric labels.
    pub id: Arc<str>,
    /// Its latency histogram, fetched from the metrics on first use.
    pub duration: OnceLock<Histogram>,
}

/// A compiled contract with its resolved per-operation settings: what a reload swaps.
#[derive(Debug)]
pub(crate) struct Active {
    pub contract: CompiledContract,
    pub settings: Vec<OpSettings>,
}

type Stamp = Option<(SystemTime, u64)>;

/// One configured route at run time.
pub(crate) struct RouteState {
    pub cfg: RouteConfig,
    /// `cfg.prefix`, shared with every request's log and metric labels.
    pub prefix: Arc<str>,
    pub target: Target,
    pub active: Option<ArcSwap<Active>>,
    stamps: Mutex<Vec<(PathBuf, Stamp)>>,
    reloading: tokio::sync::Mutex<()>,
}

impl RouteState {
    /// The request path as the contract sees it (prefix stripped when configured).
    pub fn local_path<'a>(&self, path: &'a str) -> std::borrow::Cow<'a, str> {
        if !self.cfg.strip_prefix || self.cfg.prefix == "/" {
            return path.into();
        }
        let rest = path
            .strip_prefix(self.cfg.prefix.trim_end_matches('/'))
            .unwrap_or(path);
        if rest.starts_with('/') {
            rest.into()
        } else {
            format!("/{rest}").into()
        }
    }
}

/// State shared by every connection.
pub(crate) struct Shared {
    pub config: GatewayConfig,
    /// Sorted by prefix length, longest first.
    pub routes: Vec<RouteState>,
    pub client: UpstreamClient,
    pub metrics: Metrics,
    pub store: Option<Store>,
    pub shutting_down: AtomicBool,
    /// `-`: the route and operation label of a request that matched none.
    pub unmatched: Arc<str>,
    seq: AtomicU64,
    boot: u64,
}

impl Shared {
    /// The route whose prefix matches `path` (longest first; a prefix matches whole segments).
    pub fn route_for(&self, path: &str) -> Option<usize> {
        self.routes.iter().position(|r| {
            let p = r.cfg.prefix.trim_end_matches('/');
            p.is_empty()
                || path == p
                || (path.starts_with(p) && path.as_bytes().get(p.len()) == Some(&b'/'))
        })
    }

    /// A fresh request id: boot time and a counter, unique per process run.
    pub fn next_request_id(&self) -> String {
        format!(
            "{:x}-{:x}",
            self.boot,
            self.seq.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Recompiles one route's contract; a broken contract keeps the old one.
    pub async fn reload_route(&self, i: usize) -> Option<ReloadOutcome> {
        let route = self.routes.get(i)?;
        let (Some(active), Some(path)) = (&route.active, route.cfg.contract.clone()) else {
            return None;
        };
        let _serial = route.reloading.lock().await;
        let cfg = route.cfg.clone();
        let mode = self.config.mode;
        let compiled = tokio::task::spawn_blocking(move || compile(&path, &cfg, mode)).await;
        let outcome = match compiled {
            Ok(Ok((new, warnings))) => {
                let ops = new.contract.operations().len();
                *lock(&route.stamps) = stamps(new.contract.files());
                active.store(Arc::new(new));
                tracing::info!(
                    target: "contract_gateway::reload",
                    route = %route.cfg.prefix,
                    operations = ops,
                    warnings = warnings.len(),
                    "contract reloaded"
                );
                ReloadOutcome {
                    route: route.cfg.prefix.clone(),
                    result: Ok(ops),
                }
            }
            Ok(Err(diags)) => {
                // Remember the broken files' stamps so polling waits for the next change.
                let files = active.load().contract.files().to_vec();
                *lock(&route.stamps) = stamps(&files);
                let why = summarize(&diags);
                tracing::error!(
                    target: "contract_gateway::reload",
                    route = %route.cfg.prefix,
                    error = %why,
                    "new contract refused; keeping the previous one"
                );
                ReloadOutcome {
                    route: route.cfg.prefix.clone(),
                    result: Err(why),
                }
            }
            Err(e) => ReloadOutcome {
                route: route.cfg.prefix.clone(),
                result: Err(format!("compilation crashed: {e}")),
            },
        };
        self.metrics.reload(&outcome.route, outcome.result.is_ok());
        Some(outcome)
    }

    /// Reloads every route with a contract.
    pub async fn reload_all(&self) -> Vec<ReloadOutcome> {
        let mut out = Vec::new();
        for i in 0..self.routes.len() {
            out.extend(self.reload_route(i).await);
        }
        out
    }

    /// Reloads the routes whose contract files changed since they were compiled.
    async fn reload_changed(&self) {
        for (i, r) in self.routes.iter().enumerate() {
            if r.active.is_none() {
                continue;
            }
            let changed = {
                let s = lock(&r.stamps);
                s.iter().any(|(p, old)| stamp(p) != *old)
            };
            if changed {
                self.reload_route(i).await;
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn stamp(p: &std::path::Path) -> Stamp {
    let m = std::fs::metadata(p).ok()?;
    Some((m.modified().ok()?, m.len()))
}

fn stamps(files: &[PathBuf]) -> Vec<(PathBuf, Stamp)> {
    files.iter().map(|p| (p.clone(), stamp(p))).collect()
}

fn summarize(diags: &[Diagnostic]) -> String {
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == contracts::Severity::Error)
        .map(|d| match (d.location(), &d.file) {
            (Some(l), _) => format!("{l}: {}", d.message),
            (None, Some(f)) => format!("{f}: {}", d.message),
            (None, None) => d.message.clone(),
        })
        .collect();
    match errors.len() {
        0 => "the contract was refused".into(),
        1..=3 => errors.join("; "),
        n => format!("{}; and {} more", errors[..3].join("; "), n - 3),
    }
}

/// Compiles a route's contract and resolves its per-operation settings.
fn compile(
    path: &std::path::Path,
    cfg: &RouteConfig,
    gateway_mode: Mode,
) -> Result<(Active, Vec<Diagnostic>), Vec<Diagnostic>> {
    let compiled = CompiledContract::compile(path);
    crate::compiled();
    let (contract, mut warnings) = compiled?;
    let base = cfg.mode.unwrap_or(gateway_mode);
    let settings = contract
        .operations()
        .iter()
        .map(|op| {
            let o = cfg
                .operations
                .get(&op.id)
                .or_else(|| cfg.operations.get(&op.key));
            OpSettings {
                id: Arc::from(op.id.as_str()),
                duration: OnceLock::new(),
                mode: o.and_then(|o| o.mode).unwrap_or(base),
                sampling: o
                    .and_then(|o| o.response_sampling)
                    .unwrap_or(cfg.response_sampling),
            }
        })
        .collect();
    for key in cfg.operations.keys() {
        let known = contract
            .operations()
            .iter()
            .any(|op| &op.id == key || &op.key == key);
        if !known {
            warnings.push(
                Diagnostic::warning(
                    "unknown-operation-override",
                    format!("the override `{key}` names no operation of the contract"),
                )
                .with_file(path.display().to_string())
                .with_hint("use an operationId or `METHOD /path/template` from the contract"),
            );
        }
    }
    for w in &warnings {
        tracing::warn!(target: "contract_gateway::reload", contract = %path.display(), warning = %w.message);
    }
    Ok((Active { contract, settings }, warnings))
}

/// What one reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadOutcome {
    /// The route prefix.
    pub route: String,
    /// The number of operations now active, or why the new contract was refused (the previous
    /// one stays active).
    pub result: Result<usize, String>,
}

/// Why a gateway did not start.
#[derive(Debug)]
pub enum StartError {
    /// The configuration is inconsistent.
    Config(Vec<String>),
    /// A route's contract was refused.
    Contract {
        /// The route prefix.
        route: String,
        /// Why.
        diagnostics: Vec<Diagnostic>,
    },
    /// A listener could not be bound.
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// The violation store could not be opened.
    Store(String),
    /// The proxy's worker threads could not be started.
    Workers(std::io::Error),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Config(errs) => write!(f, "invalid configuration: {}", errs.join("; ")),
            StartError::Contract { route, diagnostics } => {
                write!(f, "route {route}: {}", summarize(diagnostics))
            }
            StartError::Bind { addr, error } => write!(f, "cannot listen on {addr}: {error}"),
            StartError::Store(e) => f.write_str(e),
            StartError::Workers(e) => write!(f, "cannot start the proxy worker threads: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// The compliance gateway. See the crate documentation for the phases.
#[derive(Debug)]
pub struct Gateway;

impl Gateway {
    /// Compiles every contract, opens the violation store, binds the proxy and admin listeners
    /// and starts serving. Must run inside a multi-threaded Tokio runtime.
    pub async fn start(config: GatewayConfig) -> Result<GatewayHandle, StartError> {
        config.check().map_err(StartError::Config)?;
        let store = Store::open(&config.store).map_err(StartError::Store)?;
        let mut breakers: HashMap<String, Arc<Breaker>> = HashMap::new();
        let mut routes = Vec::new();
        for cfg in &config.routes {
            let label = cfg.upstream.authority().to_string();
            let breaker = Arc::clone(
                breakers
                    .entry(label.clone())
                    .or_insert_with(|| Breaker::new(config.breaker.clone())),
            );
            let (active, files) = match &cfg.contract {
                Some(path) => {
                    let (p, c, m) = (path.clone(), cfg.clone(), config.mode);
                    let (a, _warnings) = tokio::task::spawn_blocking(move || compile(&p, &c, m))
                        .await
                        .map_err(|e| StartError::Config(vec![e.to_string()]))?
                        .map_err(|diagnostics| StartError::Contract {
                            route: cfg.prefix.clone(),
                            diagnostics,
                        })?;
                    let files = a.contract.files().to_vec();
                    (Some(ArcSwap::from_pointee(a)), files)
                }
                None => (None, Vec::new()),
            };
            routes.push(RouteState {
                cfg: cfg.clone(),
                prefix: Arc::from(cfg.prefix.as_str()),
                target: Target {
                    upstream: cfg.upstream.clone(),
                    breaker,
                    label: Arc::from(label.as_str()),
                    latency: OnceLock::new(),
                },
                active,
                stamps: Mutex::new(stamps(&files)),
                reloading: tokio::sync::Mutex::new(()),
            });
        }
        routes.sort_by_key(|r| std::cmp::Reverse(r.cfg.prefix.trim_end_matches('/').len()));

        let listener = bind(config.listen).await?;
        let addr = local_addr(&listener, config.listen)?;
        let admin = match config.admin_listen {
            Some(a) => {
                let l = bind(a).await?;
                let local = local_addr(&l, a)?;
                Some((l, local))
            }
            None => None,
        };

        let boot = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let shared = Arc::new(Shared {
            client: UpstreamClient::new(&config.limits),
            config,
            routes,
            metrics: Metrics::new(),
            store,
            shutting_down: AtomicBool::new(false),
            unmatched: Arc::from("-"),
            seq: AtomicU64::new(0),
            boot,
        });
        let workers = Workers::start(shared.config.workers).map_err(StartError::Workers)?;
        let worker_count = workers.len();
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        tasks.push(tokio::spawn(serve(
            listener,
            Arc::clone(&shared),
            shutdown_rx.clone(),
            Listener::Proxy(workers),
        )));
        let admin_addr = admin.as_ref().map(|(_, a)| *a);
        if let Some((l, _)) = admin {
            tasks.push(tokio::spawn(serve(
                l,
                Arc::clone(&shared),
                shutdown_rx.clone(),
                Listener::Admin,
            )));
        }
        if let Some(every) = shared.config.reload.poll_interval {
            if shared.routes.iter().any(|r| r.active.is_some()) {
                tokio::spawn(poll_files(Arc::clone(&shared), every, shutdown_rx.clone()));
            }
        }
        #[cfg(unix)]
        if shared.config.reload.on_sighup {
            // Registered before `start` returns, so a SIGHUP right after never kills the process.
            use tokio::signal::unix::{signal, SignalKind};
            match signal(SignalKind::hangup()) {
                Ok(hup) => {
                    tokio::spawn(on_sighup(hup, Arc::clone(&shared), shutdown_rx.clone()));
                }
                Err(e) => {
                    tracing::warn!(target: "contract_gateway::reload", error = %e, "cannot listen for SIGHUP")
                }
            }
        }
        tracing::info!(
            target: "contract_gateway::lifecycle",
            listen = %addr,
            admin = admin_addr.map(|a| a.to_string()),
            routes = shared.routes.len(),
            workers = worker_count,
            "gateway started"
        );
        Ok(GatewayHandle {
            shared,
            addr,
            admin_addr,
            shutdown_tx,
            tasks,
        })
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|error| StartError::Bind { addr, error })
}

fn local_addr(l: &TcpListener, addr: SocketAddr) -> Result<SocketAddr, StartError> {
    l.local_addr()
        .map_err(|error| StartError::Bind { addr, error })
}

enum Listener {
    /// Connections are served on the proxy's worker threads.
    Proxy(Workers),
    /// Connections are served on the runtime that started the gateway.
    Admin,
}

/// Accepts connections until shutdown, then lets in-flight requests finish (up to the
/// shutdown timeout).
async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
    which: Listener,
) {
    let graceful = GracefulShutdown::new();
    let limits = shared.config.limits.clone();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .keep_alive(true)
        // Hyper's own cap answers a bare 431; ours (checked in the request filter) answers
        // problem+json, so hyper's sits well above it.
        .max_buf_size((limits.max_header_bytes * 4).max(64 << 10) + 8192);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(target: "contract_gateway::lifecycle", error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let s = Arc::clone(&shared);
                match &which {
                    Listener::Proxy(workers) => {
                        // Moved to a worker's event loop as a plain socket, registered there.
                        let stream = match stream.into_std() {
                            Ok(std) => std,
                            Err(e) => {
                                tracing::warn!(target: "contract_gateway::lifecycle", error = %e, "cannot hand a connection to a worker");
                                continue;
                            }
                        };
                        let watcher = graceful.watcher();
                        let builder = builder.clone();
                        workers.spawn(move || async move {
                            let stream = match tokio::net::TcpStream::from_std(stream) {
                                Ok(st) => st,
                                Err(e) => {
                                    tracing::warn!(target: "contract_gateway::lifecycle", error = %e, "cannot register a connection");
                                    return;
                                }
                            };
                            // This client connection's upstream connection, reused request after request.
                            let affinity = Arc::new(s.client.affinity());
                            let svc = service_fn(move |req| {
                                let s = Arc::clone(&s);
                                let affinity = Arc::clone(&affinity);
                                async move { Ok::<_, Infallible>(proxy::handle(s, req, &affinity).await) }
                            });
                            let c = builder.serve_connection(TokioIo::new(stream), svc);
                            let _ = watcher.watch(c).await;
                        });
                    }
                    Listener::Admin => {
                        let svc = service_fn(move |req| {
                            let s = Arc::clone(&s);
                            async move { Ok::<_, Infallible>(admin::handle(s, req).await) }
                        });
                        let c = builder.serve_connection(TokioIo::new(stream), svc);
                        let fut = graceful.watch(c);
                        tokio::spawn(async move { let _ = fut.await; });
                    }
                }
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    let timeout = shared.config.shutdown_timeout;
    if tokio::time::timeout(timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(target: "contract_gateway::lifecycle", "shutdown timeout: closing remaining connections");
    }
}

async fn poll_files(shared: Arc<Shared>, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => shared.reload_changed().await,
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(unix)]
async fn on_sighup(
    mut hup: tokio::signal::unix::Signal,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            got = hup.recv() => {
                if got.is_none() { return; }
                tracing::info!(target: "contract_gateway::reload", "SIGHUP: reloading contracts");
                shared.reload_all().await;
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// A running gateway: its addresses, reload, and shutdown. Dropping the handle stops accepting
/// connections (without waiting); call [`GatewayHandle::shutdown`] to drain gracefully.
pub struct GatewayHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    admin_addr: Option<SocketAddr>,
    shutdown_tx: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for GatewayHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayHandle")
            .field("addr", &self.addr)
            .field("admin_addr", &self.admin_addr)
            .finish()
    }
}

impl GatewayHandle {
    /// The proxy listener's bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin listener's bound address, if configured.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin_addr
    }

    /// Recompiles every contract now (what SIGHUP and `POST /reload` do).
    pub async fn reload(&self) -> Vec<ReloadOutcome> {
        self.shared.reload_all().await
    }

    /// The Prometheus exposition, as `/metrics` serves it.
    pub fn metrics(&self) -> String {
        self.shared.metrics.render()
    }

    /// Stops accepting connections, lets in-flight requests finish (up to the configured
    /// shutdown timeout), and writes the queued violations.
    pub async fn shutdown(mut self) {
        self.shared.shutting_down.store(true, Ordering::SeqCst);
        let _ = self.shutdown_tx.send(true);
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
        if let Some(store) = &self.shared.store {
            store.flush().await;
        }
        tracing::info!(target: "contract_gateway::lifecycle", "gateway stopped");
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully.
    pub async fn run_until_signal(self) {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => std::future::pending::<()>().await,
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
        self.shutdown().await;
    }
}

impl Drop for GatewayHandle {
    fn drop(&mut self) {
        self.shared.shutting_down.store(true, Ordering::SeqCst);
        let _ = self.shutdown_tx.send(true);
    }
}
