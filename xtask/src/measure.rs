//! Measuring commands: wall time and peak RSS of a child process (via `wait4`), median of runs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::fetch;

/// One run of a command.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub wall: Duration,
    pub max_rss_kib: u64,
    pub exit_code: i32,
}

/// Runs `cmd` once, discarding its output, and measures it.
pub fn run_once(cmd: &mut Command) -> Result<Sample> {
    run_limited(cmd, None).map(|(s, _)| s)
}

/// Runs `cmd` once with an optional time limit; returns the sample and whether it timed out
/// (then it was killed and the sample's wall time is the limit).
pub fn run_limited(cmd: &mut Command, limit: Option<Duration>) -> Result<(Sample, bool)> {
    use std::os::unix::process::CommandExt;
    let start = Instant::now();
    let child = cmd
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {cmd:?}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: pid is our child; the pointers are to live locals.
        let rc = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if rc < 0 {
            bail!("wait4 failed: {}", std::io::Error::last_os_error());
        }
        if rc == pid {
            break;
        }
        if limit.is_some_and(|l| start.elapsed() >= l) && !timed_out {
            timed_out = true;
            // SAFETY: killing the process group our own child leads.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let wall = start.elapsed();
    std::mem::forget(child); // already reaped
    let exit_code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok((
        Sample {
            wall,
            max_rss_kib: usage.ru_maxrss as u64,
            exit_code,
        },
        timed_out,
    ))
}

/// Runs `make()` `n` times and returns the median wall time sample (and the max RSS seen).
pub fn median(n: usize, mut make: impl FnMut() -> Command) -> Result<Sample> {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        samples.push(run_once(&mut make())?);
    }
    samples.sort_by_key(|s| s.wall);
    let mut m = samples[n / 2];
    m.max_rss_kib = samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
    Ok(m)
}

/// The value after `name` in `args`, parsed, or `default` when the flag is absent.
pub(crate) fn flag<T>(args: &[&str], name: &str, default: T) -> Result<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    match args.iter().position(|a| *a == name) {
        Some(i) => match args.get(i + 1) {
            Some(v) => v
                .parse()
                .with_context(|| format!("{name} {v}: not a valid value")),
            None => bail!("{name} needs a value"),
        },
        None => Ok(default),
    }
}

/// Builds the release `contract` binary and returns its path.
pub fn release_binary() -> Result<std::path::PathBuf> {
    let root = fetch::workspace_root();
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "contract-cli",
            "--bin",
            "contract",
        ])
        .current_dir(&root)
        .status()?;
    if !status.success() {
        bail!("cargo build --release failed");
    }
    Ok(root.join("target/release/contract"))
}

/// `cargo xtask bench load`.
pub fn bench_load() -> Result<()> {
    let bin = release_binary()?;
    let inputs = [
        ("GitHub REST (@octokit/openapi 23.0.2)", "github-rest-23"),
        (
            "GitHub GraphQL (@octokit/graphql-schema 15.25.0)",
            "github-graphql-15",
        ),
    ];
    println!("| input | size | wall (median of 5) | peak RSS | exit |");
    println!("| --- | --- | --- | --- | --- |");
    for (label, name) in inputs {
        let file = fetch::input(name)?;
        let size = std::fs::metadata(&file)?.len();
        let s = median(5, || lint_cmd(&bin, &file))?;
        println!(
            "| {label} | {:.1} MB | {:.0} ms | {:.1} MB | {} |",
            size as f64 / 1e6,
            s.wall.as_secs_f64() * 1e3,
            s.max_rss_kib as f64 / 1024.0,
            s.exit_code
        );
    }
    Ok(())
}

fn lint_cmd(bin: &Path, file: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args(["lint", "--format", "json", "--fail-on", "never"])
        .arg(file);
    c
}

/// `cargo xtask bench diff [--peer-timeout SECONDS]`: GitHub's REST description 22.0.0 → 23.0.2,
/// `contract diff` (median of 5) side by side with optic (one bounded run).
pub fn bench_diff(args: &[&str]) -> Result<()> {
    let timeout: u64 = flag(args, "--peer-timeout", 600)?;
    let bin = release_binary()?;
    let old = fetch::input("github-rest-22")?;
    let new = fetch::input("github-rest-23")?;
    let ours = median(5, || {
        let mut c = Command::new(&bin);
        c.args(["diff", "--format", "json", "--fail-on", "never"])
            .arg(&old)
            .arg(&new);
        c
    })?;
    let out = Command::new(&bin)
        .args(["diff", "--format", "json", "--fail-on", "never"])
        .arg(&old)
        .arg(&new)
        .output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let s = &report["summary"];
    println!("GitHub REST @octokit/openapi 22.0.0 → 23.0.2");
    println!(
        "  contract diff: {:.0} ms, {:.0} MB peak RSS (median of 5); {} breaking, {} dangerous, {} safe",
        ours.wall.as_secs_f64() * 1e3,
        ours.max_rss_kib as f64 / 1024.0,
        s["breaking"],
        s["dangerous"],
        s["safe"]
    );
    let optic = crate::peers::bin("optic")?;
    let mut cmd = Command::new(optic);
    cmd.args(["diff"])
        .arg(&old)
        .arg(&new)
        .args(["--check", "--validation", "loose"]);
    let (peer, timed_out) = run_limited(&mut cmd, Some(Duration::from_secs(timeout)))?;
    let peer_mb = peer.max_rss_kib as f64 / 1024.0;
    if timed_out {
        println!(
            "  optic diff --check --validation loose: did not finish in {timeout} s (killed at {peer_mb:.0} MB)"
        );
        println!(
            "  ratio: contract is more than {:.0}x faster",
            timeout as f64 / ours.wall.as_secs_f64()
        );
    } else {
        println!(
            "  optic: {:.1} s, {peer_mb:.0} MB peak RSS, exit {}",
            peer.wall.as_secs_f64(),
            peer.exit_code
        );
        println!(
            "  ratio: {:.1}x faster, {:.1}x less memory",
            peer.wall.as_secs_f64() / ours.wall.as_secs_f64(),
            peer_mb / (ours.max_rss_kib as f64 / 1024.0)
        );
    }
    bench_graphql(&bin)?;
    bench_proto(&bin, timeout)?;
    Ok(())
}

/// googleapis (npm google-proto-files 5.0.3 → 6.0.1, `google/protobuf/` left out on both sides:
/// it holds protobuf's own test files; the well-known types are built in) beside `buf breaking`.
fn bench_proto(bin: &Path, timeout: u64) -> Result<()> {
    let root = fetch::workspace_root().join("target/bench");
    let mut dirs = Vec::new();
    for (name, version) in [("googleapis-5", "5.0.3"), ("googleapis-6", "6.0.1")] {
        let src = fetch::input(name)?;
        let dir = root.join(format!("googleapis-{version}"));
        if !dir.join("google").is_dir() {
            std::fs::create_dir_all(&dir)?;
            for sub in ["google", "grafeas"] {
                let status = Command::new("cp")
                    .arg("-r")
                    .arg(src.join(sub))
                    .arg(&dir)
                    .status()?;
                if !status.success() {
                    bail!("copying {sub} failed");
                }
            }
            std::fs::remove_dir_all(dir.join("google/protobuf")).ok();
        }
        dirs.push(dir);
    }
    let ours = median(3, || {
        let mut c = Command::new(bin);
        c.args(["diff", "--format", "json", "--fail-on", "never"])
            .arg(&dirs[0])
            .arg(&dirs[1]);
        c
    })?;
    let out = Command::new(bin)
        .args(["diff", "--format", "json", "--fail-on", "never"])
        .arg(&dirs[0])
        .arg(&dirs[1])
        .output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    println!("googleapis google-proto-files 5.0.3 → 6.0.1 (FILE category)");
    println!(
        "  contract diff: {:.1} s, {:.0} MB peak RSS (median of 3); {} breaking",
        ours.wall.as_secs_f64(),
        ours.max_rss_kib as f64 / 1024.0,
        report["summary"]["breaking"]
    );
    let buf = crate::peers::bin("buf")?;
    let mut cmd = Command::new(buf);
    cmd.arg("breaking")
        .arg(&dirs[1])
        .arg("--against")
        .arg(&dirs[0]);
    let (peer, timed_out) = run_limited(&mut cmd, Some(Duration::from_secs(timeout)))?;
    let peer_mb = peer.max_rss_kib as f64 / 1024.0;
    if timed_out {
        println!("  buf breaking: did not finish in {timeout} s ({peer_mb:.0} MB when killed)");
    } else {
        println!(
            "  buf breaking: {:.1} s, {peer_mb:.0} MB peak RSS, exit {}",
            peer.wall.as_secs_f64(),
            peer.exit_code
        );
        println!(
            "  ratio: {:.1}x faster, {:.1}x less memory",
            peer.wall.as_secs_f64() / ours.wall.as_secs_f64(),
            peer_mb / (ours.max_rss_kib as f64 / 1024.0)
        );
    }
    Ok(())
}

/// GitHub's GraphQL schema 14.0.0 → 15.25.0 beside graphql-inspector.
fn bench_graphql(bin: &Path) -> Result<()> {
    let old = fetch::input("github-graphql-14")?;
    let new = fetch::input("github-graphql-15")?;
    let ours = median(5, || {
        let mut c = Command::new(bin);
        c.args(["diff", "--format", "json", "--fail-on", "never"])
            .arg(&old)
            .arg(&new);
        c
    })?;
    let out = Command::new(bin)
        .args(["diff", "--format", "json", "--fail-on", "never"])
        .arg(&old)
        .arg(&new)
        .output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let s = &report["summary"];
    println!("GitHub GraphQL @octokit/graphql-schema 14.0.0 → 15.25.0");
    println!(
        "  contract diff: {:.0} ms, {:.0} MB peak RSS (median of 5); {} changes: {} breaking, {} dangerous, {} safe",
        ours.wall.as_secs_f64() * 1e3,
        ours.max_rss_kib as f64 / 1024.0,
        report["findings"].as_array().map_or(0, Vec::len),
        s["breaking"],
        s["dangerous"],
        s["safe"]
    );
    let inspector = crate::peers::bin("graphql-inspector")?;
    let peer = median(3, || {
        let mut c = Command::new(&inspector);
        c.arg("diff").arg(&old).arg(&new);
        c
    })?;
    let peer_mb = peer.max_rss_kib as f64 / 1024.0;
    println!(
        "  graphql-inspector diff: {:.0} ms, {peer_mb:.0} MB peak RSS (median of 3), exit {}",
        peer.wall.as_secs_f64() * 1e3,
        peer.exit_code
    );
    println!(
        "  ratio: {:.1}x faster, {:.1}x less memory",
        peer.wall.as_secs_f64() / ours.wall.as_secs_f64(),
        peer_mb / (ours.max_rss_kib as f64 / 1024.0)
    );
    Ok(())
}
