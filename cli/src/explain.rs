//! `contract explain ID` prints what a rule detects, why it breaks clients, an example and how to
//! evolve safely; `--list` prints every rule id with its default level.

use contracts::diff::registry;

use crate::exit;

/// Arguments of `contract explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// A rule id (oasdiff's and buf's spellings work too).
    #[arg(required_unless_present = "list")]
    pub id: Option<String>,
    /// List every rule instead.
    #[arg(long)]
    pub list: bool,
}

/// Runs the command.
pub fn run(args: &ExplainArgs) -> u8 {
    if args.list {
        for r in registry::all() {
            println!(
                "{:<9} {:<8} {:<55} {}",
                r.level.as_str(),
                r.kind.as_str(),
                r.id,
                r.summary
            );
        }
        return exit::CLEAN;
    }
    let id = args.id.as_deref().unwrap_or_default();
    match registry::find(id) {
        Some(r) => {
            println!("{} ({}, default level: {})\n", r.id, r.kind, r.level);
            if !r.categories.is_empty() {
                println!("Categories: {}\n", r.categories.join(", "));
            }
            println!("{}", r.explain.trim_end());
            exit::CLEAN
        }
        None => {
            let hint = registry::suggest(id);
            if hint.is_empty() {
                eprintln!("error: no rule `{id}`; `contract explain --list` shows them all");
            } else {
                eprintln!("error: no rule `{id}`; did you mean {}?", hint.join(", "));
            }
            exit::USAGE
        }
    }
}
