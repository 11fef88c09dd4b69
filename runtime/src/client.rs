//! The client side: a base URL and a `reqwest::Client`, requests built from typed parameters
//! ([`Call`]), responses decoded by status into the operation's response enum by generated
//! code.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, COOKIE};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::form::encode_component;
use crate::stream::ByteStream;
use crate::text;

/// What a generated client call can fail with (a status the contract does not declare is an
/// error too: the response enum cannot hold it).
#[derive(Debug)]
pub enum Error {
    /// The request could not be sent or the response not read.
    Transport(reqwest::Error),
    /// A parameter or body could not be encoded.
    Encode(String),
    /// The response body does not match the contract.
    Decode {
        /// The response status.
        status: u16,
        /// What did not decode.
        message: String,
    },
    /// A status the contract does not declare for the operation.
    UnexpectedStatus {
        /// The response status.
        status: u16,
        /// The response body.
        body: Bytes,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Transport(e) => write!(f, "request failed: {e}"),
            Error::Encode(m) => write!(f, "cannot encode the request: {m}"),
            Error::Decode { status, message } => {
                write!(
                    f,
                    "the {status} response does not match the contract: {message}"
                )
            }
            Error::UnexpectedStatus { status, .. } => {
                write!(f, "status {status} is not declared by the contract")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}

/// Characters escaped in a path segment: everything but RFC 3986 unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The connection to a server: its base URL and a reqwest client.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client for `base_url` (`http://host:port/prefix`), with a default reqwest client.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self::with_http(base_url, reqwest::Client::new())
    }

    /// A client using a configured reqwest client (timeouts, TLS, proxies, default headers).
    pub fn with_http(base_url: impl Into<String>, http: reqwest::Client) -> Self {
        let mut base = base_url.into();
        while base.ends_with('/') {
            base.pop();
        }
        Client { base, http }
    }

    /// Starts a call: `path` is the template with its parameters already substituted by
    /// [`segment`].
    pub fn call(&self, method: http::Method, path: &str) -> Call<'_> {
        Call {
            client: self,
            method,
            url: format!("{}{path}", self.base),
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
            stream: None,
            error: None,
        }
    }
}

/// A path parameter, encoded for a path segment (lists comma-joined).
pub fn segment<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let parts = text::encode(value).map_err(|e| Error::Encode(e.0))?;
    Ok(utf8_percent_encode(&parts.join(","), SEGMENT).to_string())
}

/// A request being built.
#[derive(Debug)]
pub struct Call<'a> {
    client: &'a Client,
    method: http::Method,
    url: String,
    query: Vec<(String, String)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    cookies: Vec<String>,
    body: Option<(String, Vec<u8>)>,
    stream: Option<(String, ByteStream)>,
    error: Option<Error>,
}

impl Call<'_> {
    fn encoded<T: Serialize + ?Sized>(&mut self, value: &T) -> Vec<String> {
        match text::encode(value) {
            Ok(v) => v,
            Err(e) => {
                self.error.get_or_insert(Error::Encode(e.0));
                Vec::new()
            }
        }
    }

    /// A query parameter (`None` adds nothing; a list is repeated when `explode`, else
    /// comma-joined).
    pub fn query<T: Serialize + ?Sized>(mut self, name: &str, value: &T, explode: bool) -> Self {
        let values = self.encoded(value);
        if explode {
            for v in values {
                self.query.push((name.to_string(), v));
            }
        } else if !values.is_empty() {
            self.query.push((name.to_string(), values.join(",")));
        }
        self
    }

    /// A header (`None` adds nothing; a list is comma-joined).
    pub fn header<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let values = self.encoded(value);
        if values.is_empty() {
            return self;
        }
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&values.join(",")),
        ) {
            (Ok(n), Ok(v)) => self.headers.push((n, v)),
            _ => {
                self.error.get_or_insert(Error::Encode(format!(
                    "header {name} is not valid header text"
                )));
            }
        }
        self
    }

    /// A cookie (`None` adds nothing).
    pub fn cookie<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let values = self.encoded(value);
        if !values.is_empty() {
            self.cookies.push(format!("{name}={}", values.join(",")));
        }
        self
    }

    /// A JSON body (`None` sends no body).
    pub fn json<T: Serialize + ?Sized>(mut self, content_type: &str, body: &T) -> Self {
        match serde_json::to_value(body) {
            Ok(serde_json::Value::Null) => {}
            Ok(v) => match serde_json::to_vec(&v) {
                Ok(b) => self.body = Some((content_type.to_string(), b)),
                Err(e) => {
                    self.error.get_or_insert(Error::Encode(e.to_string()));
                }
            },
            Err(e) => {
                self.error.get_or_insert(Error::Encode(e.to_string()));
            }
        }
        self
    }

    /// A form body: `application/x-www-form-urlencoded`, or `multipart/form-data` with the
    /// fields named in `binary` sent as file parts.
    pub fn form<T: Serialize + ?Sized>(
        mut self,
        content_type: &str,
        body: &T,
        binary: &[&str],
    ) -> Self {
        match crate::form::to_parts(body, binary) {
            Ok(parts) if content_type.starts_with("multipart/") => {
                let (ct, bytes) = crate::form::multipart(&parts);
                self.body = Some((ct, bytes));
            }
            Ok(parts) => {
                self.body = Some((
                    content_type.to_string(),
                    crate::form::urlencoded(&parts).into_bytes(),
                ));
            }
            Err(e) => {
                self.error.get_or_insert(Error::Encode(e.0));
            }
        }
        self
    }

    /// A raw body.
    pub fn bytes(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.to_string(), body.into()));
        self
    }

    /// A body streamed chunk by chunk.
    pub fn stream(mut self, content_type: &str, body: ByteStream) -> Self {
        self.stream = Some((content_type.to_string(), body));
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<reqwest::Response, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut url = self.url;
        if !self.query.is_empty() {
            let q: Vec<String> = self
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
                .collect();
            url.push('?');
            url.push_str(&q.join("&"));
        }
        let mut req = self.client.http.request(self.method, url);
        for (n, v) in self.headers {
            req = req.header(n, v);
        }
        if !self.cookies.is_empty() {
            req = req.header(COOKIE, self.cookies.join("; "));
        }
        if let Some((ct, body)) = self.body {
            req = req.header(CONTENT_TYPE, ct).body(body);
        }
        if let Some((ct, body)) = self.stream {
            req = req
                .header(CONTENT_TYPE, ct)
                .body(reqwest::Body::wrap_stream(body));
        }
        req.send().await.map_err(Error::Transport)
    }
}

/// Decodes a JSON response body.
pub async fn json<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, Error> {
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(Error::Transport)?;
    serde_json::from_slice(&body).map_err(|e| Error::Decode {
        status,
        message: e.to_string(),
    })
}

/// Reads a text response body.
pub async fn text(resp: reqwest::Response) -> Result<String, Error> {
    resp.text().await.map_err(Error::Transport)
}

/// A response body as a stream of chunks, read as the caller polls it.
pub fn stream(resp: reqwest::Response) -> Result<ByteStream, Error> {
    use futures_util::TryStreamExt;
    Ok(ByteStream::new(
        resp.bytes_stream().map_err(std::io::Error::other),
    ))
}

/// Reads a raw response body.
pub async fn bytes(resp: reqwest::Response) -> Result<Bytes, Error> {
    resp.bytes().await.map_err(Error::Transport)
}

/// A typed response header: `Ok(None)` when absent.
pub fn header<T: DeserializeOwned>(
    resp: &reqwest::Response,
    name: &str,
) -> Result<Option<T>, Error> {
    let status = resp.status().as_u16();
    let Some(raw) = resp.headers().get(name) else {
        return Ok(None);
    };
    let s = raw.to_str().map_err(|_| Error::Decode {
        status,
        message: format!("header {name} is not text"),
    })?;
    text::decode(s).map(Some).map_err(|e| Error::Decode {
        status,
        message: format!("header {name}: {e}"),
    })
}

/// A typed response header the contract requires.
pub fn required_header<T: DeserializeOwned>(
    resp: &reqwest::Response,
    name: &str,
) -> Result<T, Error> {
    header(resp, name)?.ok_or_else(|| Error::Decode {
        status: resp.status().as_u16(),
        message: format!("required header {name} is missing"),
    })
}

/// The error for a status the operation does not declare.
pub async fn unexpected(resp: reqwest::Response) -> Error {
    let status = resp.status().as_u16();
    match resp.bytes().await {
        Ok(body) => Error::UnexpectedStatus { status, body },
        Err(e) => Error::Transport(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("Mr. Mime/1").unwrap(), "Mr.%20Mime%2F1");
        assert_eq!(segment(&25).unwrap(), "25");
        assert_eq!(segment(&vec!["a", "b"]).unwrap(), "a%2Cb");
    }

    #[test]
    fn errors_are_collected_until_send() {
        let c = Client::new("http://127.0.0.1:1/api/");
        let call = c
            .call(http::Method::GET, "/x")
            .query("q", "a b&c", true)
            .query("tags", &["x", "y"], true)
            .query("ids", &[1, 2], false)
            .query("none", &None::<i32>, true)
            .header("x-bad\n", &1);
        assert_eq!(call.url, "http://127.0.0.1:1/api/x");
        assert_eq!(call.query.len(), 4);
        assert!(matches!(call.error, Some(Error::Encode(_))));
    }
}
