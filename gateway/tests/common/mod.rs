//! Test harness: a real upstream (hyper on 127.0.0.1:0), a real client, and gateway start-up.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use contract_gateway::{Gateway, GatewayConfig, GatewayHandle, Mode, StoreConfig, Upstream};
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the upstream saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A canned upstream answer.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub delay: Duration,
    pub chunked: bool,
}

impl Canned {
    pub fn json(status: u16, body: &str) -> Self {
        Canned {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::copy_from_slice(body.as_bytes()),
            delay: Duration::ZERO,
            chunked: false,
        }
    }
}

type Handler = Arc<dyn Fn(&Seen) -> Canned + Send + Sync>;

/// A real HTTP upstream on 127.0.0.1.
pub struct TestUpstream {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicUsize>,
    /// Connections accepted, the dropped ones included.
    pub conns: Arc<AtomicUsize>,
    pub seen: Arc<std::sync::Mutex<Vec<Seen>>>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl TestUpstream {
    /// Starts an upstream answering with `handler`.
    pub async fn start(handler: impl Fn(&Seen) -> Canned + Send + Sync + 'static) -> Self {
        Self::start_flaky(0, handler).await
    }

    /// Starts an upstream that drops its first `broken` connections without answering.
    pub async fn start_flaky(
        broken: usize,
        handler: impl Fn(&Seen) -> Canned + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handler: Handler = Arc::new(handler);
        let hits = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let accepted = Arc::new(AtomicUsize::new(0));
        let (h2, s2, a2) = (Arc::clone(&hits), Arc::clone(&seen), Arc::clone(&accepted));
        tokio::spawn(async move {
            let mut conns = 0usize;
            loop {
                let stream = tokio::select! {
                    a = listener.accept() => match a { Ok((s, _)) => s, Err(_) => continue },
                    _ = stopped.changed() => return,
                };
                conns += 1;
                a2.fetch_add(1, Ordering::SeqCst);
                if conns <= broken {
                    drop(stream);
                    continue;
                }
                let (handler, hits, seen) =
                    (Arc::clone(&handler), Arc::clone(&h2), Arc::clone(&s2));
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let (handler, hits, seen) =
                            (Arc::clone(&handler), Arc::clone(&hits), Arc::clone(&seen));
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|c| c.to_bytes())
                                .unwrap_or_default();
                            let s = Seen {
                                method: parts.method.to_string(),
                                uri: parts.uri.to_string(),
                                headers: parts.headers,
                                body,
                            };
                            hits.fetch_add(1, Ordering::SeqCst);
                            let c = handler(&s);
                            seen.lock().unwrap().push(s);
                            if !c.delay.is_zero() {
                                tokio::time::sleep(c.delay).await;
                            }
                            let body: http_body_util::combinators::BoxBody<
                                Bytes,
                                std::convert::Infallible,
                            > = if c.chunked {
                                Chunks(c.body.chunks(7).map(Bytes::copy_from_slice).collect())
                                    .boxed()
                            } else {
                                Full::new(c.body.clone()).boxed()
                            };
                            let mut r = Response::new(body);
                            *r.status_mut() = StatusCode::from_u16(c.status).unwrap();
                            for (k, v) in &c.headers {
                                r.headers_mut().append(
                                    http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                                    v.parse().unwrap(),
                                );
                            }
                            Ok::<_, std::convert::Infallible>(r)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        TestUpstream {
            addr,
            hits,
            conns: accepted,
            seen,
            stop,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn last(&self) -> Seen {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("upstream saw a request")
    }
}

impl Drop for TestUpstream {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A body sent in several chunks with no known length (so HTTP/1.1 uses chunked encoding).
pub struct Chunks(pub std::collections::VecDeque<Bytes>);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(|b| Ok(hyper::body::Frame::data(b))))
    }
}

/// An address nothing listens on.
pub async fn dead_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    drop(l);
    a
}

/// A gateway config in front of `upstream`, with an in-memory store and fast policies.
pub fn config(upstream: &str, contract: Option<std::path::PathBuf>, mode: Mode) -> GatewayConfig {
    let mut c = GatewayConfig::single(
        "127.0.0.1:0".parse().unwrap(),
        Upstream::parse(upstream).unwrap(),
        contract,
        mode,
    );
    c.admin_listen = Some("127.0.0.1:0".parse().unwrap());
    c.store = StoreConfig::Memory;
    c.retry.base_delay = Duration::from_millis(1);
    c.retry.max_delay = Duration::from_millis(5);
    c.reload.on_sighup = false;
    c.reload.poll_interval = None;
    c
}

pub async fn start(c: GatewayConfig) -> GatewayHandle {
    Gateway::start(c).await.expect("gateway starts")
}

/// A real HTTP client.
pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// A response with its body read.
#[derive(Debug)]
pub struct Got {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Got {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Asserts a problem+json document of the common shape and returns it.
    pub fn problem(&self, status: u16) -> serde_json::Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.headers.get("content-type").unwrap(),
            "application/problem+json"
        );
        let p = self.json();
        for k in [
            "type",
            "title",
            "status",
            "detail",
            "request_id",
            "violations",
        ] {
            assert!(p.get(k).is_some(), "problem lacks `{k}`: {p}");
        }
        assert_eq!(p["status"], status);
        p
    }
}

/// Sends one request.
pub async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Got {
    let mut b = Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let resp = client()
        .request(b.body(Full::new(body.into())).unwrap())
        .await
        .expect("gateway answers");
    let (parts, body) = resp.into_parts();
    Got {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

pub async fn get(url: &str) -> Got {
    send("GET", url, &[], Bytes::new()).await
}

/// Writes raw bytes on a new connection and reads until the server closes it or `wait` passes.
pub async fn raw(addr: SocketAddr, request: &[u8], wait: Duration) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, s.read_to_end(&mut out)).await;
    out
}
