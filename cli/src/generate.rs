//! `contract generate --contract FILE --out DIR`: load one contract, generate Rust code, and write
//! it as a standalone crate (or, with `--module FILE`, one module file). With `--check`, compare
//! with what is written instead and exit 1 with a unified diff when it is stale.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use contract_codegen::{CrateOptions, Options};
use contracts::fs::RealFs;
use contracts::{Diagnostic, LoadOptions, Severity};
use similar::TextDiff;

use crate::{exit, render};

/// Stack for the generating thread (virtual memory: only what is used is committed).
const GENERATE_STACK: usize = 256 * 1024 * 1024;

/// Arguments of `contract generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The contract: an OpenAPI document, GraphQL SDL, or a .proto file or directory.
    #[arg(long)]
    pub contract: PathBuf,
    /// Write a standalone crate (Cargo.toml + src/lib.rs) into this directory.
    #[arg(long, required_unless_present = "module", conflicts_with = "module")]
    pub out: Option<PathBuf>,
    /// Write one module file instead of a crate (the including crate supplies the dependencies).
    #[arg(long)]
    pub module: Option<PathBuf>,
    /// Crate name (default: the name of the --out directory).
    #[arg(long)]
    pub name: Option<String>,
    /// Generate one side only.
    #[arg(long, value_enum)]
    pub only: Option<Side>,
    /// Force the contract kind instead of detecting it.
    #[arg(long, value_parser = crate::parse_kind)]
    pub kind: Option<contracts::ContractKind>,
    /// Extra protobuf import roots.
    #[arg(short = 'I', long = "include")]
    pub include: Vec<PathBuf>,
    /// Write nothing: compare with what is written and exit 1 with a unified diff when stale.
    #[arg(long)]
    pub check: bool,
}

/// `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    /// The server side only.
    Server,
    /// The client side only.
    Client,
}

/// Runs the command and returns its exit code.
pub fn run(args: &GenerateArgs, color: bool) -> u8 {
    let report = |diags: &[Diagnostic]| {
        for d in diags {
            eprintln!("{}", render::text(d, color));
        }
    };
    let fs = RealFs;
    let opts = LoadOptions {
        kind: args.kind,
        include: args.include.clone(),
    };
    let inputs = match contracts::discover(&fs, &args.contract, &opts) {
        Ok(i) => i,
        Err(refused) => {
            report(&refused.diagnostics);
            return exit::USAGE;
        }
    };
    let [input] = inputs.as_slice() else {
        eprintln!(
            "error: {} holds {} contracts; point --contract at one of them",
            args.contract.display(),
            inputs.len()
        );
        return exit::USAGE;
    };
    let loaded = match contracts::load(&fs, input, &opts) {
        Ok(l) => l,
        Err(refused) => {
            report(&refused.diagnostics);
            return exit::USAGE;
        }
    };
    report(&loaded.diagnostics);
    if loaded
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        eprintln!("error: the contract has errors; fix them before generating code");
        return exit::USAGE;
    }
    let gen_opts = Options {
        server: args.only != Some(Side::Client),
        client: args.only != Some(Side::Server),
    };
    // Large contracts nest schemas deeply (allOf inside properties inside allOf …): generate on
    // a thread with a stack to match rather than the main thread's 8 MB.
    let contract = &loaded.contract;
    let result = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("generate".into())
            .stack_size(GENERATE_STACK)
            .spawn_scoped(scope, || contract_codegen::generate(contract, &gen_opts))
            .map(|h| h.join())
    });
    let generated = match result {
        Ok(Ok(Ok(g))) => g,
        Ok(Err(_)) | Err(_) => {
            eprintln!(
                "error[codegen-internal]: code generation failed (a bug in `contract`; please \
                 report it with the contract that triggers it)"
            );
            return exit::USAGE;
        }
        Ok(Ok(Err(refused))) => {
            report(&refused.diagnostics);
            return exit::USAGE;
        }
    };
    report(&generated.diagnostics);

    let source = file_name(&args.contract).unwrap_or_else(|| "contract".to_string());
    let files: BTreeMap<PathBuf, String> = match (&args.out, &args.module) {
        (Some(dir), _) => {
            let name = args
                .name
                .clone()
                .or_else(|| file_name(dir))
                .or_else(|| file_stem(&args.contract))
                .unwrap_or_else(|| "generated".to_string());
            contract_codegen::crate_files(&generated, &CrateOptions { name, source })
                .into_iter()
                .map(|(rel, text)| (dir.join(rel), text))
                .collect()
        }
        (None, Some(file)) => BTreeMap::from([(
            file.clone(),
            contract_codegen::module_file(&generated, &source),
        )]),
        (None, None) => {
            eprintln!("error: pass --out DIR or --module FILE");
            return exit::USAGE;
        }
    };

    if args.check {
        check(&files)
    } else {
        write(&files)
    }
}

/// Compares each file with what is on disk; prints a unified diff per stale file.
fn check(files: &BTreeMap<PathBuf, String>) -> u8 {
    let mut stale = 0usize;
    for (path, want) in files {
        let have = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return exit::USAGE;
            }
        };
        if &have == want {
            continue;
        }
        stale += 1;
        let shown = path.display().to_string();
        let diff = TextDiff::from_lines(have.as_str(), want.as_str());
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = write!(
            std::io::stdout().lock(),
            "{}",
            diff.unified_diff().context_radius(3).header(&shown, &shown)
        );
    }
    if stale == 0 {
        eprintln!("generated code is up to date ({} file(s))", files.len());
        exit::CLEAN
    } else {
        eprintln!(
            "generated code is stale: {stale} file(s) differ; run the same command without --check"
        );
        exit::FINDINGS
    }
}

/// Writes every file that changed (unchanged files keep their timestamps).
fn write(files: &BTreeMap<PathBuf, String>) -> u8 {
    let mut written = 0usize;
    for (path, text) in files {
        if std::fs::read_to_string(path).is_ok_and(|t| &t == text) {
            continue;
        }
        let created = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir),
            _ => Ok(()),
        };
        if let Err(e) = created.and_then(|()| std::fs::write(path, text)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::USAGE;
        }
        written += 1;
    }
    eprintln!(
        "{written} file(s) written, {} unchanged",
        files.len() - written
    );
    exit::CLEAN
}

fn file_name(p: &Path) -> Option<String> {
    let abs;
    let p = if p.file_name().is_none() {
        abs = std::path::absolute(p).ok()?;
        abs.as_path()
    } else {
        p
    };
    p.file_name().and_then(|n| n.to_str()).map(str::to_string)
}

fn file_stem(p: &Path) -> Option<String> {
    p.file_stem().and_then(|n| n.to_str()).map(str::to_string)
}
