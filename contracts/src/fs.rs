//! Where loaders read files from: the file system, or (for `git:REV:path`) git objects.
//!
//! Loaders never touch `std::fs` directly; they go through [`Vfs`] so that every input source
//! works the same way.

use std::io;
use std::path::{Path, PathBuf};

/// Read-only file access for loaders.
pub trait Vfs: Send + Sync {
    /// The bytes of a file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// Whether `path` is a file.
    fn is_file(&self, path: &Path) -> bool;
    /// The entries of a directory, sorted, as full paths.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// How `path` is shown in reports.
    fn display(&self, path: &Path) -> String {
        path.display().to_string()
    }

    /// An owned handle to the same files, so a loader may drop large texts and read one again
    /// when a report points into it. `None` (the default): keep what was read.
    fn shared(&self) -> Option<std::sync::Arc<dyn Vfs>> {
        None
    }

    /// A file as UTF-8 text, with an error that says which file is not UTF-8.
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        let bytes = self.read(path)?;
        String::from_utf8(bytes).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })
    }
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFs;

impl Vfs for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn shared(&self) -> Option<std::sync::Arc<dyn Vfs>> {
        Some(std::sync::Arc::new(RealFs))
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect::<io::Result<Vec<_>>>()?;
        out.sort();
        Ok(out)
    }
}

/// All files under `dir` (recursively, sorted), skipping hidden entries.
pub fn walk(fs: &dyn Vfs, dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for p in fs.read_dir(&d)? {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if fs.is_dir(&p) {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// An in-memory file system: for tests, fuzzing and inputs read from git objects.
#[derive(Debug, Default, Clone)]
pub struct MemFs {
    files: std::collections::BTreeMap<PathBuf, Vec<u8>>,
}

impl MemFs {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into());
    }
}

impl Vfs for MemFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
    }
    fn is_dir(&self, path: &Path) -> bool {
        !self.files.contains_key(path) && self.files.keys().any(|k| k.starts_with(path))
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out: Vec<PathBuf> = self
            .files
            .keys()
            .filter_map(|k| {
                let rest = k.strip_prefix(path).ok()?;
                let first = rest.components().next()?;
                Some(path.join(first))
            })
            .collect();
        out.dedup();
        if out.is_empty() && !self.is_dir(path) {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such directory"));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_fs_lists_and_walks() {
        let mut fs = MemFs::new();
        fs.insert("root/a.proto", "x");
        fs.insert("root/sub/b.proto", "y");
        fs.insert("other/c", "z");
        assert!(fs.is_dir(Path::new("root")));
        assert!(fs.is_file(Path::new("root/a.proto")));
        assert_eq!(
            fs.read_dir(Path::new("root")).unwrap(),
            vec![PathBuf::from("root/a.proto"), PathBuf::from("root/sub")]
        );
        assert_eq!(
            walk(&fs, Path::new("root")).unwrap(),
            vec![
                PathBuf::from("root/a.proto"),
                PathBuf::from("root/sub/b.proto")
            ]
        );
        assert!(fs.read(Path::new("nope")).is_err());
    }
}
