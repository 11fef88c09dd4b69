//! [`ByteStream`]: a body that arrives or leaves in chunks, for binary media types, so a file
//! upload or download never has to fit in memory at once (and is not held to the server's
//! buffered-body limit).

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt};

type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, io::Error>> + Send>>;

/// A stream of body chunks. Build one from a stream ([`ByteStream::new`]) or from bytes in
/// memory ([`ByteStream::from`]); read it as a stream or all at once ([`ByteStream::collect`]).
///
/// It is `Sync` without asking the stream to be (`SyncWrapper`: the stream is only reached
/// through `&mut`), so handlers can hold a request across an `await`.
pub struct ByteStream(sync_wrapper::SyncWrapper<Chunks>);

impl ByteStream {
    /// A body from a stream of chunks.
    pub fn new<S>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, io::Error>> + Send + 'static,
    {
        ByteStream(sync_wrapper::SyncWrapper::new(Box::pin(stream)))
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::new(futures_util::stream::empty())
    }

    /// Reads every chunk into one buffer.
    pub async fn collect(mut self) -> Result<Bytes, io::Error> {
        let mut buf = BytesMut::new();
        while let Some(chunk) = self.next().await {
            buf.extend_from_slice(&chunk?);
        }
        Ok(buf.freeze())
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.get_mut().as_mut().poll_next(cx)
    }
}

impl Default for ByteStream {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ByteStream(..)")
    }
}

impl From<Bytes> for ByteStream {
    fn from(b: Bytes) -> Self {
        Self::new(futures_util::stream::iter([Ok(b)]))
    }
}

impl From<Vec<u8>> for ByteStream {
    fn from(b: Vec<u8>) -> Self {
        Bytes::from(b).into()
    }
}

impl From<&'static [u8]> for ByteStream {
    fn from(b: &'static [u8]) -> Self {
        Bytes::from_static(b).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_collect_in_order() {
        let chunks = futures_util::stream::iter([
            Ok(Bytes::from_static(b"Pika")),
            Ok(Bytes::from_static(b"chu")),
        ]);
        assert_eq!(
            ByteStream::new(chunks).collect().await.unwrap(),
            &b"Pikachu"[..]
        );
        assert!(ByteStream::empty().collect().await.unwrap().is_empty());
        let failing = futures_util::stream::iter([
            Ok(Bytes::from_static(b"x")),
            Err(io::Error::other("connection reset")),
        ]);
        assert!(ByteStream::new(failing).collect().await.is_err());
    }
}
