//! The download side: `BlobStream`, the bytes of one object (or of a range of it) pulled in
//! chunks, so memory stays bounded whatever the object's size. Also resolves requested ranges
//! against an object's size, the same way for every backend.

use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use futures::stream::BoxStream;

use crate::BlobError;

/// Chunk size of local reads.
pub(crate) const READ_CHUNK: usize = 256 * 1024;

/// The bytes of an object, as a stream of chunks; also tells which part of the object it
/// carries, for `Content-Length` and `Content-Range`.
pub struct BlobStream {
    inner: BoxStream<'static, Result<Bytes, BlobError>>,
    object_size: u64,
    range: Range<u64>,
}

impl BlobStream {
    pub(crate) fn new(
        inner: BoxStream<'static, Result<Bytes, BlobError>>,
        object_size: u64,
        range: Range<u64>,
    ) -> Self {
        BlobStream {
            inner,
            object_size,
            range,
        }
    }

    /// Size of the whole object in bytes.
    pub fn object_size(&self) -> u64 {
        self.object_size
    }

    /// The bytes this stream carries: `start..end`, end exclusive.
    pub fn range(&self) -> Range<u64> {
        self.range.clone()
    }

    /// How many bytes this stream carries.
    pub fn len(&self) -> u64 {
        self.range.end - self.range.start
    }

    /// Whether the stream carries no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bare stream of chunks.
    pub fn into_inner(self) -> BoxStream<'static, Result<Bytes, BlobError>> {
        self.inner
    }
}

impl Stream for BlobStream {
    type Item = Result<Bytes, BlobError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl std::fmt::Debug for BlobStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStream")
            .field("object_size", &self.object_size)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// Turns an inclusive `start..=end` request into the exclusive range served from an object
/// of `size` bytes: an end past the object is clamped (as HTTP does), a start at or past the
/// end of the object, or after `end`, cannot be served.
pub(crate) fn resolve_range(size: u64, range: Option<(u64, u64)>) -> Result<Range<u64>, BlobError> {
    match range {
        None => Ok(0..size),
        Some((start, end)) if start <= end && start < size => Ok(start..end.min(size - 1) + 1),
        Some(_) => Err(BlobError::RangeNotSatisfiable { size }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_clamped_or_refused() {
        assert_eq!(resolve_range(10, None).unwrap(), 0..10);
        assert_eq!(resolve_range(0, None).unwrap(), 0..0);
        assert_eq!(resolve_range(10, Some((0, 0))).unwrap(), 0..1);
        assert_eq!(resolve_range(10, Some((3, 5))).unwrap(), 3..6);
        assert_eq!(resolve_range(10, Some((3, 99))).unwrap(), 3..10);
        assert_eq!(resolve_range(10, Some((9, u64::MAX))).unwrap(), 9..10);
        for bad in [(10, 12), (5, 4), (0, 0)] {
            let size = if bad == (0, 0) { 0 } else { 10 };
            assert!(matches!(
                resolve_range(size, Some(bad)),
                Err(BlobError::RangeNotSatisfiable { size: s }) if s == size
            ));
        }
    }
}
