//! The single list of every route Glint serves, the state the handlers share, and the layers
//! that apply to all of them (request ids, version negotiation, JSON bodies for 404 and 405).

use axum::Json;
use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use glint_app::{CatalogService, ComputeService, IdentityService, ImageService};
use serde_json::json;

use crate::error::glance_response;
use crate::{compute, identity, image, request_id};

/// What every handler may reach: the app services, and the proxies whose `X-Forwarded-For`
/// names the client.
#[derive(Debug, Clone)]
pub struct AppState {
    pub identity: IdentityService,
    pub images: ImageService,
    pub compute: ComputeService,
    pub catalog: CatalogService,
    pub trusted_proxies: crate::TrustedProxies,
}

/// Every route, with the layers that apply to all of them.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/identity", get(identity::discovery::versions))
        .route("/identity/", get(identity::discovery::versions))
        .route("/identity/v3", get(identity::discovery::version))
        .route("/identity/v3/", get(identity::discovery::version))
        .route(
            "/identity/v3/auth/tokens",
            get(identity::tokens::validate_token)
                .head(identity::tokens::check_token)
                .post(identity::tokens::issue_token)
                .delete(identity::tokens::revoke_token),
        )
        .route(
            "/identity/v3/projects",
            get(identity::projects::list_projects),
        )
        .route(
            "/identity/v3/projects/{project_id}",
            get(identity::projects::show_project),
        )
        .merge(image::routes())
        .merge(compute::routes())
        .merge(crate::panel::routes())
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(image::negotiate_errors))
        .with_state(state.clone());
    // Version negotiation must see the path before the router matches it.
    Router::new()
        .fallback_service(routes)
        .layer(middleware::from_fn_with_state(state, image::negotiate))
        .layer(middleware::from_fn(request_id::tag))
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
