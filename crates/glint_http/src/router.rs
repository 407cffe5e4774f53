//! The single list of every route Glint serves, and the state the handlers share.

use axum::Router;
use axum::middleware;
use axum::routing::get;
use glint_app::{CatalogService, IdentityService};

use crate::{identity, request_id};

/// What every handler may reach: the app services.
#[derive(Debug, Clone)]
pub struct AppState {
    pub identity: IdentityService,
    pub catalog: CatalogService,
}

/// Every route, with the layers that apply to all of them.
pub fn router(state: AppState) -> Router {
    Router::new()
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
        .layer(middleware::from_fn(request_id::tag))
        .with_state(state)
}
