//! Every route Glint serves, merged from each API's `routes()`, the state the handlers share,
//! and the layers that apply to all of them (request counts for the metrics, request ids,
//! version negotiation, JSON bodies for 404 and 405, and a 500 answer for a handler's panic).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use glint_app::{
    CatalogService, ComputeService, EventService, GroupService, IdentityService, ImageService,
    MetadefService, ReportService, WebhookService,
};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::glance_response;
use crate::ops::{MatchedLayer, Metrics, RecordLayer};
use crate::{compute, identity, image, ops, request_id};

/// What every handler may reach: the app services, the proxies whose `X-Forwarded-For`
/// names the client, and the operations endpoints' health checks and metrics.
#[derive(Debug)]
pub struct Services {
    pub identity: IdentityService,
    pub images: ImageService,
    pub compute: ComputeService,
    pub events: EventService,
    pub webhooks: WebhookService,
    pub groups: GroupService,
    pub reports: ReportService,
    pub metadefs: MetadefService,
    pub catalog: CatalogService,
    pub trusted_proxies: crate::TrustedProxies,
    pub ops: crate::Ops,
}

/// The router's state: the services behind one `Arc`. axum clones its state several times a
/// request (once per layer and route that takes it), and cloning the services field by field
/// copied their settings (strings, maps) each time.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        AppState(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// Every route, with the layers that apply to all of them.
pub fn router(state: AppState) -> Router {
    let routes = identity::routes()
        .merge(image::routes())
        .merge(crate::events::routes())
        .merge(crate::webhooks::routes())
        .merge(crate::groups::routes())
        .merge(crate::sharing_policy::routes())
        .merge(crate::reports::routes())
        .merge(compute::routes())
        .merge(crate::panel::routes())
        .merge(ops::routes())
        .layer(MatchedLayer(state.ops.metrics()))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(image::negotiate_errors))
        .with_state(state.clone());
    let metrics = state.ops.metrics();
    // Version negotiation must see the path before the router matches it.
    outer_layers(
        Router::new()
            .fallback_service(routes)
            .layer(middleware::from_fn_with_state(state, image::negotiate)),
        metrics,
    )
}

/// The layers around everything: the request counts outermost, so that every answer is
/// counted and timed; the request id next, so that every answer carries it; the panic catcher
/// inside it.
fn outer_layers(inner: Router, metrics: std::sync::Arc<Metrics>) -> Router {
    inner
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(request_id::tag))
        .layer(RecordLayer(metrics))
}

/// A handler's panic becomes the API's 500 answer (the request id is on it, as on every answer)
/// instead of a connection closed without one; what panicked goes to the log only.
fn panicked(what: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = what
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| what.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    let request_id = request_id::current().unwrap_or_default();
    tracing::error!(panic = %message, %request_id, "a request handler panicked");
    glance_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &format!("The server failed to complete request {request_id}."),
    )
}

/// Gives the router's own 404 and 405 answers (which have no body) the API's JSON error shape,
/// keeping the `Allow` header of a 405.
async fn json_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let (identity, compute) = (path.starts_with("/identity"), path.starts_with("/compute"));
    let response = next.run(request).await;
    let status = response.status();
    let bare = !response.headers().contains_key(header::CONTENT_TYPE);
    if !bare
        || !matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        )
    {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    if !compute && !identity {
        let mut fresh = glance_response(status, "");
        if let Some(allow) = allow {
            fresh.headers_mut().insert(header::ALLOW, allow);
        }
        return fresh;
    }
    let body = if compute {
        json!({crate::error::nova_fault(status): {"code": status.as_u16(), "message": "The resource could not be found."}})
    } else {
        json!({"error": {"code": status.as_u16(), "title": status.canonical_reason(), "message": "The resource could not be found."}})
    };
    let mut fresh = (status, Json(body)).into_response();
    if let Some(allow) = allow {
        fresh.headers_mut().insert(header::ALLOW, allow);
    }
    fresh
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly by design")]

    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_in_the_apis_shape_with_the_request_id() {
        let app = outer_layers(
            Router::new().route(
                "/boom",
                axum::routing::get(|| async {
                    if true {
                        panic!("something broke");
                    }
                    "never"
                }),
            ),
            std::sync::Arc::default(),
        );
        let request = axum::http::Request::get("/boom")
            .header(request_id::HEADER, "req-panic-test")
            .body(Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[request_id::HEADER].to_str().unwrap(),
            "req-panic-test"
        );
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "500 Internal Server Error");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("req-panic-test"), "{message}");
        assert!(!message.contains("something broke"), "{message}");
    }
}
