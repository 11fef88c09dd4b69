//! `contract diff OLD NEW` and `contract changelog OLD NEW`: load both sides (files, directories
//! paired by relative path, or `git:REV:path`), run the engine, apply the policy, render, and
//! decide the exit code from `--fail-on`.

use std::path::{Path, PathBuf};

use contracts::diff::policy::Applied;
use contracts::diff::{self, Date, DiffOptions, DiffReport, Level, Policy};
use contracts::fs::{RealFs, Vfs};
use contracts::{Contract, Diagnostic, Input, LoadOptions, Severity};

use crate::report::{self, Context, DiffFormat};
use crate::{exit, git, render};

/// Arguments of `contract diff` and `contract changelog`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old contract: a file, a directory, or git:REV:path.
    pub old: String,
    /// The new contract: a file, a directory, or git:REV:path.
    pub new: String,
    /// Force the contract kind instead of detecting it.
    #[arg(long, value_parser = crate::parse_kind)]
    pub kind: Option<contracts::ContractKind>,
    /// Extra protobuf import roots (both sides).
    #[arg(short = 'I', long = "include")]
    pub include: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Lowest level that makes the command exit 1: breaking (default), dangerous or never.
    #[arg(long, value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Policy file (default: ./contract.yaml when it exists).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Protobuf rule categories to check (buf's): file (default), package, wire-json, wire.
    /// Repeat to combine; overrides the policy's `proto: {use: [...]}`.
    #[arg(long, value_parser = ["file", "package", "wire-json", "wire"])]
    pub category: Vec<String>,
    /// GraphQL usage-aware mode: a directory of .graphql operations, or a persisted-query JSON
    /// file (`{"id": "query …"}`). Breaking changes no operation uses become dangerous.
    #[arg(long)]
    pub operations: Option<PathBuf>,
    /// Evaluate sunset dates and acceptance expiry as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_parser = parse_date)]
    pub today: Option<Date>,
}

/// `--fail-on` for diffs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn(pub Option<Level>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    if s == "never" {
        return Ok(FailOn(None));
    }
    s.parse::<Level>()
        .map(|l| FailOn(Some(l)))
        .map_err(|_| format!("`{s}`: use breaking, dangerous or never"))
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

/// One side of the comparison, opened.
struct Side {
    fs: Box<dyn Vfs>,
    path: PathBuf,
    name: String,
}

fn open_side(arg: &str) -> Result<Side, Box<Diagnostic>> {
    match git::parse_spec(arg) {
        Some(Ok(spec)) => {
            let (fs, path) = git::GitFs::open(&spec)
                .map_err(|e| Diagnostic::error("unreadable-input", e).with_file(arg.to_string()))?;
            Ok(Side {
                fs: Box::new(fs),
                path,
                name: arg.to_string(),
            })
        }
        Some(Err(e)) => Err(Box::new(Diagnostic::error("usage", e))),
        None => Ok(Side {
            fs: Box::new(RealFs),
            path: PathBuf::from(arg),
            name: arg.to_string(),
        }),
    }
}

/// Pairs the contracts of both sides: by kind and path relative to each side's root.
fn pair(
    old: &Side,
    old_inputs: Vec<Input>,
    new: &Side,
    new_inputs: Vec<Input>,
) -> (Vec<(Input, Input)>, Vec<String>) {
    let key = |side: &Side, i: &Input| {
        let rel = if i.kind == contracts::ContractKind::OpenApi && side.fs.is_dir(&side.path) {
            i.paths
                .first()
                .and_then(|p| p.strip_prefix(&side.path).ok())
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        (i.kind, rel)
    };
    let mut notes = Vec::new();
    let mut pairs = Vec::new();
    let mut new_left: Vec<Option<Input>> = new_inputs.into_iter().map(Some).collect();
    for o in old_inputs {
        let k = key(old, &o);
        let found = new_left
            .iter_mut()
            .find(|n| n.as_ref().is_some_and(|n| key(new, n) == k))
            .and_then(Option::take);
        match found {
            Some(n) => pairs.push((o, n)),
            None => notes.push(format!(
                "{} contract {} exists only in OLD: it was removed",
                k.0,
                display_paths(old, &o)
            )),
        }
    }
    for n in new_left.into_iter().flatten() {
        notes.push(format!(
            "{} contract {} exists only in NEW: it was added",
            n.kind,
            display_paths(new, &n)
        ));
    }
    (pairs, notes)
}

fn display_paths(side: &Side, i: &Input) -> String {
    i.paths
        .iter()
        .map(|p| side.fs.display(p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Operations for usage-aware mode, as (name, text).
fn read_operations(path: &Path) -> Result<Vec<(String, String)>, Box<Diagnostic>> {
    let fail = |e: String| {
        Box::new(
            Diagnostic::error("unreadable-input", e)
                .with_file(path.display().to_string())
                .with_hint("pass a directory of .graphql files or a persisted-query JSON object"),
        )
    };
    if path.is_dir() {
        let files = contracts::fs::walk(&RealFs, path).map_err(|e| fail(e.to_string()))?;
        let mut out = Vec::new();
        for f in files.iter().filter(|f| {
            f.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e == "graphql" || e == "gql")
        }) {
            let text = std::fs::read_to_string(f).map_err(|e| fail(e.to_string()))?;
            out.push((f.display().to_string(), text));
        }
        return Ok(out);
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
    let map = v
        .as_object()
        .ok_or_else(|| fail("a persisted-query file maps ids to query strings".into()))?;
    Ok(map
        .iter()
        .filter_map(|(k, q)| Some((k.clone(), q.as_str()?.to_string())))
        .collect())
}

/// Reads the policy file given, or `./contract.yaml` when present.
fn load_policy(path: Option<&Path>) -> Result<Policy, Vec<Diagnostic>> {
    let default = Path::new("contract.yaml");
    let path = match path {
        Some(p) => p,
        None if default.is_file() => default,
        None => return Ok(Policy::default()),
    };
    crate::policy_file::load(path)
}

fn print_diagnostics(diags: &[Diagnostic], color: bool) {
    for d in diags {
        eprintln!("{}", render::text(d, color));
    }
}

/// Runs `diff` (or `changelog` when `changelog` is set) and returns the exit code.
pub fn run(args: &DiffArgs, color: bool, changelog: bool) -> u8 {
    let policy = match load_policy(args.policy.as_deref()) {
        Ok(mut p) if !args.category.is_empty() => {
            let proto = p
                .options
                .entry("proto".to_string())
                .or_insert_with(|| serde_json::json!({}));
            proto["use"] = serde_json::json!(args.category);
            p
        }
        Ok(p) => p,
        Err(diags) => {
            print_diagnostics(&diags, color);
            return exit::USAGE;
        }
    };
    let fail_on = match (args.fail_on, policy.fail_on) {
        (Some(f), _) => f.0,
        (None, Some(p)) => p,
        (None, None) => Some(Level::Breaking),
    };
    let fail_on = if changelog && args.fail_on.is_none() {
        None
    } else {
        fail_on
    };
    let today = args.today.unwrap_or_else(Date::today);
    let opts = LoadOptions {
        kind: args.kind,
        include: args.include.clone(),
    };

    let (old, new) = match (open_side(&args.old), open_side(&args.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            let diags: Vec<Diagnostic> = [o.err(), n.err()]
                .into_iter()
                .flatten()
                .map(|d| *d)
                .collect();
            print_diagnostics(&diags, color);
            return exit::USAGE;
        }
    };
    let discover = |s: &Side| contracts::discover(s.fs.as_ref(), &s.path, &opts);
    let (old_inputs, new_inputs) = match (discover(&old), discover(&new)) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            for r in [o.err(), n.err()].into_iter().flatten() {
                print_diagnostics(&r.diagnostics, color);
            }
            return exit::USAGE;
        }
    };
    let (pairs, notes) = pair(&old, old_inputs, &new, new_inputs);
    if pairs.is_empty() {
        print_diagnostics(
            &[Diagnostic::error(
                "nothing-to-compare",
                format!(
                    "{} and {} hold no contracts of the same kind",
                    old.name, new.name
                ),
            )
            .with_hint(
                "compare two files of the same kind, or two directories that share contracts",
            )],
            color,
        );
        return exit::USAGE;
    }
    for n in &notes {
        eprintln!("note: {n}");
    }

    let mut report = DiffReport {
        old_name: old.name.clone(),
        new_name: new.name.clone(),
        findings: Vec::new(),
    };
    let graphql_operations = match &args.operations {
        Some(path) => match read_operations(path) {
            Ok(ops) => Some(ops),
            Err(d) => {
                print_diagnostics(&[*d], color);
                return exit::USAGE;
            }
        },
        None => None,
    };
    let diff_opts = DiffOptions {
        policy: &policy,
        today,
        graphql_operations,
    };
    let mut compared = 0;
    for (o, n) in &pairs {
        let load = |side: &Side, input: &Input| -> Result<Contract, u8> {
            match contracts::load(side.fs.as_ref(), input, &opts) {
                Ok(l) => {
                    let errors: Vec<Diagnostic> = l
                        .diagnostics
                        .into_iter()
                        .filter(|d| d.severity == Severity::Error)
                        .collect();
                    if !errors.is_empty() {
                        eprintln!(
                            "note: {} has {} error(s); the comparison goes on, but run `contract lint` on it",
                            display_paths(side, input),
                            errors.len()
                        );
                    }
                    // A diff reports locations: build OpenAPI span trees here, on the loading
                    // thread, rather than on the first finding.
                    if let Contract::OpenApi(api) = &l.contract {
                        api.prepare_spans();
                    }
                    Ok(l.contract)
                }
                Err(r) => {
                    print_diagnostics(&r.diagnostics, color);
                    Err(exit::USAGE)
                }
            }
        };
        // OLD and NEW load in parallel: for large contracts parsing is half the run.
        let (lo, ln) = std::thread::scope(|scope| {
            let handle = scope.spawn(|| load(&old, o));
            let ln = load(&new, n);
            (handle.join(), ln)
        });
        let lo = lo.unwrap_or(Err(exit::USAGE));
        let (oc, nc) = match (lo, ln) {
            (Ok(a), Ok(b)) => (a, b),
            _ => return exit::USAGE,
        };
        let result = diff::diff(&oc, &nc, &diff_opts);
        // The process ends after the report: freeing two large documents node by node would
        // only delay the exit.
        std::mem::forget(oc);
        std::mem::forget(nc);
        match result {
            Ok(f) => {
                compared += 1;
                report.findings.extend(f);
            }
            // In a directory, a kind without a diff engine is skipped with a note, not hidden.
            Err(d) if d.code == "diff-not-available" && pairs.len() > 1 => {
                eprintln!("note: {} (skipped {})", d.message, display_paths(&new, n));
            }
            Err(d) => {
                print_diagnostics(&[*d], color);
                return exit::USAGE;
            }
        }
    }
    if compared == 0 {
        print_diagnostics(
            &[
                Diagnostic::error("nothing-compared", "no pair of contracts could be compared")
                    .with_hint("see the notes above"),
            ],
            color,
        );
        return exit::USAGE;
    }
    report.sort();
    let applied: Applied = policy.apply(&mut report.findings, today);
    let ctx = Context {
        color,
        fail_on,
        applied: &applied,
        changelog,
    };
    print!("{}", report::render(&report, args.format, &ctx));
    if report.fails(fail_on) {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}
