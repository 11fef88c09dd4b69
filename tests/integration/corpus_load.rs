//! Loads every contract in `../shared/corpus` and prints how many loaded cleanly, with warnings,
//! or were refused. Fails on a panic or on any refusal not listed (with its reason) below.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use contracts::fs::RealFs;
use contracts::{ContractKind, LoadOptions, Severity};

/// Refusal codes that are expected, with the reason. Anything else refused fails the test.
const KNOWN_UNREADABLE: &[(&str, &str)] = &[(
    "proto-editions-unsupported",
    "a protobuf editions file its proto2 lowering cannot read (none in the corpus today)",
)];

#[derive(Default)]
struct Tally {
    clean: usize,
    warned: usize,
    refused: Vec<(String, &'static str, String)>,
    panicked: Vec<String>,
}

impl Tally {
    fn load(&mut self, path: &Path, kind: ContractKind) {
        let fs = RealFs;
        let opts = LoadOptions {
            kind: Some(kind),
            ..LoadOptions::default()
        };
        let shown = path.display().to_string();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let inputs = contracts::discover(&fs, path, &opts)?;
            let mut warned = false;
            for input in &inputs {
                let loaded = contracts::load(&fs, input, &opts)?;
                let lint = contracts::lint(&loaded.contract);
                warned |= loaded
                    .diagnostics
                    .iter()
                    .chain(&lint)
                    .any(|d| d.severity >= Severity::Warning);
            }
            Ok::<bool, contracts::Refused>(warned)
        }));
        match outcome {
            Ok(Ok(false)) => self.clean += 1,
            Ok(Ok(true)) => self.warned += 1,
            Ok(Err(refused)) => {
                let code = refused.diagnostics.first().map_or("", |d| d.code);
                self.refused.push((shown, code, refused.to_string()))
            }
            Err(_) => self.panicked.push(shown),
        }
    }

    fn report(&self, name: &str) -> usize {
        println!(
            "{name}: {} loaded cleanly, {} loaded with warnings, {} refused, {} panicked",
            self.clean,
            self.warned,
            self.refused.len(),
            self.panicked.len()
        );
        for (path, code, why) in &self.refused {
            match KNOWN_UNREADABLE.iter().find(|(c, _)| c == code) {
                Some((_, reason)) => println!("  refused (expected: {reason}) {path}"),
                None => println!("  REFUSED {path}: {why}"),
            }
        }
        for path in &self.panicked {
            println!("  PANIC on {path}");
        }
        let unexpected = self
            .refused
            .iter()
            .filter(|(_, code, _)| !KNOWN_UNREADABLE.iter().any(|(k, _)| k == code))
            .count();
        unexpected + self.panicked.len()
    }
}

fn corpus() -> Option<PathBuf> {
    let dir = contract_tests::shared_dir()?.join("corpus");
    dir.is_dir().then_some(dir)
}

fn files_named(dir: &Path, stems: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("corpus dir is readable") {
            let p = e.expect("corpus entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| stems.contains(&s))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn dirs_named(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for case in std::fs::read_dir(dir).expect("corpus dir is readable") {
        let case = case.expect("corpus entry").path();
        for n in names {
            let p = case.join(n);
            if p.is_dir() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_corpus_contract_loads() {
    let Some(corpus) = corpus() else {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !! SKIPPED: ../shared/corpus is absent; the corpus load test did not run !!\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return;
    };
    let mut failures = 0;

    let mut t = Tally::default();
    for f in files_named(&corpus.join("openapi-diff"), &["base", "revision"]) {
        t.load(&f, ContractKind::OpenApi);
    }
    failures += t.report("openapi-diff");

    let mut t = Tally::default();
    for f in files_named(&corpus.join("graphql-diff"), &["old", "new"]) {
        t.load(&f, ContractKind::GraphQl);
    }
    failures += t.report("graphql-diff");

    let mut t = Tally::default();
    for d in dirs_named(&corpus.join("proto-diff"), &["previous", "current"]) {
        t.load(&d, ContractKind::Proto);
    }
    failures += t.report("proto-diff");

    assert_eq!(
        failures, 0,
        "unexpected refusals or panics: see the list above"
    );
}
