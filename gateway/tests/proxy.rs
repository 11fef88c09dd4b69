//! The proxy core with a real upstream and a real client: forwarding, limits, error shape,
//! retries, the circuit breaker, timeouts, admin endpoints, the violation store, shutdown.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use contract_gateway::{Mode, StoreConfig};

fn binary_payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 3) as u8).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwards_bytes_both_ways_unchanged() {
    let reply = Bytes::from(binary_payload(5000));
    let r2 = reply.clone();
    let up = TestUpstream::start(move |_| Canned {
        status: 201,
        headers: vec![
            ("content-type".into(), "application/octet-stream".into()),
            ("x-upstream".into(), "yes".into()),
            ("set-cookie".into(), "a=1".into()),
            ("set-cookie".into(), "b=2".into()),
        ],
        body: r2.clone(),
        delay: Duration::ZERO,
        chunked: true,
    })
    .await;
    for mode in [Mode::Report, Mode::Enforce, Mode::Off] {
        let gw = start(config(&up.url(), None, mode)).await;
        let sent = binary_payload(3000);
        let got = send(
            "POST",
            &format!("http://{}/a/b%20c?x=1&y=%2F&y=2", gw.addr()),
            &[
                ("x-custom", "v"),
                ("content-type", "application/octet-stream"),
            ],
            sent.clone(),
        )
        .await;
        assert_eq!(got.status, 201);
        assert_eq!(got.body, reply, "client receives the upstream's bytes");
        assert_eq!(got.headers.get("x-upstream").unwrap(), "yes");
        let cookies: Vec<_> = got.headers.get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        let seen = up.last();
        assert_eq!(
            seen.body,
            Bytes::from(sent),
            "upstream receives the client's bytes"
        );
        assert_eq!(seen.method, "POST");
        assert_eq!(seen.uri, "/a/b%20c?x=1&y=%2F&y=2");
        assert_eq!(seen.headers.get("x-custom").unwrap(), "v");
        assert_eq!(
            seen.headers.get("host").unwrap().to_str().unwrap(),
            up.addr.to_string()
        );
        gw.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_base_path_and_prefix_stripping() {
    let up = TestUpstream::start(|_| Canned::json(200, "{}")).await;
    let mut c = config(&format!("{}/base", up.url()), None, Mode::Report);
    c.routes[0].prefix = "/svc".into();
    c.routes[0].strip_prefix = true;
    let gw = start(c).await;
    assert_eq!(
        get(&format!("http://{}/svc/pets?q=1", gw.addr()))
            .await
            .status,
        200
    );
    assert_eq!(up.last().uri, "/base/pets?q=1");
    // `/svcx` is not under `/svc`.
    let p = get(&format!("http://{}/svcx", gw.addr()))
        .await
        .problem(404);
    assert_eq!(p["violations"][0]["kind"], "unknown-route");
    assert_eq!(up.hits(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_answer_problem_json_in_every_mode() {
    let up = TestUpstream::start(|_| Canned::json(200, "{}")).await;
    for mode in [Mode::Enforce, Mode::Report, Mode::Off] {
        let mut c = config(&up.url(), None, mode);
        c.limits.max_body_bytes = 1000;
        c.limits.max_header_bytes = 2000;
        c.limits.max_json_depth = 8;
        let gw = start(c).await;
        let url = format!("http://{}/x", gw.addr());

        let p = send("POST", &url, &[], vec![b'a'; 1001]).await.problem(413);
        assert_eq!(p["violations"][0]["location"], "request.body");

        // Chunked, so no Content-Length tells the size up front.
        let chunked = Chunks((0..20).map(|_| Bytes::from(vec![b'b'; 100])).collect());
        let req = http::Request::post(&url).body(chunked).unwrap();
        let resp =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<Chunks>()
                .request(req)
                .await
                .unwrap();
        assert_eq!(resp.status(), 413);

        let big = "v".repeat(2100);
        send("GET", &url, &[("x-big", &big)], Bytes::new())
            .await
            .problem(431);

        let deep = format!("{}{}", "[".repeat(9), "]".repeat(9));
        let p = send("POST", &url, &[("content-type", "application/json")], deep)
            .await
            .problem(400);
        assert_eq!(p["violations"][0]["kind"], "json-too-deep");
        // Not JSON: brackets do not count.
        let ok = send(
            "POST",
            &url,
            &[("content-type", "text/plain")],
            "[".repeat(20),
        )
        .await;
        assert_eq!(ok.status, 200);
        assert_eq!(
            up.hits(),
            1,
            "only the request within limits reaches the upstream"
        );
        gw.shutdown().await;
        up.hits.store(0, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_upstream_is_502_without_internal_details() {
    let dead = dead_addr().await;
    let mut c = config(&format!("http://{dead}"), None, Mode::Enforce);
    c.breaker.failure_threshold = 0;
    let gw = start(c).await;
    let got = get(&format!("http://{}/x", gw.addr())).await;
    let p = got.problem(502);
    assert!(!p["detail"]
        .as_str()
        .unwrap()
        .contains(&dead.port().to_string()));
    assert_eq!(p["violations"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_upstream_is_504() {
    let up = TestUpstream::start(|_| Canned {
        delay: Duration::from_millis(500),
        ..Canned::json(200, "{}")
    })
    .await;
    let mut c = config(&up.url(), None, Mode::Enforce);
    c.limits.upstream_timeout = Duration::from_millis(100);
    let gw = start(c).await;
    let t = Instant::now();
    get(&format!("http://{}/x", gw.addr())).await.problem(504);
    assert!(t.elapsed() < Duration::from_millis(450));
    assert_eq!(up.hits(), 1, "timeouts are not retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_connections_are_kept_per_client_and_pooled() {
    let up = TestUpstream::start(|_| Canned::json(200, "{}")).await;
    let gw = start(config(&up.url(), None, Mode::Enforce)).await;
    let url = format!("http://{}/x", gw.addr());
    // One keep-alive client connection: every request rides the same upstream connection.
    let stream = tokio::net::TcpStream::connect(gw.addr()).await.unwrap();
    let (mut c, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    for _ in 0..5 {
        c.ready().await.unwrap();
        let r = c
            .send_request(
                http::Request::get("/x")
                    .header("host", "gateway")
                    .body(http_body_util::Full::new(Bytes::new()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap();
    }
    assert_eq!(up.conns.load(Ordering::SeqCst), 1);
    drop(c);
    // New client connections, one after another: each takes the pooled upstream connection
    // that the one before gave back when it closed.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(get(&url).await.status, 200);
    }
    assert_eq!(up.hits(), 10);
    assert_eq!(up.conns.load(Ordering::SeqCst), 1, "pooled, not redialled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_connection_closed_while_idle_is_replaced_without_a_retry() {
    // An upstream that answers one request per connection with keep-alive, then closes the
    // connection while it is idle.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let a2 = Arc::clone(&accepted);
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut s, _)) = l.accept().await {
            a2.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                    .await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            });
        }
    });
    let gw = start(config(&format!("http://{addr}"), None, Mode::Enforce)).await;
    let url = format!("http://{}/x", gw.addr());
    for i in 0..3 {
        // POST is never retried, so a 200 here means no request was lost on a dead connection.
        let got = send("POST", &url, &[], "{}").await;
        assert_eq!(got.status, 200, "request {i}: {:?}", got.body);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
    let m = gw.metrics();
    assert!(!m.contains("gateway_upstream_retries_total{"), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_requests_are_retried_others_are_not() {
    // The first two connections are dropped before any response.
    let up = TestUpstream::start_flaky(2, |_| Canned::json(200, "{\"ok\":true}")).await;
    let gw = start(config(&up.url(), None, Mode::Enforce)).await;
    let got = get(&format!("http://{}/x", gw.addr())).await;
    assert_eq!(got.status, 200);
    assert_eq!(up.hits(), 1);
    let m = gw.metrics();
    assert!(
        m.contains(&format!(
            "gateway_upstream_retries_total{{upstream=\"{}\"}} 2",
            up.addr
        )),
        "{m}"
    );

    let up = TestUpstream::start_flaky(1, |_| Canned::json(200, "{}")).await;
    let gw = start(config(&up.url(), None, Mode::Enforce)).await;
    send("POST", &format!("http://{}/x", gw.addr()), &[], "{}")
        .await
        .problem(502);
    assert_eq!(up.hits(), 0, "POST is not retried");
    // PUT is idempotent.
    let up = TestUpstream::start_flaky(1, |_| Canned::json(200, "{}")).await;
    let gw = start(config(&up.url(), None, Mode::Enforce)).await;
    let got = send("PUT", &format!("http://{}/x", gw.addr()), &[], "{}").await;
    assert_eq!(got.status, 200);
    assert_eq!(
        up.last().body,
        Bytes::from_static(b"{}"),
        "the retried body is whole"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breaker_opens_on_failures_and_closes_after_a_good_trial() {
    let failing = Arc::new(AtomicBool::new(true));
    let f2 = Arc::clone(&failing);
    let up = TestUpstream::start(move |_| {
        if f2.load(Ordering::SeqCst) {
            Canned::json(500, "{\"error\":1}")
        } else {
            Canned::json(200, "{}")
        }
    })
    .await;
    for mode in [Mode::Enforce, Mode::Report] {
        up.hits.store(0, Ordering::SeqCst);
        failing.store(true, Ordering::SeqCst);
        let mut c = config(&up.url(), None, mode);
        c.breaker.failure_threshold = 3;
        c.breaker.open_for = Duration::from_millis(300);
        let gw = start(c).await;
        let url = format!("http://{}/x", gw.addr());
        for _ in 0..3 {
            let got = get(&url).await;
            assert_eq!(got.status, 500, "upstream errors pass through");
            assert_eq!(got.body, Bytes::from_static(b"{\"error\":1}"));
        }
        let open = get(&url).await;
        let p = open.problem(503);
        assert_eq!(p["type"], "urn:contract:gateway:circuit-open");
        assert_eq!(open.headers.get("retry-after").unwrap(), "1");
        assert_eq!(up.hits(), 3, "open breaker does not call the upstream");
        let admin = gw.admin_addr().unwrap();
        let ready = get(&format!("http://{admin}/readyz")).await.json();
        assert_eq!(ready["routes"][0]["breaker"], "open");

        tokio::time::sleep(Duration::from_millis(350)).await;
        failing.store(false, Ordering::SeqCst);
        assert_eq!(get(&url).await.status, 200, "half-open trial goes through");
        assert_eq!(get(&url).await.status, 200, "closed again");
        assert_eq!(up.hits(), 5);
        assert!(gw.metrics().contains("circuit-open"));
        gw.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_trial_reopens_the_breaker() {
    let up = TestUpstream::start(|_| Canned::json(503, "{}")).await;
    let mut c = config(&up.url(), None, Mode::Enforce);
    c.breaker.failure_threshold = 2;
    c.breaker.open_for = Duration::from_millis(150);
    let gw = start(c).await;
    let url = format!("http://{}/x", gw.addr());
    get(&url).await;
    get(&url).await;
    get(&url).await.problem(503);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        get(&url).await.status,
        503,
        "the trial reaches the upstream"
    );
    assert_eq!(up.hits(), 3);
    get(&url).await.problem(503);
    assert_eq!(up.hits(), 3, "open again after the failed trial");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_endpoints_and_violation_store() {
    let up = TestUpstream::start(|_| Canned::json(200, "{}")).await;
    let mut c = config(&up.url(), None, Mode::Enforce);
    c.limits.max_body_bytes = 10;
    let gw = start(c).await;
    let admin = gw.admin_addr().unwrap();
    assert_eq!(get(&format!("http://{admin}/healthz")).await.status, 200);
    let ready = get(&format!("http://{admin}/readyz")).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["status"], "ready");

    let before = contract_gateway::store::now_ms();
    send(
        "POST",
        &format!("http://{}/big", gw.addr()),
        &[],
        vec![1u8; 11],
    )
    .await
    .problem(413);
    get(&format!("http://{}/ok", gw.addr())).await;

    let m = get(&format!("http://{admin}/metrics")).await;
    assert_eq!(m.status, 200);
    let text = String::from_utf8_lossy(&m.body);
    assert!(
        text.contains(
            r#"gateway_requests_total{route="/",operation="-",method="POST",status="413"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(
        r#"gateway_violations_total{route="/",operation="-",kind="payload-too-large"} 1"#
    ));
    assert!(text.contains("gateway_request_duration_seconds_bucket"));

    // The store is written asynchronously: poll briefly.
    let mut rows = serde_json::Value::Null;
    for _ in 0..50 {
        rows = get(&format!(
            "http://{admin}/violations?since={before}&kind=payload-too-large"
        ))
        .await
        .json();
        if rows["violations"].as_array().is_some_and(|a| !a.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let v = &rows["violations"][0];
    assert_eq!(v["location"], "request.body");
    assert_eq!(v["path"], "/big");
    assert_eq!(v["method"], "POST");
    let later = get(&format!("http://{admin}/violations?since=2999-01-01"))
        .await
        .json();
    assert_eq!(later["violations"], serde_json::json!([]));
    assert_eq!(
        get(&format!("http://{admin}/violations?since=soon"))
            .await
            .status,
        400
    );
    assert_eq!(get(&format!("http://{admin}/nope")).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn violations_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("violations.sqlite");
    let up = TestUpstream::start(|_| Canned::json(200, "{}")).await;
    let mut c = config(&up.url(), None, Mode::Report);
    c.store = StoreConfig::Sqlite(db.clone());
    c.limits.max_body_bytes = 1;
    let gw = start(c.clone()).await;
    send("POST", &format!("http://{}/x", gw.addr()), &[], "xx")
        .await
        .problem(413);
    gw.shutdown().await;

    let gw = start(c).await;
    let admin = gw.admin_addr().unwrap();
    let rows = get(&format!("http://{admin}/violations?operation=-"))
        .await
        .json();
    assert_eq!(rows["violations"].as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows["violations"][0]["kind"], "payload-too-large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_in_flight_requests_finish() {
    let up = TestUpstream::start(|_| Canned {
        delay: Duration::from_millis(300),
        ..Canned::json(200, "{\"slow\":true}")
    })
    .await;
    let gw = start(config(&up.url(), None, Mode::Enforce)).await;
    let addr = gw.addr();
    let admin = gw.admin_addr().unwrap();
    let inflight = tokio::spawn(async move { get(&format!("http://{addr}/slow")).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = tokio::spawn(gw.shutdown());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connections while draining"
    );
    assert!(tokio::net::TcpStream::connect(admin).await.is_err());
    let got = inflight.await.unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(got.body, Bytes::from_static(b"{\"slow\":true}"));
    tokio::time::timeout(Duration::from_secs(5), stopping)
        .await
        .expect("shutdown completes")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_client_connections_are_closed() {
    let up = TestUpstream::start(|_| Canned::json(200, "{}")).await;
    let mut c = config(&up.url(), None, Mode::Enforce);
    c.limits.idle_timeout = Duration::from_millis(200);
    let gw = start(c).await;
    let t = Instant::now();
    let out = raw(
        gw.addr(),
        b"GET /x HTTP/1.1\r\nhost: a\r\n\r\n",
        Duration::from_secs(3),
    )
    .await;
    assert!(
        out.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert!(
        t.elapsed() < Duration::from_millis(2000),
        "closed by the idle timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_goes_away_is_still_logged() {
    let up = TestUpstream::start(|_| Canned {
        delay: Duration::from_millis(300),
        ..Canned::json(200, "{}")
    })
    .await;
    let gw = start(config(&up.url(), None, Mode::Enforce)).await;
    let _ = raw(
        gw.addr(),
        b"GET /x HTTP/1.1\r\nhost: a\r\n\r\n",
        Duration::from_millis(50),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        gw.metrics().contains(r#"method="GET",status="499"} 1"#),
        "{}",
        gw.metrics()
    );
}
