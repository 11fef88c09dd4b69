//! Contract-first code generation: from a loaded contract to Rust source (types, a server trait
//! the service must implement, typed clients). A pure library: it never reads files; callers (the
//! CLI, the proc-macros) load the contract and hand over the model.
//!
//! Being built: see the code-generation issue. Nothing is generated yet.

/// The contract model this crate generates from.
pub use contracts;
