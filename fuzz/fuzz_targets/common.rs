// Shared by the fuzz targets: load one in-memory file as the given kind, lint it, and make every
// diagnostic's location render (so span arithmetic is fuzzed too).

use std::path::PathBuf;

use contracts::fs::MemFs;
use contracts::{ContractKind, Input, LoadOptions};

pub fn load_one(kind: ContractKind, name: &str, data: &[u8], root: Option<&str>) {
    let mut fs = MemFs::new();
    fs.insert(name, data.to_vec());
    let input = Input {
        kind,
        paths: vec![PathBuf::from(name)],
        root: root.map(PathBuf::from),
    };
    let opts = LoadOptions::default();
    let diags = match contracts::load(&fs, &input, &opts) {
        Ok(loaded) => {
            let mut d = loaded.diagnostics;
            d.extend(contracts::lint(&loaded.contract));
            d
        }
        Err(refused) => {
            assert!(!refused.diagnostics.is_empty(), "a refusal must say why");
            refused.diagnostics
        }
    };
    for d in &diags {
        if let Some(l) = d.location() {
            assert!(l.line >= 1 && l.column >= 1);
        }
        for (span, _) in &d.related {
            let _ = span.location();
        }
    }
}
