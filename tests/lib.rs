//! Helpers shared by the workspace integration tests.

use std::path::PathBuf;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `../shared` beside the project root, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let p = workspace_root().join("../shared");
    p.is_dir().then(|| p.canonicalize().unwrap_or(p))
}
