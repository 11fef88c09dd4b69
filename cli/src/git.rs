//! `git:REV:path` inputs: a [`Vfs`] over the objects of one revision, read with the `git`
//! command (`ls-tree` once, then one long-lived `cat-file --batch`). No checkout; works in shallow
//! clones as long as the revision itself was fetched.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use contracts::fs::Vfs;

/// A `git:REV:path` argument, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSpec {
    /// The revision (`main`, `HEAD~1`, a sha, `origin/main`).
    pub rev: String,
    /// The path as written.
    pub path: String,
}

/// Parses `git:REV:path`; `None` when `arg` does not start with `git:`.
pub fn parse_spec(arg: &str) -> Option<Result<GitSpec, String>> {
    let rest = arg.strip_prefix("git:")?;
    Some(match rest.split_once(':') {
        Some((rev, path)) if !rev.is_empty() => Ok(GitSpec {
            rev: rev.to_string(),
            path: if path.is_empty() {
                ".".into()
            } else {
                path.to_string()
            },
        }),
        _ => Err(format!(
            "`{arg}` is not of the form git:REV:path (e.g. git:main:api/openapi.yaml)"
        )),
    })
}

/// The files of one revision, below the repository root.
pub struct GitFs {
    rev: String,
    /// Repository-relative path → blob id.
    blobs: BTreeMap<PathBuf, String>,
    batch: Mutex<Batch>,
}

struct Batch {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Drop for Batch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}; install git or pass files instead"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl GitFs {
    /// Opens `spec.rev` of the repository around the current directory. Returns the file system
    /// and the repository-relative path `spec.path` refers to (relative to the current directory,
    /// as `git show REV:./path` would read it).
    pub fn open(spec: &GitSpec) -> Result<(GitFs, PathBuf), String> {
        let prefix = git(&["rev-parse", "--show-prefix"])
            .map_err(|e| format!("not inside a git repository ({e}); run from the repository"))?;
        let commit = git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{}^{{commit}}", spec.rev),
        ])
        .map_err(|_| {
            format!(
                "revision `{}` is not in this clone; in a shallow CI clone fetch it first, \
                     e.g. `git fetch --depth=1 origin {}`",
                spec.rev, spec.rev
            )
        })?;
        let commit = commit.trim().to_string();
        let top = git(&["rev-parse", "--show-toplevel"])?;
        let listing = Command::new("git")
            .args([
                "-C",
                top.trim(),
                "ls-tree",
                "-r",
                "-z",
                "--full-tree",
                &commit,
            ])
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !listing.status.success() {
            return Err(String::from_utf8_lossy(&listing.stderr).trim().to_string());
        }
        let mut blobs = BTreeMap::new();
        for entry in listing.stdout.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            // "<mode> SP <type> SP <object> TAB <path>"
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut parts = meta.split(' ');
            let (_, kind, oid) = (parts.next(), parts.next(), parts.next());
            if let (Some("blob"), Some(oid)) = (kind, oid) {
                blobs.insert(PathBuf::from(path), oid.to_string());
            }
        }
        let mut child = Command::new("git")
            .args(["-C", top.trim(), "cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run git cat-file: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("git cat-file gave no pipes".into());
        };
        let fs = GitFs {
            rev: spec.rev.clone(),
            blobs,
            batch: Mutex::new(Batch {
                child,
                stdin,
                stdout: BufReader::new(stdout),
            }),
        };
        let path = normalize(&Path::new(prefix.trim()).join(&spec.path));
        if !fs.is_file(&path) && !fs.is_dir(&path) {
            return Err(format!(
                "`{}` does not exist at revision `{}`",
                path.display(),
                spec.rev
            ));
        }
        Ok((fs, path))
    }
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

impl Vfs for GitFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let path = normalize(path);
        let oid = self.blobs.get(&path).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no such file at revision {}", self.rev),
            )
        })?;
        let mut b = self
            .batch
            .lock()
            .map_err(|_| io::Error::other("git reader poisoned"))?;
        writeln!(b.stdin, "{oid}")?;
        b.stdin.flush()?;
        let mut header = String::new();
        b.stdout.read_line(&mut header)?;
        // "<oid> blob <size>\n"
        let size: usize = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("unexpected git output: {header}")))?;
        let mut buf = vec![0; size + 1]; // content + trailing newline
        b.stdout.read_exact(&mut buf)?;
        buf.truncate(size);
        Ok(buf)
    }

    fn is_dir(&self, path: &Path) -> bool {
        let path = normalize(path);
        path.as_os_str().is_empty()
            || self
                .blobs
                .range(path.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&path) && *k != path)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.blobs.contains_key(&normalize(path))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let path = normalize(path);
        let mut out: Vec<PathBuf> = self
            .blobs
            .keys()
            .filter_map(|k| {
                let rest = k.strip_prefix(&path).ok()?;
                let first = rest.components().next()?;
                Some(path.join(first))
            })
            .collect();
        out.dedup();
        Ok(out)
    }

    fn display(&self, path: &Path) -> String {
        format!("git:{}:{}", self.rev, path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_git_specs() {
        assert_eq!(parse_spec("api.yaml"), None);
        assert_eq!(
            parse_spec("git:HEAD~1:api/openapi.yaml"),
            Some(Ok(GitSpec {
                rev: "HEAD~1".into(),
                path: "api/openapi.yaml".into()
            }))
        );
        assert!(matches!(parse_spec("git:main"), Some(Err(_))));
        assert!(matches!(parse_spec("git::x"), Some(Err(_))));
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
    }
}
