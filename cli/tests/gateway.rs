//! `contract gateway` end to end: the bundled contract in front of a tiny upstream on
//! 127.0.0.1, a valid and an invalid request over real sockets, then SIGTERM → exit 0.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Answers every request with the same valid Pokémon, for `n` connections.
fn upstream(n: usize) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in l.incoming().take(n) {
            let Ok(mut c) = conn else { continue };
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf);
            let body = r#"{"id":1,"name":"Bulbasaur"}"#;
            let _ = write!(
                c,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn gateway_enforces_the_bundled_contract() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let contract = root.join("contracts/examples/pokemon/v1/pokemon.openapi.yaml");
    // The violation store is created in the working directory: keep it out of the checkout.
    let work = tempfile::tempdir().unwrap();
    let up = upstream(8);
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_contract"))
        .current_dir(work.path())
        .args([
            "gateway",
            "--contract",
            contract.to_str().unwrap(),
            "--upstream",
            &format!("http://127.0.0.1:{up}"),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--log-level",
            "warn",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the gateway did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let ok = get(port, "/pokemon/1");
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("Bulbasaur"));
    let bad = get(port, "/pokemon/abc");
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
    assert!(
        bad.to_ascii_lowercase()
            .contains("application/problem+json"),
        "{bad}"
    );
    assert!(bad.contains("request.path.id"), "{bad}");
    let unknown = get(port, "/nope");
    assert!(unknown.starts_with("HTTP/1.1 404"), "{unknown}");

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the gateway did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn bad_arguments_exit_2() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_contract"))
        .current_dir(root)
        .args([
            "gateway",
            "--contract",
            "contracts/examples/pokemon/v1/pokemon.openapi.yaml",
            "--upstream",
            "not a url",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // The violation store is created in the working directory: keep it out of the checkout.
    let work = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_contract"))
        .current_dir(work.path())
        .args([
            "gateway",
            "--contract",
            "nope.yaml",
            "--upstream",
            "http://127.0.0.1:1",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
