//! The server side: [`router`] turns a route table and a dispatch function into an axum
//! router; a generated handler decodes a [`Request`] into typed parameters and body, collecting
//! every [`Violation`] before answering 400 with all of them, then encodes the operation's
//! response enum with [`json`], [`bytes`], [`text`] or [`empty`].

use std::future::Future;
use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::problem::{Problem, Violation, PROBLEM_JSON};
use crate::routes::{Match, RouteTable};
use crate::stream::ByteStream;
use crate::{form, text};

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// A request as a generated handler sees it.
#[derive(Debug, Default)]
pub struct Request {
    /// Path parameters, percent-decoded.
    pub path: Vec<(String, String)>,
    /// Query parameters in order, form-decoded.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, read whole (empty for an operation whose body streams).
    pub body: Bytes,
    /// The body of an operation that streams it (a binary media type), unread; `None` when
    /// the request has no body.
    pub stream: Option<ByteStream>,
}

/// The violations a handler collects while decoding a request.
#[derive(Debug, Clone, Default)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    fn push(&mut self, kind: &str, location: String, message: String) {
        self.0.push(Violation::new(kind, location, message));
    }

    /// The 400 problem answer for what was collected.
    pub fn into_response(self) -> Response {
        problem(Problem::invalid_request(self.0))
    }
}

impl Request {
    /// Builds the request from its parts (the query string undecoded).
    pub fn new(
        path: Vec<(String, String)>,
        query: Option<&str>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Self {
        Request {
            path,
            query: query.map(form_pairs).unwrap_or_default(),
            headers,
            body,
            stream: None,
        }
    }

    /// A path parameter (always required).
    pub fn path<T: DeserializeOwned>(&self, v: &mut Violations, name: &str) -> Option<T> {
        let loc = format!("request.path.{name}");
        let got = one(v, self.path_raw(name), &loc);
        optional(v, got, &loc, true).flatten()
    }

    fn path_raw(&self, name: &str) -> Option<&str> {
        self.path
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_str())
    }

    /// A path parameter whose schema is a list (`simple` style: `a,b,c`; always required).
    pub fn path_list<T: DeserializeOwned>(&self, v: &mut Violations, name: &str) -> Option<Vec<T>> {
        let loc = format!("request.path.{name}");
        match self.path_raw(name) {
            None => optional::<Vec<T>>(v, Ok(None), &loc, true).flatten(),
            Some(s) => list(v, s.split(','), &loc).ok(),
        }
    }

    /// A query parameter: `Some(None)` when absent and optional, `None` after a violation.
    pub fn query<T: DeserializeOwned>(
        &self,
        v: &mut Violations,
        name: &str,
        req: bool,
    ) -> Option<Option<T>> {
        let loc = format!("request.query.{name}");
        let raw = self
            .query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_str());
        let got = one(v, raw, &loc);
        optional(v, got, &loc, req)
    }

    /// A list query parameter: repeated (`explode`, the default) or comma-separated.
    pub fn query_list<T: DeserializeOwned>(
        &self,
        v: &mut Violations,
        name: &str,
        req: bool,
        explode: bool,
    ) -> Option<Option<Vec<T>>> {
        let loc = format!("request.query.{name}");
        let values: Vec<&str> = self
            .query
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, s)| s.as_str())
            .collect();
        if values.is_empty() {
            return optional(v, Ok(None), &loc, req);
        }
        let items: Vec<&str> = if explode {
            values
        } else {
            values.iter().flat_map(|s| s.split(',')).collect()
        };
        let got = list(v, items, &loc).map(Some);
        optional(v, got, &loc, req)
    }

    /// A header (by lower-case name).
    pub fn header<T: DeserializeOwned>(
        &self,
        v: &mut Violations,
        name: &str,
        req: bool,
    ) -> Option<Option<T>> {
        let loc = format!("request.header.{name}");
        let raw = self.header_text(v, name, &loc)?;
        let got = one(v, raw, &loc);
        optional(v, got, &loc, req)
    }

    /// A header's text: `Some(None)` when absent, `None` (with a violation) when it is not
    /// visible ASCII.
    fn header_text(&self, v: &mut Violations, name: &str, loc: &str) -> Option<Option<&str>> {
        match self.headers.get(name).map(HeaderValue::to_str) {
            None => Some(None),
            Some(Ok(s)) => Some(Some(s)),
            Some(Err(_)) => {
                v.push(
                    "parameter-invalid",
                    loc.to_string(),
                    "not visible ASCII text".into(),
                );
                None
            }
        }
    }

    /// A list header (comma-separated).
    pub fn header_list<T: DeserializeOwned>(
        &self,
        v: &mut Violations,
        name: &str,
        req: bool,
    ) -> Option<Option<Vec<T>>> {
        let loc = format!("request.header.{name}");
        match self.header_text(v, name, &loc)? {
            None => optional(v, Ok(None), &loc, req),
            Some(s) => {
                let got = list(v, s.split(',').map(str::trim), &loc).map(Some);
                optional(v, got, &loc, req)
            }
        }
    }

    /// A cookie.
    pub fn cookie<T: DeserializeOwned>(
        &self,
        v: &mut Violations,
        name: &str,
        req: bool,
    ) -> Option<Option<T>> {
        let loc = format!("request.cookie.{name}");
        let raw = self
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
            .flat_map(|h| h.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, val)| val);
        let got = one(v, raw, &loc);
        optional(v, got, &loc, req)
    }

    /// A JSON body; an empty body counts as absent.
    pub fn json<T: DeserializeOwned>(&self, v: &mut Violations, req: bool) -> Option<Option<T>> {
        let loc = "request.body".to_string();
        if self.body.is_empty() {
            return optional(v, Ok(None), &loc, req);
        }
        match serde_json::from_slice::<T>(&self.body) {
            Ok(t) => Some(Some(t)),
            Err(e) => {
                let (kind, msg) = match e.classify() {
                    serde_json::error::Category::Data => {
                        let text = e.to_string();
                        // Field names come from the contract, not the payload: keep them.
                        let what = if let Some((_, rest)) = text.split_once("missing field ") {
                            format!(
                                "missing field {}",
                                rest.split(" at line").next().unwrap_or(rest)
                            )
                        } else if let Some((_, rest)) = text.split_once(crate::check::MARK) {
                            rest.split(" at line").next().unwrap_or(rest).to_string()
                        } else {
                            "a value does not match the contract".to_string()
                        };
                        ("body-invalid", what)
                    }
                    _ => ("body-malformed", "the body is not valid JSON".to_string()),
                };
                v.push(
                    kind,
                    loc,
                    format!("{msg} (line {}, column {})", e.line(), e.column()),
                );
                None
            }
        }
    }

    /// A UTF-8 text body; an empty body counts as absent.
    pub fn text(&self, v: &mut Violations, req: bool) -> Option<Option<String>> {
        let loc = "request.body".to_string();
        if self.body.is_empty() {
            return optional(v, Ok(None), &loc, req);
        }
        match std::str::from_utf8(&self.body) {
            Ok(s) => Some(Some(s.to_string())),
            Err(_) => {
                v.push("body-invalid", loc, "the body is not UTF-8 text".into());
                None
            }
        }
    }

    /// An `application/x-www-form-urlencoded` body read into `T`; an empty body counts as
    /// absent.
    pub fn form<T: DeserializeOwned>(&self, v: &mut Violations, req: bool) -> Option<Option<T>> {
        let loc = "request.body".to_string();
        if self.body.is_empty() {
            return optional(v, Ok(None), &loc, req);
        }
        let Ok(text) = std::str::from_utf8(&self.body) else {
            v.push("body-malformed", loc, "the form body is not UTF-8".into());
            return None;
        };
        let parts = form_pairs(text)
            .into_iter()
            .map(|(k, x)| (k, form::Part::Text(x)))
            .collect();
        self.parts_into(v, parts)
    }

    /// A `multipart/form-data` body read into `T` (text parts as text, file parts as
    /// bytes); an empty body counts as absent.
    pub async fn multipart<T: DeserializeOwned>(
        &self,
        v: &mut Violations,
        req: bool,
    ) -> Option<Option<T>> {
        let loc = "request.body".to_string();
        if self.body.is_empty() {
            return optional(v, Ok(None), &loc, req);
        }
        let boundary = self
            .headers
            .get(CONTENT_TYPE)
            .and_then(|c| c.to_str().ok())
            .and_then(|c| multer::parse_boundary(c).ok());
        let Some(boundary) = boundary else {
            v.push(
                "body-malformed",
                loc,
                "multipart/form-data needs a boundary in Content-Type".into(),
            );
            return None;
        };
        let body = self.body.clone();
        let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
        let mut mp = multer::Multipart::new(stream, boundary);
        let mut parts = Vec::new();
        loop {
            match mp.next_field().await {
                Ok(None) => break,
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_string();
                    let is_text = field.file_name().is_none()
                        && field
                            .content_type()
                            .is_none_or(|m| m.type_() == "text" || m.subtype() == "json");
                    match field.bytes().await {
                        Ok(b) => parts.push((
                            name,
                            match String::from_utf8(b.to_vec()) {
                                Ok(t) if is_text => form::Part::Text(t),
                                _ => form::Part::Bytes(b.to_vec()),
                            },
                        )),
                        Err(_) => {
                            v.push(
                                "body-malformed",
                                loc,
                                "a multipart part is cut short".into(),
                            );
                            return None;
                        }
                    }
                }
                Err(_) => {
                    v.push(
                        "body-malformed",
                        loc,
                        "the multipart body is malformed".into(),
                    );
                    return None;
                }
            }
        }
        self.parts_into(v, parts)
    }

    fn parts_into<T: DeserializeOwned>(
        &self,
        v: &mut Violations,
        parts: Vec<(String, form::Part)>,
    ) -> Option<Option<T>> {
        match form::from_parts::<T>(parts) {
            Ok(t) => Some(Some(t)),
            Err(e) => {
                v.push("body-invalid", "request.body".into(), e.0);
                None
            }
        }
    }

    /// The streamed body (taken: a second call finds it absent).
    pub fn stream(&mut self, v: &mut Violations, req: bool) -> Option<Option<ByteStream>> {
        match self.stream.take() {
            Some(s) => Some(Some(s)),
            None => optional(v, Ok(None), "request.body", req),
        }
    }

    /// The raw body; an empty body counts as absent.
    pub fn bytes(&self, v: &mut Violations, req: bool) -> Option<Option<Bytes>> {
        if self.body.is_empty() {
            return optional(v, Ok(None), "request.body", req);
        }
        Some(Some(self.body.clone()))
    }
}

/// Decodes one optional raw value; `Err(())` after pushing a violation.
fn one<T: DeserializeOwned>(
    v: &mut Violations,
    raw: Option<&str>,
    loc: &str,
) -> Result<Option<T>, ()> {
    match raw.map(text::decode::<T>) {
        None => Ok(None),
        Some(Ok(t)) => Ok(Some(t)),
        Some(Err(e)) => {
            v.push("parameter-invalid", loc.to_string(), e.0);
            Err(())
        }
    }
}

fn list<'a, T: DeserializeOwned>(
    v: &mut Violations,
    items: impl IntoIterator<Item = &'a str>,
    loc: &str,
) -> Result<Vec<T>, ()> {
    text::decode_list(items).map_err(|e| v.push("parameter-invalid", loc.to_string(), e.0))
}

fn optional<T>(
    v: &mut Violations,
    got: Result<Option<T>, ()>,
    loc: &str,
    req: bool,
) -> Option<Option<T>> {
    match got {
        Err(()) => None,
        Ok(None) if req => {
            let kind = if loc == "request.body" {
                "body-missing"
            } else {
                "parameter-missing"
            };
            v.push(kind, loc.to_string(), "required by the contract".into());
            None
        }
        Ok(t) => Some(t),
    }
}

/// A decoded parameter checked against the contract's constraints: `None` (with a
/// violation at `location`) when it breaks one.
pub fn checked<T: crate::check::Checkable>(
    v: &mut Violations,
    location: &str,
    value: Option<T>,
    checks: &crate::check::Checks,
) -> Option<T> {
    let value = value?;
    match checks.apply(&value) {
        Ok(()) => Some(value),
        Err(m) => {
            v.push("parameter-invalid", location.to_string(), m);
            None
        }
    }
}

/// Decodes an `application/x-www-form-urlencoded` string into pairs.
pub fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A problem answer.
pub fn problem(p: Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match serde_json::to_vec(&p) {
        Ok(body) => with_type(status, PROBLEM_JSON, Body::from(body)),
        Err(_) => status.into_response(),
    }
}

fn with_type(status: StatusCode, content_type: &str, body: Body) -> Response {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A JSON response. A body that does not serialize (a non-finite float) answers 500.
pub fn json<T: Serialize + ?Sized>(code: u16, content_type: &str, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(b) => with_type(status(code), content_type, Body::from(b)),
        Err(_) => problem(Problem::new(
            "response-not-serializable",
            500,
            "Response could not be encoded",
            "the handler's response body does not serialize to JSON",
        )),
    }
}

/// A response with raw bytes.
pub fn bytes(code: u16, content_type: &str, body: Bytes) -> Response {
    with_type(status(code), content_type, Body::from(body))
}

/// A response streamed chunk by chunk.
pub fn stream(code: u16, content_type: &str, body: ByteStream) -> Response {
    with_type(status(code), content_type, Body::from_stream(body))
}

/// A text response.
pub fn text(code: u16, content_type: &str, body: String) -> Response {
    with_type(status(code), content_type, Body::from(body))
}

/// A response without a body.
pub fn empty(code: u16) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status(code);
    r
}

/// Sets a response header from a typed value (`None` sets nothing; lists are comma-joined).
/// A name or value that is not valid header text is left out.
pub fn header<T: Serialize + ?Sized>(mut r: Response, name: &str, value: &T) -> Response {
    let Ok(values) = text::encode(value) else {
        return r;
    };
    if values.is_empty() {
        return r;
    }
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(&values.join(",")),
    ) {
        r.headers_mut().insert(n, v);
    }
    r
}

/// An axum router serving the operations of `routes` (`(method, path template, streams its
/// body)`, indexed by operation number) through `dispatch`. Unknown paths answer 404 and known
/// paths with another method 405 (with `Allow`), as problems; bodies read whole answer 413 over
/// [`BODY_LIMIT`], streamed bodies are handed over unread.
pub fn router<F, Fut>(routes: &[(&str, &str, bool)], dispatch: F) -> axum::Router
where
    F: Fn(usize, Request) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let pairs: Vec<(&str, &str)> = routes.iter().map(|(m, p, _)| (*m, *p)).collect();
    let streamed: Arc<Vec<bool>> = Arc::new(routes.iter().map(|r| r.2).collect());
    let table = Arc::new(RouteTable::new(&pairs));
    axum::Router::new().fallback(move |req: axum::extract::Request| {
        let table = table.clone();
        let streamed = streamed.clone();
        let dispatch = dispatch.clone();
        async move {
            let (parts, body) = req.into_parts();
            let request_id = parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let with_id = |mut p: Problem| {
                p.request_id = request_id.clone();
                p
            };
            match table.find(parts.method.as_str(), parts.uri.path()) {
                Match::NotFound => problem(with_id(Problem::new(
                    "unknown-path",
                    404,
                    "Path not in the contract",
                    "no path of the contract matches the request path",
                ))),
                Match::MethodNotAllowed(allow) => {
                    let mut r = problem(with_id(Problem::new(
                        "method-not-allowed",
                        405,
                        "Method not in the contract",
                        "the contract does not declare this method for the path",
                    )));
                    if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
                        r.headers_mut().insert(http::header::ALLOW, v);
                    }
                    r
                }
                Match::Found(op, path) if streamed.get(op).copied().unwrap_or(false) => {
                    let mut req =
                        Request::new(path, parts.uri.query(), parts.headers, Bytes::new());
                    let empty = axum::body::HttpBody::size_hint(&body).exact() == Some(0);
                    if !empty {
                        use futures_util::TryStreamExt;
                        req.stream = Some(ByteStream::new(
                            body.into_data_stream().map_err(std::io::Error::other),
                        ));
                    }
                    dispatch(op, req).await
                }
                Match::Found(op, path) => match axum::body::to_bytes(body, BODY_LIMIT).await {
                    Ok(bytes) => {
                        let req = Request::new(path, parts.uri.query(), parts.headers, bytes);
                        dispatch(op, req).await
                    }
                    Err(_) => problem(with_id(Problem::new(
                        "payload-too-large",
                        413,
                        "Request body too large",
                        format!("the body is larger than {BODY_LIMIT} bytes"),
                    ))),
                },
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_list_splits_on_commas_and_checks_each_item() {
        let r = Request::new(
            vec![("ids".into(), "1,2,3".into()), ("bad".into(), "1,x".into())],
            None,
            HeaderMap::new(),
            Bytes::new(),
        );
        let mut v = Violations::default();
        assert_eq!(r.path_list::<i32>(&mut v, "ids"), Some(vec![1, 2, 3]));
        assert!(v.0.is_empty());
        assert_eq!(r.path_list::<i32>(&mut v, "bad"), None);
        assert_eq!(v.0.len(), 1);
        assert_eq!(v.0[0].location, "request.path.bad");
    }

    fn req(query: &str, headers: &[(&'static str, &str)], body: &str) -> Request {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        Request::new(
            vec![("id".into(), "7".into())],
            Some(query),
            h,
            Bytes::from(body.to_string()),
        )
    }

    #[test]
    fn decodes_every_parameter_kind_and_collects_all_violations() {
        let r = req(
            "limit=5&tag=a&tag=b&csv=1,2&q=Mr.+Mime%21",
            &[("x-trace", "9"), ("cookie", "session=abc; theme=dark")],
            r#"{"name":"Mew"}"#,
        );
        let mut v = Violations::default();
        assert_eq!(r.path::<i32>(&mut v, "id"), Some(7));
        assert_eq!(r.query::<i32>(&mut v, "limit", true), Some(Some(5)));
        assert_eq!(r.query::<i32>(&mut v, "absent", false), Some(None));
        assert_eq!(
            r.query::<String>(&mut v, "q", false),
            Some(Some("Mr. Mime!".into()))
        );
        assert_eq!(
            r.query_list::<String>(&mut v, "tag", false, true),
            Some(Some(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            r.query_list::<i64>(&mut v, "csv", false, false),
            Some(Some(vec![1, 2]))
        );
        assert_eq!(r.header::<u64>(&mut v, "x-trace", true), Some(Some(9)));
        assert_eq!(
            r.cookie::<String>(&mut v, "theme", false),
            Some(Some("dark".into()))
        );
        assert_eq!(
            r.json::<serde_json::Value>(&mut v, true),
            Some(Some(serde_json::json!({"name": "Mew"})))
        );
        assert!(v.0.is_empty(), "{:?}", v.0);

        let bad = req("limit=lots", &[], "{");
        let mut v = Violations::default();
        assert_eq!(bad.query::<i32>(&mut v, "limit", true), None);
        assert_eq!(bad.header::<i32>(&mut v, "x-trace", true), None);
        assert_eq!(bad.json::<serde_json::Value>(&mut v, true), None);
        let kinds: Vec<(&str, &str)> =
            v.0.iter()
                .map(|x| (x.kind.as_str(), x.location.as_str()))
                .collect();
        assert_eq!(
            kinds,
            [
                ("parameter-invalid", "request.query.limit"),
                ("parameter-missing", "request.header.x-trace"),
                ("body-malformed", "request.body"),
            ]
        );
        assert!(!v.0[0].message.contains("lots"));
    }

    #[test]
    fn body_errors_name_fields_not_values() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct P {
            name: String,
            id: i32,
        }
        let mut v = Violations::default();
        assert!(req("", &[], r#"{"name":"x"}"#)
            .json::<P>(&mut v, true)
            .is_none());
        assert!(req("", &[], r#"{"name":"x","id":"secret"}"#)
            .json::<P>(&mut v, true)
            .is_none());
        assert_eq!(v.0[0].message, "missing field `id` (line 1, column 12)");
        assert_eq!(
            v.0[1].message,
            "a value does not match the contract (line 1, column 25)"
        );
    }
}
