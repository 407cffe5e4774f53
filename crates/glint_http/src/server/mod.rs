//! Serving connections: the accept loop (with a back-off when the process runs out of file
//! descriptors, instead of a busy loop), a cap on open connections (a fast 503 beyond it),
//! hyper's header read timeout (which also bounds an idle keep-alive connection), a progress
//! timeout on every request body, the bytes of request bodies and answers counted for the
//! metrics, and graceful shutdown with a bounded wait.

mod counted;
mod limits;
mod progress;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use counted::{Counted, Direction};
pub use limits::descriptor_limit;
use progress::ProgressBody;

/// Connections beyond the cap that are answered 503 at the same time.
const REFUSALS_AT_ONCE: usize = 32;

/// How connections are served.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// A connection has this long to deliver a complete request head, counted from when the
    /// server starts waiting for it: on a new connection, and between the requests of a
    /// keep-alive one (so it is also the idle timeout).
    pub header_read_timeout: Duration,
    /// A request body that delivers nothing for this long while it is read is cut off (a
    /// stalled upload fails and its image goes back to `queued`).
    pub body_progress_timeout: Duration,
    /// Connections served at once; one more gets a fast 503 and is closed.
    pub max_connections: usize,
    /// On shutdown, how long open connections may take to finish their requests (running
    /// uploads among them).
    pub shutdown_grace: Duration,
    /// Where the bytes received and sent are counted, if anywhere.
    pub metrics: Option<Arc<crate::ops::Metrics>>,
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            header_read_timeout: Duration::from_secs(30),
            body_progress_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(30),
            metrics: None,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open connections finish
/// (up to the grace period).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ServeSettings,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    let mut backoff = limits::Backoff::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                if let Some(pause) = backoff.after(&e) {
                    tokio::time::sleep(pause).await;
                }
                continue;
            }
        };
        backoff.reset();
        match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => serve_connection(stream, peer, &router, &settings, &graceful, permit),
            // Beyond the cap a few connections at a time get their 503, each within a quarter
            // of a second; while that many are being answered, accepting waits for one to end
            // (the kernel's backlog holds the rest), so that refusing never uses up the
            // descriptors it is meant to protect.
            Err(_) => {
                let Ok(permit) = Arc::clone(&refusals).acquire_owned().await else {
                    continue;
                };
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(settings.shutdown_grace) => {
            tracing::warn!(
                grace_secs = settings.shutdown_grace.as_secs(),
                "connections still open after the shutdown grace period are closed"
            );
        }
    }
}

fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: &Router,
    settings: &ServeSettings,
    graceful: &GracefulShutdown,
    permit: OwnedSemaphorePermit,
) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
    let router = router.clone();
    let body_timeout = settings.body_progress_timeout;
    let metrics = settings.metrics.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(|incoming| {
            let counted = Counted::new(incoming, metrics.as_ref(), Direction::Received);
            Body::new(ProgressBody::new(counted, body_timeout))
        });
        request.extensions_mut().insert(ConnectInfo(peer));
        let (router, metrics) = (router.clone(), metrics.clone());
        async move {
            let response = router.oneshot(request).await.unwrap_or_else(|e| match e {});
            Ok::<_, Infallible>(
                response.map(|body| Counted::new(body, metrics.as_ref(), Direction::Sent)),
            )
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout);
    let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, %peer, "connection ended with an error");
        }
        drop(permit);
    });
}

/// The answer to a connection beyond the cap: 503 in the Image API's error shape, then close.
async fn refuse(mut stream: TcpStream) {
    let body = crate::error::glance_body(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "The server has too many open connections; try again shortly.",
    )
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let send = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        Ok::<_, std::io::Error>(())
    };
    // A peer that does not read its answer is not waited for.
    if tokio::time::timeout(Duration::from_millis(200), send)
        .await
        .is_err()
    {
        return;
    }
    // Read what the peer sent before closing (closing with unread data resets the connection,
    // and the peer may then never see the answer), briefly: an idle peer sends nothing.
    let drain = async {
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_millis(50), drain).await;
}
