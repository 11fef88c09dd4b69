#![no_main]
//! Fuzzes the gateway's request validation (routing, parameters in every place and style,
//! security, bodies by content type) against a compiled contract, for panics.
//!
//! Input: `METHOD PATH?QUERY` on the first line, `name: value` header lines, a blank line, then
//! the body.

use std::sync::OnceLock;

use bytes::Bytes;
use contract_gateway::config::Policies;
use contract_gateway::validate::{CompiledContract, RequestView, RouteMatch};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;

fn contract() -> &'static CompiledContract {
    static C: OnceLock<CompiledContract> = OnceLock::new();
    C.get_or_init(|| {
        let text = include_str!("../../gateway/tests/fixtures/petstore.yaml");
        CompiledContract::compile_text("petstore.yaml", text)
            .expect("the fixture compiles")
            .0
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let Some(first) = lines.next() else { return };
    let (method, target) = first.split_once(' ').unwrap_or(("GET", first));
    let Ok(method) = Method::from_bytes(method.as_bytes()) else { return };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut headers = HeaderMap::new();
    for line in lines {
        if let Some((n, v)) = line.split_once(':') {
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(n.trim().as_bytes()), HeaderValue::from_str(v.trim())) {
                headers.append(n, v);
            }
        }
    }
    let c = contract();
    let policies = Policies::default();
    if let RouteMatch::Found { op, params } = c.route(&method, path, &policies) {
        let body = Bytes::from(body.as_bytes().to_vec());
        let req = RequestView { method: &method, query, headers: &headers, body: &body };
        let _ = c.check_request(op, &params, &req, &policies);
    }
});
