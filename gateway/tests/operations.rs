//! Operations: hot reload (file change, SIGHUP, admin, under load), a broken contract keeping
//! the old one, and starting from `gateway.yaml` with several routes.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use contract_gateway::{GatewayConfig, Mode, StoreConfig};

const V1: &str = r#"openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 10}}
      responses:
        "200": {description: ok}
"#;

fn v2() -> String {
    format!(
        "{V1}  /things:\n    get:\n      operationId: listThings\n      responses:\n        \"200\": {{description: ok}}\n"
    )
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

async fn until(mut f: impl FnMut() -> bool, what: &str) {
    let t = Instant::now();
    while !f() {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_on_file_change_and_keeps_the_old_contract_when_broken() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("api.yaml");
    write(&spec, V1);
    let up = TestUpstream::start(|_| Canned::json(200, "{}")).await;
    let mut c = config(&up.url(), Some(spec.clone()), Mode::Enforce);
    c.reload.poll_interval = Some(Duration::from_millis(50));
    let gw = start(c).await;
    let things = format!("http://{}/things", gw.addr());
    get(&things).await.problem(404);

    write(&spec, &v2());
    let t = Instant::now();
    loop {
        if get(&things).await.status == 200 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "the new contract was not picked up"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    // A broken contract is refused; the previous one keeps serving.
    write(&spec, "openapi: 3.0.3\npaths: {/items: {get: [unclosed\n");
    until(
        || gw.metrics().contains(r#"result="error"} 1"#),
        "the failed reload",
    )
    .await;
    assert_eq!(get(&things).await.status, 200, "old contract still active");
    get(&format!("http://{}/items?limit=11", gw.addr()))
        .await
        .problem(400);
    let ready = get(&format!("http://{}/readyz", gw.admin_addr().unwrap())).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["routes"][0]["operations"], 2);

    // POST /reload on the admin listener reports the refusal.
    let r = send(
        "POST",
        &format!("http://{}/reload", gw.admin_addr().unwrap()),
        &[],
        bytes::Bytes::new(),
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.json()["reloads"][0]["error"]
        .as_str()
        .unwrap()
        .contains("api.yaml"));

    write(&spec, V1);
    until(|| gw.metrics().contains(r#"result="ok"} 2"#), "recovery").await;
    get(&things).await.problem(404);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("api.yaml");
    write(&spec, V1);
    let up = TestUpstream::start(|_| Canned::json(200, "{}")).await;
    let mut c = config(&up.url(), Some(spec.clone()), Mode::Enforce);
    c.reload.on_sighup = true;
    let gw = start(c).await;
    let things = format!("http://{}/things", gw.addr());
    get(&things).await.problem(404);
    write(&spec, &v2());
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    until(
        || gw.metrics().contains(r#"result="ok"}"#),
        "the SIGHUP reload",
    )
    .await;
    assert_eq!(get(&things).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_under_load_fails_no_request() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("api.yaml");
    write(&spec, V1);
    let up = TestUpstream::start(|_| Canned::json(200, "{\"ok\":true}")).await;
    let gw = start(config(&up.url(), Some(spec.clone()), Mode::Enforce)).await;
    let url = format!("http://{}/items?limit=3", gw.addr());
    let failures = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (url, failures, done) = (url.clone(), Arc::clone(&failures), Arc::clone(&done));
        clients.push(tokio::spawn(async move {
            let c = client();
            for _ in 0..150 {
                if Instant::now() > deadline {
                    break;
                }
                let req = http::Request::get(&url)
                    .body(http_body_util::Full::new(bytes::Bytes::new()))
                    .unwrap();
                match c.request(req).await {
                    Ok(r) if r.status() == 200 => {}
                    _ => {
                        failures.fetch_add(1, Ordering::SeqCst);
                    }
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    let v2 = v2();
    let mut reloads = 0;
    while done.load(Ordering::SeqCst) < 600 && Instant::now() < deadline {
        write(&spec, if reloads % 2 == 0 { &v2 } else { V1 });
        let out = gw.reload().await;
        assert!(out.iter().all(|o| o.result.is_ok()), "{out:?}");
        reloads += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for c in clients {
        c.await.unwrap();
    }
    assert!(reloads >= 5, "only {reloads} reloads happened");
    assert!(done.load(Ordering::SeqCst) >= 100);
    assert_eq!(
        failures.load(Ordering::SeqCst),
        0,
        "a request failed during reloads"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_from_gateway_yaml_with_several_routes() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("items.yaml"), V1);
    let items = TestUpstream::start(|_| Canned::json(200, "{\"from\":\"items\"}")).await;
    let other = TestUpstream::start(|_| Canned::json(200, "{\"from\":\"other\"}")).await;
    let yaml = format!(
        r#"
listen: 127.0.0.1:0
admin: 127.0.0.1:0
mode: enforce
store: memory
reload: {{ poll_interval: off, on_sighup: false }}
routes:
  - prefix: /api
    strip_prefix: true
    contract: items.yaml
    upstream: {}
    policies: {{ unknown_query: reject }}
  - prefix: /
    upstream: {}
"#,
        items.url(),
        other.url()
    );
    let cfg_path = dir.path().join("gateway.yaml");
    write(&cfg_path, &yaml);
    let c = GatewayConfig::from_file(&cfg_path).unwrap();
    assert_eq!(c.store, StoreConfig::Memory);
    let gw = start(c).await;
    let got = get(&format!("http://{}/api/items?limit=2", gw.addr())).await;
    assert_eq!(got.json()["from"], "items");
    assert_eq!(items.last().uri, "/items?limit=2");
    get(&format!("http://{}/api/items?limit=2&x=1", gw.addr()))
        .await
        .problem(400);
    get(&format!("http://{}/api/nothing", gw.addr()))
        .await
        .problem(404);
    let got = get(&format!("http://{}/anything/else", gw.addr())).await;
    assert_eq!(got.json()["from"], "other", "the plain proxy route");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_contract_refuses_to_start_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("api.yaml");
    write(&spec, "openapi: 3.0.3\npaths:\n  /a/{b:\n    get: {}\n");
    let err =
        contract_gateway::Gateway::start(config("http://127.0.0.1:1", Some(spec), Mode::Enforce))
            .await
            .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("api.yaml:3"), "{text}");
    assert!(text.contains("malformed template"), "{text}");
}
