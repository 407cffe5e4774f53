//! The two layers that feed the metrics and the log, written as plain tower services so that
//! they add no allocation to a request (a `from_fn` middleware boxes a future per request):
//!
//! - `Record`, outermost, times every request, keeps the in-flight gauge, and counts the answer
//!   under the route the router matched;
//! - `Matched`, around each route (inside the router, where axum has put the `MatchedPath` on
//!   the request), hands the route template out to `Record` through a task-local slot, writes
//!   it on the request's log span, and holds the uploads gauge while an upload runs.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::response::Response;
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

use super::metrics::{MethodLabel, Metrics};

tokio::task_local! {
    /// The route template of the request this task serves, once the router has matched it.
    static ROUTE: Cell<Option<MatchedPath>>;
}

/// Adds one to a gauge for as long as it lives.
#[derive(Debug)]
struct Gauge {
    metrics: Arc<Metrics>,
    uploads: bool,
}

impl Gauge {
    fn in_flight(metrics: &Arc<Metrics>) -> Self {
        metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        Gauge {
            metrics: metrics.clone(),
            uploads: false,
        }
    }

    fn upload(metrics: &Arc<Metrics>) -> Self {
        metrics.uploads.fetch_add(1, Ordering::Relaxed);
        Gauge {
            metrics: metrics.clone(),
            uploads: true,
        }
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        let gauge = if self.uploads {
            &self.metrics.uploads
        } else {
            &self.metrics.in_flight
        };
        gauge.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The layer of [`Record`].
#[derive(Debug, Clone)]
pub(crate) struct RecordLayer(pub(crate) Arc<Metrics>);

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Record<S> {
        Record {
            inner,
            metrics: self.0.clone(),
        }
    }
}

/// Times and counts every request (see the module's comment).
#[derive(Debug, Clone)]
pub(crate) struct Record<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for Record<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Recorded<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let method = MethodLabel::of(request.method());
        Recorded {
            inner: ROUTE.scope(Cell::new(None), self.inner.call(request)),
            started: Instant::now(),
            method,
            gauge: Some(Gauge::in_flight(&self.metrics)),
        }
    }
}

pin_project! {
    /// The future of [`Record`].
    pub(crate) struct Recorded<F: Future> {
        #[pin]
        inner: TaskLocalFuture<Cell<Option<MatchedPath>>, F>,
        started: Instant,
        method: MethodLabel,
        gauge: Option<Gauge>,
    }
}

impl<F, E> Future for Recorded<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let answer = ready!(this.inner.as_mut().poll(cx));
        let route = this.inner.take_value().and_then(Cell::into_inner);
        if let (Ok(response), Some(gauge)) = (&answer, this.gauge.take()) {
            let status = response.status().as_u16();
            gauge
                .metrics
                .record(route, *this.method, status, this.started.elapsed());
        }
        Poll::Ready(answer)
    }
}

/// The layer of [`Matched`].
#[derive(Debug, Clone)]
pub(crate) struct MatchedLayer(pub(crate) Arc<Metrics>);

impl<S> Layer<S> for MatchedLayer {
    type Service = Matched<S>;

    fn layer(&self, inner: S) -> Matched<S> {
        Matched {
            inner,
            metrics: self.0.clone(),
        }
    }
}

/// Passes the matched route on (see the module's comment).
#[derive(Debug, Clone)]
pub(crate) struct Matched<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for Matched<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Uploading<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let mut gauge = None;
        if let Some(route) = request.extensions().get::<MatchedPath>() {
            tracing::Span::current().record("route", route.as_str());
            if is_upload(request.method(), route.as_str()) {
                gauge = Some(Gauge::upload(&self.metrics));
            }
            let route = route.clone();
            let _ = ROUTE.try_with(|slot| slot.set(Some(route)));
        }
        Uploading {
            inner: self.inner.call(request),
            _gauge: gauge,
        }
    }
}

/// Whether a request sends image data: `PUT …/file` (upload) or `PUT …/stage` (stage).
fn is_upload(method: &Method, route: &str) -> bool {
    method == Method::PUT && (route.ends_with("/file") || route.ends_with("/stage"))
}

pin_project! {
    /// The future of [`Matched`]: the handler's, holding the uploads gauge while it runs.
    pub(crate) struct Uploading<F> {
        #[pin]
        inner: F,
        _gauge: Option<Gauge>,
    }
}

impl<F: Future> Future for Uploading<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().inner.poll(cx)
    }
}
