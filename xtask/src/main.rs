//! `cargo xtask <task>`: development automation kept out of the default test run
//! (real-world inputs fetched from npm into `target/`, benchmarks, corpora).

mod bench_gateway;
mod codegen_corpus;
mod corpus;
mod fetch;
mod fuzz;
mod measure;
mod peers;
mod schemathesis;

use anyhow::{bail, Result};

const HELP: &str = "cargo xtask <task>

tasks:
  fetch NAME...     npm-pack real-world inputs into target/real-world/ (names: github-rest-22,
                    github-rest-23, github-graphql-14, github-graphql-15; `all` for every one)
  bench diff        `contract diff` on GitHub's REST description 22 → 23 beside optic
                    (--peer-timeout S, default 600)
  bench gateway     wrk on loopback: upstream, gateway (off, enforce), nginx, Prism, in
                    interleaved rounds (--rounds R, default 5; --seconds N per run, default
                    10), medians; then the gateway's RSS with GitHub's REST description
  bench load        time and peak memory of `contract lint` on GitHub's REST and GraphQL
                    descriptions (release build)
  fuzz TARGET [S]   run a cargo-fuzz target (load_openapi, load_graphql, load_proto, all) for
                    S seconds each (default 60), seeded from the examples and ../shared/corpus
  peers [NAME...]   install peer tools from npm into target/peers/ (graphql-inspector, buf,
                    optic, prism; default all)
  codegen-corpus    `contract generate` + `cargo check` over a seeded sample of the APIs-guru
                    collection (--sample N, default 200; --seed S; --all)
  corpus NAME       print a corpus scoreboard (openapi-diff, graphql-diff, proto-diff, load)
  schemathesis      Schemathesis (PyPI) positive and negative phases against the gateway
                    fronting a conformant upstream (--examples N, default 100; --debug-binary)
  docs              regenerate docs/rules.md from the rule registry
  help              this list";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    match args.first().map(String::as_str) {
        None | Some("help") | Some("--help") | Some("-h") => {
            println!("{HELP}");
            Ok(())
        }
        Some("fetch") => {
            for name in fetch::expand(&rest)? {
                let path = fetch::input(name)?;
                println!("{name}: {}", path.display());
            }
            Ok(())
        }
        Some("bench") => match rest.first().copied() {
            Some("load") => measure::bench_load(),
            Some("diff") => measure::bench_diff(&rest[1..]),
            Some("gateway") => bench_gateway::run(&rest[1..]),
            other => bail!("unknown benchmark {other:?}; try `cargo xtask bench load`"),
        },
        Some("fuzz") => fuzz::run(&rest),
        Some("codegen-corpus") => codegen_corpus::run(&rest),
        Some("schemathesis") => schemathesis::run(&rest),
        Some("corpus") => corpus::run(rest.first().copied()),
        Some("docs") => {
            let path = fetch::workspace_root().join("docs/rules.md");
            std::fs::create_dir_all(path.parent().expect("docs/ has a parent"))?;
            std::fs::write(&path, contracts::diff::catalogue::markdown())?;
            println!("wrote {}", path.display());
            Ok(())
        }
        Some("peers") => {
            let names: Vec<&str> = if rest.is_empty() {
                peers::PEERS.iter().map(|p| p.name).collect()
            } else {
                rest.clone()
            };
            for n in names {
                println!("{n}: {}", peers::bin(n)?.display());
            }
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`\n\n{HELP}"),
    }
}
