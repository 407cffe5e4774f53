//! Operations: `GET /healthcheck` for load balancers, `GET /metrics` for Prometheus, and the
//! layers that count requests for the metrics and name the route on the log.
//!
//! `/metrics` answers an admin token on the API's address; an operator who would rather not
//! hand Prometheus a token sets `[metrics] listen` to a separate (private) address, where
//! [`metrics_router`] serves it to anyone who can connect.

mod health;
mod layer;
mod metrics;

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use glint_app::HealthService;
use glint_core::Role;

use crate::error::ImageError;
use crate::extract::ImageCaller;
use crate::router::AppState;
pub(crate) use layer::{MatchedLayer, RecordLayer};
pub use metrics::Metrics;
use metrics::family;

/// What the operations endpoints share: the health checks and this process's request figures.
/// One `Arc`, because the router clones its state several times per request: a clone must
/// cost one atomic increment, not copies of the services' settings.
#[derive(Debug, Clone)]
pub struct Ops(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    health: HealthService,
    metrics: Arc<Metrics>,
}

impl Ops {
    pub fn new(health: HealthService) -> Self {
        Ops(Arc::new(Shared {
            health,
            metrics: Arc::default(),
        }))
    }

    /// The request figures, for `ServeSettings::metrics` (bytes received and sent).
    pub fn metrics(&self) -> Arc<Metrics> {
        self.0.metrics.clone()
    }

    pub(crate) fn health(&self) -> &HealthService {
        &self.0.health
    }
}

/// The operations routes of the API's address.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthcheck", get(health::healthcheck))
        .route("/metrics", get(metrics_for_admin))
}

/// The router of the separate metrics address: `GET /metrics`, no token.
pub fn metrics_router(ops: Ops) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(ops): State<Ops>| async move { exposition(&ops).await }),
        )
        .with_state(ops)
}

async fn metrics_for_admin(
    State(state): State<AppState>,
    ImageCaller(caller): ImageCaller,
) -> Result<Response, ImageError> {
    caller.require(Role::Admin, "read this node's metrics")?;
    Ok(exposition(&state.ops).await)
}

/// Every figure in Prometheus' text format (version 0.0.4).
async fn exposition(ops: &Ops) -> Response {
    let mut out = String::with_capacity(16 * 1024);
    let m = &ops.0.metrics;
    m.write_requests(&mut out);
    let plain = [
        (
            "glint_http_requests_in_flight",
            "gauge",
            "Requests being served now.",
            m.in_flight.load(Ordering::Relaxed),
        ),
        (
            "glint_uploads_in_progress",
            "gauge",
            "Image data uploads (PUT file or stage) being received now.",
            m.uploads.load(Ordering::Relaxed),
        ),
        (
            "glint_http_received_bytes_total",
            "counter",
            "Bytes of request bodies received (uploads).",
            i64::try_from(m.received.load(Ordering::Relaxed)).unwrap_or(i64::MAX),
        ),
        (
            "glint_http_sent_bytes_total",
            "counter",
            "Bytes of answer bodies sent (downloads).",
            i64::try_from(m.sent.load(Ordering::Relaxed)).unwrap_or(i64::MAX),
        ),
    ];
    for (name, kind, help, value) in plain {
        family(&mut out, name, kind, help);
        let _ = writeln!(out, "{name} {value}");
    }
    write_store(ops, &mut out).await;
    let content_type = "text/plain; version=0.0.4; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], out).into_response()
}

/// The metadata store's connections and the trust reports waiting (left out while the
/// database cannot be read).
async fn write_store(ops: &Ops, out: &mut String) {
    let pool = ops.health().pool();
    family(
        out,
        "glint_db_connections",
        "gauge",
        "Connections of the metadata store, by state.",
    );
    let _ = writeln!(
        out,
        "glint_db_connections{{state=\"in_use\"}} {}",
        pool.in_use
    );
    let _ = writeln!(out, "glint_db_connections{{state=\"idle\"}} {}", pool.idle);
    match ops.health().trust_reports().await {
        Ok((waiting, running)) => {
            family(
                out,
                "glint_trust_reports",
                "gauge",
                "Trust reports waiting for a node, and being written.",
            );
            let _ = writeln!(out, "glint_trust_reports{{state=\"waiting\"}} {waiting}");
            let _ = writeln!(out, "glint_trust_reports{{state=\"running\"}} {running}");
        }
        Err(e) => tracing::warn!(error = %e, "metrics: the trust report queue cannot be read"),
    }
}
