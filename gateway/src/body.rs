//! Bodies: the one body type the gateway answers with, bounded collection, and the JSON depth
//! check that runs on raw bytes before any parser sees them.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};

/// What the gateway sends to clients: a buffered body (a problem document, or an upstream body
/// that was read for validation), or the upstream's body streamed through, possibly after a
/// part that was already read.
#[derive(Debug)]
pub enum ProxyBody {
    /// Buffered bytes (`None` once sent).
    Full(Option<Bytes>),
    /// The upstream body, after `prefix`.
    Upstream {
        /// Bytes read before deciding to stream (`None` once sent).
        prefix: Option<Bytes>,
        /// The rest of the upstream body.
        rest: Incoming,
    },
}

impl ProxyBody {
    /// A buffered body.
    pub fn full(b: impl Into<Bytes>) -> Self {
        let b = b.into();
        ProxyBody::Full((!b.is_empty()).then_some(b))
    }
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.get_mut() {
            ProxyBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            ProxyBody::Upstream { prefix, rest } => {
                if let Some(p) = prefix.take() {
                    return Poll::Ready(Some(Ok(Frame::data(p))));
                }
                Pin::new(rest).poll_frame(cx)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ProxyBody::Full(b) => b.is_none(),
            ProxyBody::Upstream { prefix, rest } => prefix.is_none() && rest.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ProxyBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            ProxyBody::Upstream { prefix, rest } => {
                let p = prefix.as_ref().map_or(0, |b| b.len() as u64);
                let r = rest.size_hint();
                let mut h = SizeHint::new();
                h.set_lower(r.lower() + p);
                if let Some(u) = r.upper() {
                    h.set_upper(u + p);
                }
                h
            }
        }
    }
}

/// The result of reading a body up to a limit.
#[derive(Debug)]
pub enum Collected {
    /// The whole body.
    Complete(Bytes),
    /// More than the limit: what was read so far and the unread rest.
    TooLarge {
        /// The bytes read.
        prefix: Bytes,
        /// The unread rest.
        rest: Incoming,
    },
}

/// Reads `body` completely if it holds at most `limit` bytes.
pub async fn collect_limited(mut body: Incoming, limit: usize) -> Result<Collected, hyper::Error> {
    if body.size_hint().lower() > limit as u64 {
        return Ok(Collected::TooLarge {
            prefix: Bytes::new(),
            rest: body,
        });
    }
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        if let Ok(data) = frame.into_data() {
            buf.extend_from_slice(&data);
            if buf.len() > limit {
                return Ok(Collected::TooLarge {
                    prefix: buf.freeze(),
                    rest: body,
                });
            }
        }
        // Trailers are dropped: HTTP/1.1 APIs described by OpenAPI do not use them.
    }
    Ok(Collected::Complete(buf.freeze()))
}

/// Whether the JSON text nests deeper than `max` arrays/objects, scanning bytes (strings and
/// escapes honoured) so that a hostile document is refused before a parser recurses into it.
/// Malformed input is left for the parser to report.
pub fn json_too_deep(bytes: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_nesting_not_brackets_in_strings() {
        assert!(!json_too_deep(br#"{"a":[1,{"b":2}]}"#, 3));
        assert!(json_too_deep(br#"{"a":[1,{"b":2}]}"#, 2));
        assert!(!json_too_deep(br#"{"a":"[[[[[[\"[[["}"#, 1));
        assert!(json_too_deep(&[b'['; 10_000], 64));
        assert!(!json_too_deep(b"", 1));
    }
}
