//! `/identity/v3/projects`: a caller reads its own account; the admin reads and lists any.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::IdentityError;
use crate::extract::IdentityCaller;
use crate::identity::views;
use crate::router::AppState;

/// `?name=` on the project list.
#[derive(Deserialize)]
pub struct ProjectFilter {
    name: Option<String>,
}

/// `GET /identity/v3/projects/{project_id}`.
pub async fn show_project(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path(project_id): Path<String>,
) -> Result<Json<Value>, IdentityError> {
    let account = state.identity.project(&caller, &project_id).await?;
    Ok(Json(
        json!({"project": views::project(&account, &state.catalog)}),
    ))
}

/// `GET /identity/v3/projects` (admin only).
pub async fn list_projects(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Query(filter): Query<ProjectFilter>,
) -> Result<Json<Value>, IdentityError> {
    let accounts = state
        .identity
        .list_projects(&caller, filter.name.as_deref())
        .await?;
    let projects: Vec<Value> = accounts
        .iter()
        .map(|a| views::project(a, &state.catalog))
        .collect();
    Ok(Json(json!({
        "projects": projects,
        "links": {"self": format!("{}/projects", state.catalog.identity_url()), "previous": null, "next": null},
    })))
}
