//! A body that adds the bytes it carries to one of the metrics' byte counters as they pass:
//! request bodies to the bytes received (uploads), answers to the bytes sent (downloads). It
//! changes nothing else: frames, size hint and end of stream are the inner body's.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};

use crate::ops::Metrics;

/// Which counter a body adds to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Direction {
    Received,
    Sent,
}

/// `inner`, counted.
pub(crate) struct Counted<B> {
    inner: B,
    counter: Option<(Arc<Metrics>, Direction)>,
}

impl<B> Counted<B> {
    pub(crate) fn new(inner: B, metrics: Option<&Arc<Metrics>>, direction: Direction) -> Self {
        Counted {
            inner,
            counter: metrics.map(|m| (m.clone(), direction)),
        }
    }
}

fn counter(metrics: &Metrics, direction: Direction) -> &AtomicU64 {
    match direction {
        Direction::Received => &metrics.received,
        Direction::Sent => &metrics.sent,
    }
}

impl<B> Body for Counted<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let (Poll::Ready(Some(Ok(frame))), Some((metrics, direction))) = (&polled, &this.counter)
            && let Some(data) = frame.data_ref()
        {
            counter(metrics, *direction).fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
