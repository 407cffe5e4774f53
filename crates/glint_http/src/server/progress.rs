//! A request body that must keep making progress: when the handler waits for the next piece
//! and the client sends nothing for the timeout, the body ends with an error, so that a stalled
//! upload fails (and releases its image) instead of holding it for ever. Time spent by the
//! handler between pieces does not count, only time spent waiting for the client; the timer is
//! only touched when it fires, not on every piece.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// The error a stalled body ends with.
#[derive(Debug)]
pub(crate) struct Stalled(Duration);

impl fmt::Display for Stalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the client sent no data for {} s; the request body was abandoned",
            self.0.as_secs()
        )
    }
}

impl std::error::Error for Stalled {}

/// `inner`, cut off after `timeout` without progress.
pub(crate) struct ProgressBody<B> {
    inner: B,
    timeout: Duration,
    /// Since when the handler has been waiting for data that has not come.
    waiting_since: Option<Instant>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<B> ProgressBody<B> {
    pub(crate) fn new(inner: B, timeout: Duration) -> Self {
        ProgressBody {
            inner,
            timeout,
            waiting_since: None,
            timer: None,
        }
    }
}

impl<B> Body for ProgressBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.waiting_since = None;
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let since = *this.waiting_since.get_or_insert_with(Instant::now);
        let deadline = since + this.timeout;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        loop {
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if Instant::now() >= deadline {
                this.timer = None;
                return Poll::Ready(Some(Err(Box::new(Stalled(this.timeout)))));
            }
            // The timer was set for an earlier wait that data ended; aim it at this one.
            timer.as_mut().reset(deadline);
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly by design")]

    use super::*;
    use http_body_util::{BodyExt, StreamBody};

    fn body_of(
        mut rx: tokio::sync::mpsc::Receiver<Bytes>,
    ) -> impl Body<Data = Bytes, Error = std::convert::Infallible> + Unpin {
        StreamBody::new(futures::stream::poll_fn(move |cx| {
            rx.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_sending_ends_with_an_error_after_the_timeout() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let mut body = ProgressBody::new(body_of(rx), Duration::from_secs(30));
        tx.send(Bytes::from_static(b"first")).await.unwrap();
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), "first");
        let started = Instant::now();
        let stalled = body.frame().await.unwrap();
        assert!(stalled.is_err());
        assert_eq!(started.elapsed(), Duration::from_secs(30));
        drop(tx);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_but_steady_body_is_never_cut_off() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let mut body = ProgressBody::new(body_of(rx), Duration::from_secs(30));
        let sender = tokio::spawn(async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_secs(20)).await;
                tx.send(Bytes::from_static(b"piece")).await.unwrap();
            }
        });
        let mut pieces = 0;
        while let Some(frame) = body.frame().await {
            frame.unwrap();
            pieces += 1;
        }
        assert_eq!(pieces, 10);
        sender.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn time_the_handler_spends_between_pieces_does_not_count() {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let mut body = ProgressBody::new(body_of(rx), Duration::from_secs(30));
        tx.send(Bytes::from_static(b"a")).await.unwrap();
        body.frame().await.unwrap().unwrap();
        // The handler is busy for longer than the timeout; the client sent meanwhile.
        tx.send(Bytes::from_static(b"b")).await.unwrap();
        tokio::time::sleep(Duration::from_secs(45)).await;
        assert!(body.frame().await.unwrap().is_ok());
    }
}
