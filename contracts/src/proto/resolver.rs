//! Finding `.proto` files for protox: the user's files and everything they import, read through
//! the [`Vfs`] ahead of compilation (protox wants a `'static` resolver), then served from memory.
//! Well-known types come from protox's built-in copies unless a root holds a file of that name.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use protox::file::{File, FileResolver, GoogleFileResolver};

use super::SourceMap;
use crate::fs::Vfs;
use crate::source::SourceFile;
use crate::{Diagnostic, Refused};

/// Serves pre-read files by proto name. Each file is handed to the compiler once (moved, not
/// copied: descriptors with source info are large); clones share the same store.
pub struct VfsResolver {
    roots: Vec<PathBuf>,
    files: Arc<Mutex<HashMap<String, File>>>,
    sources: SourceMap,
    /// Files whose text was not kept (lean loading over a shareable `Vfs`): read again on demand.
    reread: BTreeMap<String, Reread>,
    /// Editions files, lowered to proto2: their edition and resolved features.
    editions: BTreeMap<String, Arc<super::editions::Lowered>>,
    google: GoogleFileResolver,
}

impl Clone for VfsResolver {
    fn clone(&self) -> Self {
        VfsResolver {
            roots: self.roots.clone(),
            files: Arc::clone(&self.files),
            sources: self.sources.clone(),
            reread: self.reread.clone(),
            editions: self.editions.clone(),
            google: GoogleFileResolver::new(),
        }
    }
}

impl VfsResolver {
    /// An empty resolver over `roots`.
    pub fn new(_fs: &dyn Vfs, roots: &[PathBuf]) -> Result<Self, Refused> {
        if roots.is_empty() {
            return Err(Refused::one(
                Diagnostic::error("proto-no-root", "no import root was given")
                    .with_hint("pass the directory that holds the .proto files"),
            ));
        }
        Ok(VfsResolver {
            roots: roots.to_vec(),
            files: Arc::new(Mutex::new(HashMap::new())),
            sources: SourceMap::new(),
            reread: BTreeMap::new(),
            editions: BTreeMap::new(),
            google: GoogleFileResolver::new(),
        })
    }

    /// The proto name of a path under one of the roots (`a/b.proto`).
    pub fn name_of(&self, path: &Path) -> Option<String> {
        self.roots
            .iter()
            .find_map(|r| path.strip_prefix(r).ok())
            .and_then(path_to_name)
    }

    /// Reads `names` and, transitively, every file they import that a root holds. Returns the
    /// files that could not be read or parsed, in the order met.
    ///
    /// `lean` leaves out source-code info: on a tree of thousands of files it is two thirds of
    /// the memory and of the compile time (prost-reflect keeps two copies and rewrites option
    /// paths through it), and spans are re-parsed from the text when a finding needs one.
    /// Compile errors are then reported without a location, so a failed lean compile is
    /// retried with `lean = false`.
    pub fn preload(&mut self, fs: &dyn Vfs, names: &[String], lean: bool) -> Vec<protox::Error> {
        let mut failures = Vec::new();
        let mut files = HashMap::new();
        // Lean loading drops the texts of files that parse (on googleapis, 166 MB for both
        // sides) when the files can be read again; a finding's span reads its file back.
        let shared = if lean { fs.shared() } else { None };
        let mut queue: VecDeque<String> = names.iter().cloned().collect();
        while let Some(name) = queue.pop_front() {
            if files.contains_key(&name)
                || self.sources.contains_key(&name)
                || self.reread.contains_key(&name)
            {
                continue;
            }
            let Some(path) = self
                .roots
                .iter()
                .map(|r| r.join(&name))
                .find(|p| fs.is_file(p))
            else {
                continue; // a well-known type, or missing: the compiler reports where it is imported
            };
            let text = match fs.read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    failures.push(protox::Error::new(format!("{}: {e}", fs.display(&path))));
                    continue;
                }
            };
            // An editions file compiles as its proto2 lowering (see `editions`).
            let lowered = super::editions::is_editions(&text).then(|| {
                let mut l = super::editions::lower(&text);
                let proto2 = std::mem::take(&mut l.text);
                self.editions.insert(name.clone(), Arc::new(l));
                proto2
            });
            let source = lowered.as_deref().unwrap_or(&text);
            let parsed = if lean {
                protox_parse::parse(&name, source)
                    .map(|mut d| {
                        d.source_code_info = None;
                        File::from_file_descriptor_proto(d)
                    })
                    .map_err(protox::Error::from)
            } else {
                File::from_source(&name, source)
            };
            match (&parsed, &shared) {
                (Ok(_), Some(vfs)) => {
                    self.reread.insert(
                        name.clone(),
                        Reread {
                            vfs: Arc::clone(vfs),
                            display: fs.display(&path),
                            path: path.clone(),
                            fingerprint: fingerprint(&text),
                        },
                    );
                }
                _ => {
                    self.sources
                        .insert(name.clone(), SourceFile::new(fs.display(&path), text));
                }
            }
            match parsed {
                Ok(f) => {
                    queue.extend(f.file_descriptor_proto().dependency.iter().cloned());
                    files.insert(name, f);
                }
                Err(e) => failures.push(e),
            }
        }
        self.files = Arc::new(Mutex::new(files));
        failures
    }

    /// The source texts kept, by proto name.
    pub fn sources(&self) -> SourceMap {
        self.sources.clone()
    }

    /// The editions files read, by proto name.
    pub fn editions(&self) -> BTreeMap<String, Arc<super::editions::Lowered>> {
        self.editions.clone()
    }

    /// The files whose text was dropped, by proto name.
    pub fn reread(&self) -> BTreeMap<String, Reread> {
        self.reread.clone()
    }
}

impl FileResolver for VfsResolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        let taken = self.files.lock().ok().and_then(|mut m| m.remove(name));
        match taken {
            Some(f) => Ok(f),
            None => self.google.open_file(name),
        }
    }
}

/// Where a file whose text was dropped can be read again, and what it held then.
#[derive(Clone)]
pub struct Reread {
    vfs: Arc<dyn Vfs>,
    path: PathBuf,
    display: String,
    fingerprint: (usize, u64),
}

impl Reread {
    /// The text again, if the file still holds what was compiled (else `None`: no spans rather
    /// than wrong ones).
    pub fn read(&self) -> Option<Arc<SourceFile>> {
        let text = self.vfs.read_to_string(&self.path).ok()?;
        (fingerprint(&text) == self.fingerprint)
            .then(|| SourceFile::new(self.display.clone(), text))
    }
}

fn fingerprint(text: &str) -> (usize, u64) {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(text.as_bytes());
    (text.len(), h.finish())
}

/// `a/b.proto` from a relative path; `None` for paths with `..` or absolute parts.
fn path_to_name(rel: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}
