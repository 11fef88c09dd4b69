//! The `contract` command. Only this crate knows exit codes, colours and output formats.

// Loading a large contract allocates millions of small map nodes; mimalloc makes that and the
// gateway's per-request allocations markedly cheaper than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod diff;
mod exit;
mod explain;
mod gateway;
mod generate;
mod git;
mod lint;
mod policy_file;
mod render;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use contracts::ContractKind;

/// One API contract (OpenAPI, GraphQL, protobuf) as the single source of truth.
#[derive(Debug, Parser)]
#[command(name = "contract", version, about, long_about = None)]
struct Cli {
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load contracts and report problems with file:line:col, what is wrong and how to fix it.
    Lint(LintArgs),
    /// Classify every change between two contracts; exit 1 when a change is at or above
    /// --fail-on (a CI gate).
    Diff(diff::DiffArgs),
    /// List every change between two contracts, grouped by operation.
    Changelog(diff::DiffArgs),
    /// Run the compliance gateway: a reverse proxy that checks live traffic against the contract.
    Gateway(gateway::GatewayArgs),
    /// Explain a diff rule: what it detects, why it breaks clients, how to evolve safely.
    Explain(explain::ExplainArgs),
    /// Generate Rust from a contract (a crate, or a module with --module); --check for drift.
    Generate(generate::GenerateArgs),
}

/// Arguments of `contract lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Contract files or directories (a directory of .proto files is one module and its root).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Force the contract kind instead of detecting it.
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<ContractKind>,
    /// Extra protobuf import roots.
    #[arg(short = 'I', long = "include")]
    pub include: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Lowest severity that makes the command exit 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
}

pub(crate) fn parse_kind(s: &str) -> Result<ContractKind, String> {
    s.parse()
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable with code frames.
    Text,
    /// Machine-readable, stable.
    Json,
}

/// Lowest severity that fails the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors only.
    Error,
    /// Errors and warnings.
    Warning,
    /// Never fail on findings (unreadable input still exits 2).
    Never,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::CLEAN
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            use std::io::IsTerminal;
            std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    };
    let code = match cli.command {
        Command::Lint(args) => lint::run(&args, color),
        Command::Explain(args) => explain::run(&args),
        Command::Gateway(args) => gateway::run(&args, color),
        Command::Diff(args) => diff::run(&args, color, false),
        Command::Changelog(args) => diff::run(&args, color, true),
        Command::Generate(args) => generate::run(&args, color),
    };
    ExitCode::from(code)
}
