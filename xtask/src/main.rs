//! `cargo xtask <task>`: development automation kept out of the default test run
//! (real-world inputs fetched from npm into `target/`, benchmarks, corpora).

use anyhow::{bail, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("help") | Some("--help") => {
            println!("cargo xtask <task>\n\ntasks:\n  help    this list");
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`; run `cargo xtask help`"),
    }
}
