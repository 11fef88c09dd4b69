//! `contract gateway`: the compliance gateway in front of one upstream (flags) or several
//! (`--config gateway.yaml`). Runs until SIGINT/SIGTERM, then drains and exits 0.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::ValueEnum;
use contract_gateway::{Gateway, GatewayConfig, Mode, StartError, Upstream};
use contracts::Diagnostic;

use crate::{exit, render};

/// Arguments of `contract gateway`.
#[derive(Debug, clap::Args)]
pub struct GatewayArgs {
    /// Proxy worker threads, each with its own event loop (default: one per CPU core).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// The OpenAPI contract to enforce.
    #[arg(long, required_unless_present = "config")]
    pub contract: Option<PathBuf>,
    /// The service behind the gateway, e.g. http://127.0.0.1:8080.
    #[arg(long, required_unless_present = "config")]
    pub upstream: Option<String>,
    /// Where the gateway listens.
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub listen: SocketAddr,
    /// Admin listener (/healthz, /readyz, /metrics, /violations).
    #[arg(long)]
    pub admin: Option<SocketAddr>,
    /// enforce: reject what the contract forbids; report: forward unchanged and record;
    /// off: plain proxy.
    #[arg(long, value_enum, default_value_t = CliMode::Enforce)]
    pub mode: CliMode,
    /// A gateway.yaml with several contracts, upstreams and prefixes (overrides the flags).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Log level of the JSON logs on stderr.
    #[arg(long, default_value = "info")]
    pub log_level: tracing_level::Level,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliMode {
    /// Reject invalid requests; invalid responses become 502.
    Enforce,
    /// Forward everything unchanged and record violations.
    Report,
    /// No validation.
    Off,
}

/// The log level as a clap value.
pub mod tracing_level {
    /// A `tracing` level parsed from `error|warn|info|debug|trace`.
    #[derive(Debug, Clone, Copy)]
    pub struct Level(pub tracing::Level);

    impl std::str::FromStr for Level {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            s.parse::<tracing::Level>()
                .map(Level)
                .map_err(|_| format!("`{s}`: use error, warn, info, debug or trace"))
        }
    }
}

fn config(args: &GatewayArgs) -> Result<GatewayConfig, Vec<Diagnostic>> {
    let mut config = match &args.config {
        Some(path) => GatewayConfig::from_file(path)?,
        None => {
            let upstream = args.upstream.as_deref().unwrap_or_default();
            let upstream = Upstream::parse(upstream).map_err(|e| {
                vec![Diagnostic::error("usage", format!("--upstream: {e}"))
                    .with_hint("give a URL such as http://127.0.0.1:8080")]
            })?;
            let mode = match args.mode {
                CliMode::Enforce => Mode::Enforce,
                CliMode::Report => Mode::Report,
                CliMode::Off => Mode::Off,
            };
            GatewayConfig::single(args.listen, upstream, args.contract.clone(), mode)
        }
    };
    if args.admin.is_some() {
        config.admin_listen = args.admin;
    }
    if let Some(n) = args.workers {
        config.workers = n;
    }
    Ok(config)
}

/// Runs the gateway until a signal; returns the exit code.
/// Returns freed memory to the system now (mimalloc is the CLI's allocator).
fn release_memory() {
    // SAFETY: `mi_collect` only walks mimalloc's own free lists; it is safe to call from any
    // thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

pub fn run(args: &GatewayArgs, color: bool) -> u8 {
    let config = match config(args) {
        Ok(c) => c,
        Err(diags) => {
            for d in &diags {
                eprintln!("{}", render::text(d, color));
            }
            return exit::USAGE;
        }
    };
    let _ = contract_gateway::init_json_logs(args.log_level.0);
    // Compiling a large contract passes through far more memory than the compiled contract
    // keeps; mimalloc would hold on to the freed pages until later allocations reuse them.
    contract_gateway::on_compiled(release_memory);
    // This runtime accepts connections and runs the admin listener and reloads; the proxy's
    // connections are served on the gateway's own worker threads.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return exit::USAGE;
        }
    };
    runtime.block_on(async {
        match Gateway::start(config).await {
            Ok(handle) => {
                eprintln!("contract gateway listening on {}", handle.addr());
                handle.run_until_signal().await;
                exit::CLEAN
            }
            Err(StartError::Contract { diagnostics, .. }) => {
                for d in &diagnostics {
                    eprintln!("{}", render::text(d, color));
                }
                exit::USAGE
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::USAGE
            }
        }
    })
}
