//! Times the OpenAPI diff engine on two JSON documents: `cargo run --release -p contracts
//! --example diff_json OLD.json NEW.json`.

use contracts::diff::openapi::source::JsonSource;
use contracts::diff::{Date, DiffOptions, Level, Policy};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let t = std::time::Instant::now();
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(p).expect("readable")).expect("JSON")
    };
    let (old, new) = (read(&args[0]), read(&args[1]));
    let parsed = t.elapsed();
    let policy = Policy::default();
    let opts = DiffOptions {
        policy: &policy,
        today: Date::today(),
        graphql_operations: None,
    };
    let (o, n) = (
        JsonSource {
            root: old,
            spans: None,
        },
        JsonSource {
            root: new,
            spans: None,
        },
    );
    let f = contracts::diff::openapi::diff_sources(&o, &n, &opts);
    let count = |l| f.iter().filter(|f| f.level == l).count();
    println!(
        "parse {:?}, diff {:?}: {} breaking, {} dangerous, {} safe",
        parsed,
        t.elapsed() - parsed,
        count(Level::Breaking),
        count(Level::Dangerous),
        count(Level::Safe)
    );
}
