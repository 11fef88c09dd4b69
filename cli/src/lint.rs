//! `contract lint`: load every contract under the given paths and report what is wrong.

use contracts::fs::RealFs;
use contracts::{Diagnostic, LoadOptions, Severity};
use serde::Serialize;

use crate::{exit, render, FailOn, Format, LintArgs};

/// The JSON report (`--format json`). Field names are stable.
#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    contracts: Vec<ContractReport<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct ContractReport<'a> {
    kind: Option<&'static str>,
    paths: Vec<String>,
    /// `loaded` or `refused`.
    status: &'static str,
    diagnostics: &'a [Diagnostic],
}

#[derive(Serialize, Default)]
struct Summary {
    contracts: usize,
    refused: usize,
    errors: usize,
    warnings: usize,
}

/// (kind, paths, refused, diagnostics) of one contract.
type Outcome = (Option<&'static str>, Vec<String>, bool, Vec<Diagnostic>);

/// Runs the command and returns its exit code.
pub fn run(args: &LintArgs, color: bool) -> u8 {
    let fs = RealFs;
    let opts = LoadOptions {
        kind: args.kind,
        include: args.include.clone(),
    };
    let mut results: Vec<Outcome> = Vec::new();
    for path in &args.paths {
        let inputs = match contracts::discover(&fs, path, &opts) {
            Ok(i) => i,
            Err(refused) => {
                results.push((
                    None,
                    vec![path.display().to_string()],
                    true,
                    refused.diagnostics,
                ));
                continue;
            }
        };
        for input in inputs {
            let paths = input
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            let kind = Some(input.kind.as_str());
            match contracts::load(&fs, &input, &opts) {
                Ok(loaded) => {
                    let mut diags = loaded.diagnostics;
                    diags.extend(contracts::lint(&loaded.contract));
                    results.push((kind, paths, false, diags));
                }
                Err(refused) => results.push((kind, paths, true, refused.diagnostics)),
            }
        }
    }

    let mut summary = Summary::default();
    for (_, _, refused, diags) in &results {
        summary.contracts += 1;
        summary.refused += usize::from(*refused);
        summary.errors += diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        summary.warnings += diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count();
    }

    match args.format {
        Format::Json => {
            let report = Report {
                version: 1,
                contracts: results
                    .iter()
                    .map(|(kind, paths, refused, diags)| ContractReport {
                        kind: *kind,
                        paths: paths.clone(),
                        status: if *refused { "refused" } else { "loaded" },
                        diagnostics: diags,
                    })
                    .collect(),
                summary: Summary { ..summary },
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("report serializes")
            );
        }
        Format::Text => {
            for (_, _, _, diags) in &results {
                for d in diags {
                    println!("{}", render::text(d, color));
                }
            }
            let s = &summary;
            eprintln!(
                "{} contract(s) checked: {} error(s), {} warning(s){}",
                s.contracts,
                s.errors,
                s.warnings,
                if s.refused > 0 {
                    format!(", {} could not be loaded", s.refused)
                } else {
                    String::new()
                }
            );
        }
    }

    let summary_ref = &summary;
    if summary_ref.refused > 0 {
        return exit::USAGE;
    }
    let failing = match args.fail_on {
        FailOn::Never => false,
        FailOn::Error => summary_ref.errors > 0,
        FailOn::Warning => summary_ref.errors + summary_ref.warnings > 0,
    };
    if failing {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}
