//! `cargo xtask bench gateway [--seconds N] [--rounds R]`: wrk on loopback against (a) the
//! upstream (nginx answering a fixed valid Pokémon from memory), (b) the gateway with
//! validation off, (c) the gateway validating requests and responses, (d) nginx as a plain
//! reverse proxy, (e) Prism's proxy; then the gateway's RSS with GitHub's REST description
//! loaded. Everything binds 127.0.0.1 and every run is bounded in time.
//!
//! All five targets run side by side for the whole benchmark. On a small shared machine one wrk
//! run swings by ±15% from one run to the next, so the bench makes R rounds (default 5). Each
//! round measures every target once, in turn. The table gives each figure's median over the
//! rounds, and the ratios are taken between those medians.
//! nginx runs one worker process and so does the gateway in (b) and (c), the matched
//! comparison; (c2) is the gateway with its default workers (one per core).
//! `CONTRACT_BENCH_UPSTREAM=threads` uses a thread-per-connection Rust upstream instead of nginx.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::fetch::{self, workspace_root};
use crate::measure::{flag, release_binary};

const BODY: &str = r#"{"id":1,"name":"Bulbasaur"}"#;

/// A keep-alive HTTP/1.1 upstream answering every request with the same valid Pokémon, one
/// thread per connection. Runs until the process ends.
pub(crate) fn upstream() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    let port = l.local_addr()?.port();
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            std::thread::spawn(move || serve(conn));
        }
    });
    Ok(port)
}

fn serve(conn: TcpStream) {
    let _ = conn.set_nodelay(true);
    let Ok(mut out) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    loop {
        // Request line and headers; the benchmark sends no bodies.
        let mut saw_any = false;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            saw_any = true;
        }
        if !saw_any {
            continue;
        }
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
            BODY.len()
        );
        if out.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_port(port: u16, what: &str) -> Result<()> {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if start.elapsed() > Duration::from_secs(60) {
            bail!("{what} did not start listening on {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Kills the child when dropped.
pub(crate) struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        // SIGTERM first, so a master process (nginx) takes its workers down with it; SIGKILL
        // if it has not gone after a second.
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        for _ in 0..20 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Clone, Copy)]
struct WrkResult {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
}

fn wrk(port: u16, seconds: u64) -> Result<WrkResult> {
    wrk_with(port, seconds, None)
}

/// wrk with each connection pausing [`PACE_MS`] between requests: a fixed, moderate load
/// rather than saturation, so latency shows what the proxy adds, not queueing.
fn wrk_paced(port: u16, seconds: u64) -> Result<WrkResult> {
    let dir = workspace_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    let script = dir.join("paced.lua");
    std::fs::write(
        &script,
        format!("function delay()\n  return {PACE_MS}\nend\n"),
    )?;
    wrk_with(port, seconds, Some(&script))
}

/// The pause between requests on one connection in the paced runs, in ms.
const PACE_MS: u32 = 2;

fn wrk_with(port: u16, seconds: u64, script: Option<&Path>) -> Result<WrkResult> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{seconds}s"), "--latency"]);
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = cmd
        .arg(format!("http://127.0.0.1:{port}/pokemon/1"))
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let num = |prefix: &str| -> Option<f64> {
        let l = text.lines().find(|l| l.trim_start().starts_with(prefix))?;
        let v = l
            .trim_start()
            .trim_start_matches(prefix)
            .split_whitespace()
            .next()?;
        Some(if let Some(x) = v.strip_suffix("ms") {
            x.parse::<f64>().ok()?
        } else if let Some(x) = v.strip_suffix("us") {
            x.parse::<f64>().ok()? / 1000.0
        } else if let Some(x) = v.strip_suffix('s') {
            x.parse::<f64>().ok()? * 1000.0
        } else {
            v.parse().ok()?
        })
    };
    let non_2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .and_then(|l| l.split_whitespace().last()?.parse().ok())
        .unwrap_or(0);
    Ok(WrkResult {
        rps: num("Requests/sec:").unwrap_or(0.0),
        p50_ms: num("50%").unwrap_or(0.0),
        p99_ms: num("99%").unwrap_or(0.0),
        non_2xx,
    })
}

/// CPU seconds (user + system) used so far by a process and its direct children (nginx's
/// workers).
fn cpu_secs(pid: u32) -> f64 {
    let ticks = |stat: &str| -> Option<(u32, f64)> {
        // Fields after the `(comm)`: state ppid … utime(14) stime(15).
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ppid = f.get(1)?.parse().ok()?;
        let t = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
        Some((ppid, t))
    };
    let mut total = 0.0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
                continue;
            };
            if let Some((ppid, t)) = ticks(&stat) {
                if p == pid || ppid == pid {
                    total += t;
                }
            }
        }
    }
    // Clock ticks are 1/100 s on Linux.
    total / 100.0
}

/// Runs wrk against `port` and measures the CPU the proxy `pid` spent per request.
fn wrk_cpu(port: u16, seconds: u64, pid: u32) -> Result<(WrkResult, f64)> {
    let before = cpu_secs(pid);
    let r = wrk(port, seconds)?;
    let used = cpu_secs(pid) - before;
    let per_req_us = used * 1e6 / (r.rps * seconds as f64).max(1.0);
    Ok((r, per_req_us))
}

/// Peak resident memory (VmHWM) of a process, in MB.
fn rss_mb(pid: u32) -> f64 {
    status_mb(pid, "VmHWM:")
}

/// A memory figure from `/proc/<pid>/status`, in MB.
fn status_mb(pid: u32, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with(key))?;
            l.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Starts the gateway in `mode` in front of `up`; `workers` sets `--workers` (default: one per
/// core).
pub(crate) fn gateway(
    bin: &Path,
    contract: &Path,
    up: u16,
    mode: &str,
    workers: Option<usize>,
) -> Result<(Guard, u16)> {
    let port = free_port()?;
    let child = Command::new(bin)
        .args(["gateway", "--contract"])
        .arg(contract)
        .args([
            "--upstream",
            &format!("http://127.0.0.1:{up}"),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["--mode", mode, "--log-level", "error"])
        .args(
            workers
                .map(|n| vec!["--workers".to_string(), n.to_string()])
                .unwrap_or_default(),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let g = Guard(child);
    wait_port(port, "the gateway")?;
    Ok((g, port))
}

/// Starts nginx (one worker, as a single-threaded event loop) in `target/bench/<name>` with
/// `server` as the body of its one `server` block.
fn nginx_with(name: &str, extra_http: &str, server: &str) -> Result<(Guard, u16)> {
    let port = free_port()?;
    let dir = workspace_root().join("target/bench").join(name);
    std::fs::create_dir_all(dir.join("logs"))?;
    let conf = dir.join("nginx.conf");
    // keepalive_requests: nginx closes a keep-alive connection after 1000 requests by default;
    // wrk and the gateway keep theirs open, so nginx may too.
    std::fs::write(
        &conf,
        format!(
            "worker_processes 1;\npid {pid};\nerror_log {err} error;\nevents {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  keepalive_requests 10000000;\n  {extra_http}\n  \
             server {{\n    listen 127.0.0.1:{port};\n    {server}\n  }}\n}}\n",
            pid = dir.join("nginx.pid").display(),
            err = dir.join("logs/error.log").display(),
        ),
    )?;
    let child = Command::new("nginx")
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("running nginx (apt-get install nginx)")?;
    let g = Guard(child);
    wait_port(port, "nginx")?;
    Ok((g, port))
}

/// nginx as a plain reverse proxy to `up`, keeping up to 64 idle upstream connections.
fn nginx(up: u16) -> Result<(Guard, u16)> {
    nginx_with(
        "nginx",
        &format!("upstream u {{ server 127.0.0.1:{up}; keepalive 64; keepalive_requests 10000000; }}"),
        "location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection \"\"; }",
    )
}

/// The benchmark's upstream: nginx answering every request with the same valid Pokémon from
/// memory. One event-driven worker, so the upstream adds one thread to the machine rather than
/// one per connection.
fn nginx_upstream() -> Result<(Guard, u16)> {
    nginx_with(
        "upstream",
        "",
        &format!("location / {{ default_type application/json; return 200 '{BODY}'; }}"),
    )
}

fn prism(contract: &Path, up: u16) -> Result<(Guard, u16)> {
    let port = free_port()?;
    let bin = crate::peers::bin("prism")?;
    let child = Command::new(bin)
        .arg("proxy")
        .arg(contract)
        .arg(format!("http://127.0.0.1:{up}"))
        .args([
            "--port",
            &port.to_string(),
            "--host",
            "127.0.0.1",
            "--errors",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let g = Guard(child);
    wait_port(port, "prism")?;
    Ok((g, port))
}

/// `cargo xtask bench gateway [--seconds N] [--rounds R]`.
pub fn run(args: &[&str]) -> Result<()> {
    let seconds: u64 = flag(args, "--seconds", 10)?;
    for tool in ["wrk", "nginx"] {
        if Command::new("which")
            .arg(tool)
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            bail!("{tool} is missing: apt-get install -y wrk nginx");
        }
    }
    let rounds = flag::<usize>(args, "--rounds", 5)?.max(1);
    let bin = release_binary()?;
    let contract: PathBuf =
        workspace_root().join("contracts/examples/pokemon/v1/pokemon.openapi.yaml");
    let (_upstream, up) = if std::env::var("CONTRACT_BENCH_UPSTREAM").as_deref() == Ok("threads") {
        (None, upstream()?)
    } else {
        let (g, port) = nginx_upstream()?;
        (Some(g), port)
    };
    wait_port(up, "the upstream")?;
    // Every target runs for the whole benchmark: (name, port, the proxy's process).
    let mut guards = Vec::new();
    let mut targets: Vec<(&str, u16, Option<u32>)> = vec![("(a) upstream directly", up, None)];
    // nginx (d) runs one worker process, so (b) and (c) run one worker thread: the matched
    // comparison. (c2) is the gateway's default, one worker per core.
    for (name, mode, workers) in [
        (
            "(b) contract gateway, validation off, 1 worker",
            "off",
            Some(1),
        ),
        (
            "(c) contract gateway, enforce (requests + responses), 1 worker",
            "enforce",
            Some(1),
        ),
        (
            "(c2) the same, default workers (one per core)",
            "enforce",
            None,
        ),
    ] {
        let (g, port) = gateway(&bin, &contract, up, mode, workers)?;
        targets.push((name, port, Some(g.0.id())));
        guards.push(g);
    }
    let (g, port) = nginx(up)?;
    targets.push(("(d) nginx reverse proxy", port, Some(g.0.id())));
    guards.push(g);
    match prism(&contract, up) {
        Ok((g, port)) => {
            targets.push(("(e) Prism proxy", port, Some(g.0.id())));
            guards.push(g);
        }
        Err(e) => println!("(e) Prism proxy: not measured ({e})"),
    }
    // samples[target] = one (wrk result, CPU µs per request) per round.
    let mut samples: Vec<Vec<(WrkResult, Option<f64>)>> = vec![Vec::new(); targets.len()];
    // Paced runs for (a), (c) and (d): latency at a fixed moderate load.
    let paced_targets: Vec<usize> = (0..targets.len())
        .filter(|&i| {
            ["(a)", "(c)", "(c2)", "(d)"]
                .iter()
                .any(|p| targets[i].0.starts_with(p))
        })
        .collect();
    let mut paced: Vec<Vec<WrkResult>> = vec![Vec::new(); targets.len()];
    for round in 1..=rounds {
        for &i in &paced_targets {
            let (name, port, _) = targets[i];
            let r = wrk_paced(port, seconds)?;
            eprintln!(
                "round {round}/{rounds} {name}, paced: {:.0} req/s, p99 {:.2} ms",
                r.rps, r.p99_ms
            );
            paced[i].push(r);
        }
        for (i, (name, port, pid)) in targets.iter().enumerate() {
            let sample = match pid {
                Some(pid) => {
                    let (r, cpu) = wrk_cpu(*port, seconds, *pid)?;
                    (r, Some(cpu))
                }
                None => (wrk(*port, seconds)?, None),
            };
            eprintln!(
                "round {round}/{rounds} {name}: {:.0} req/s, p99 {:.2} ms",
                sample.0.rps, sample.0.p99_ms
            );
            samples[i].push(sample);
        }
    }
    let median = |mut v: Vec<f64>| -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    println!(
        "{rounds} rounds of {seconds} s per target, interleaved; medians over the rounds (min–max in brackets)"
    );
    println!("| target | req/s | p50 ms | p99 ms | non-2xx | peak RSS MB | proxy CPU µs/req |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut medians: Vec<WrkResult> = Vec::new();
    for ((name, _, pid), s) in targets.iter().zip(&samples) {
        let col = |f: &dyn Fn(&WrkResult) -> f64| median(s.iter().map(|(r, _)| f(r)).collect());
        let range = |f: &dyn Fn(&WrkResult) -> f64| {
            let v: Vec<f64> = s.iter().map(|(r, _)| f(r)).collect();
            (
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(0.0, f64::max),
            )
        };
        let m = WrkResult {
            rps: col(&|r| r.rps),
            p50_ms: col(&|r| r.p50_ms),
            p99_ms: col(&|r| r.p99_ms),
            non_2xx: s.iter().map(|(r, _)| r.non_2xx).sum(),
        };
        let (rlo, rhi) = range(&|r| r.rps);
        let (plo, phi) = range(&|r| r.p99_ms);
        let cpu: Vec<f64> = s.iter().filter_map(|(_, c)| *c).collect();
        // The gateway's RSS is its own; nginx's and Prism's are not compared.
        let rss = pid
            .filter(|_| name.contains("contract gateway"))
            .map(rss_mb);
        println!(
            "| {name} | {:.0} [{rlo:.0}–{rhi:.0}] | {:.2} | {:.2} [{plo:.2}–{phi:.2}] | {} | {} | {} |",
            m.rps,
            m.p50_ms,
            m.p99_ms,
            m.non_2xx,
            rss.map_or("-".into(), |m| format!("{m:.1}")),
            if cpu.is_empty() {
                "-".into()
            } else {
                format!("{:.1}", median(cpu))
            }
        );
        medians.push(m);
    }
    let get = |prefix: &str| {
        targets
            .iter()
            .zip(&medians)
            .find(|((n, _, _), _)| n.starts_with(prefix))
            .map(|(_, r)| *r)
    };
    for c_name in ["(c)", "(c2)"] {
        if let (Some(a), Some(c), Some(d)) = (get("(a)"), get(c_name), get("(d)")) {
            println!(
                "{c_name}/(d) throughput: {:.2} (target ≥ 0.8)",
                c.rps / d.rps
            );
            println!(
                "p99{c_name} − p99(a): {:.2} ms (target ≤ 1 ms)",
                c.p99_ms - a.p99_ms
            );
        }
    }
    for c_name in ["(c)", "(c2)"] {
        if let (Some(c), Some(e)) = (get(c_name), get("(e)")) {
            println!(
                "{c_name}/(e) throughput: {:.1} (target ≥ 20)",
                c.rps / e.rps
            );
        }
    }
    println!(
        "\nPaced load: 32 connections, each pausing {PACE_MS} ms between requests (medians over the rounds)"
    );
    println!("| target | req/s | p50 ms | p99 ms |");
    println!("| --- | --- | --- | --- |");
    let mut paced_p99 = Vec::new();
    for &i in &paced_targets {
        let v = &paced[i];
        let rps = median(v.iter().map(|r| r.rps).collect());
        let p50 = median(v.iter().map(|r| r.p50_ms).collect());
        let p99 = median(v.iter().map(|r| r.p99_ms).collect());
        println!("| {} | {rps:.0} | {p50:.2} | {p99:.2} |", targets[i].0);
        paced_p99.push((targets[i].0, p99));
    }
    let paced_get = |prefix: &str| {
        paced_p99
            .iter()
            .find(|(n, _)| n.starts_with(prefix))
            .map(|(_, p)| *p)
    };
    for c_name in ["(c)", "(c2)"] {
        if let (Some(a), Some(c)) = (paced_get("(a)"), paced_get(c_name)) {
            println!("paced p99{c_name} − p99(a): {:.2} ms", c - a);
        }
    }
    drop(guards);
    // RSS with GitHub's REST description loaded.
    let github = fetch::input("github-rest-23")?;
    let (g, port) = gateway(&bin, &github, up, "enforce", None)?;
    for _ in 0..20 {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ =
                s.write_all(b"GET /meta HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
            let mut sink = String::new();
            let _ = std::io::Read::read_to_string(&mut s, &mut sink);
        }
    }
    // Resident memory while serving (the compiled contract and the process), and the peak
    // that loading and compiling the 13 MB description passed through.
    println!(
        "gateway RSS with GitHub's REST description loaded: {:.1} MB resident (target ≤ 64 MB), {:.1} MB peak while compiling",
        status_mb(g.0.id(), "VmRSS:"),
        rss_mb(g.0.id())
    );
    Ok(())
}
