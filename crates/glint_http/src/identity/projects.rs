//! `/identity/v3/projects`: a caller reads its own account; the admin lists (by `name` and
//! `enabled`), creates, changes, disables and deletes any.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use glint_app::identity::{ProjectFilter, ProjectSpec, ProjectUpdate};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::IdentityError;
use crate::extract::IdentityCaller;
use crate::identity::{body, views};
use crate::router::AppState;

/// `?name=` and `?enabled=` on the project list.
#[derive(Deserialize)]
pub struct ProjectQuery {
    name: Option<String>,
    enabled: Option<String>,
}

#[derive(Deserialize)]
struct ProjectRequest {
    project: ProjectBody,
}

#[derive(Deserialize)]
struct ProjectBody {
    name: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
}

const EXPECTED: &str = "{\"project\": {...}}";

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
    Query(query): Query<ProjectQuery>,
) -> Result<Json<Value>, IdentityError> {
    let filter = ProjectFilter {
        name: query.name,
        enabled: query.enabled.as_deref().map(body::is_true),
    };
    let accounts = state.identity.list_projects(&caller, &filter).await?;
    let projects: Vec<Value> = accounts
        .iter()
        .map(|a| views::project(a, &state.catalog))
        .collect();
    Ok(Json(views::list("projects", projects, &state.catalog)))
}

/// `POST /identity/v3/projects` (admin only): 201 with the project.
pub async fn create_project(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), IdentityError> {
    let ProjectRequest { project } = body::parse(&bytes, EXPECTED)?;
    let spec = ProjectSpec {
        name: project.name.unwrap_or_default(),
        description: project.description.unwrap_or_default(),
        enabled: project.enabled.unwrap_or(true),
    };
    let account = state.identity.create_project(&caller, spec).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"project": views::project(&account, &state.catalog)})),
    ))
}

/// `PATCH /identity/v3/projects/{project_id}` (admin only).
pub async fn update_project(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path(project_id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, IdentityError> {
    let ProjectRequest { project } = body::parse(&bytes, EXPECTED)?;
    let update = ProjectUpdate {
        name: project.name,
        description: project.description,
        enabled: project.enabled,
    };
    let account = state
        .identity
        .update_project(&caller, &project_id, update)
        .await?;
    Ok(Json(
        json!({"project": views::project(&account, &state.catalog)}),
    ))
}

/// `DELETE /identity/v3/projects/{project_id}` (admin only): 204; 409 while it owns images.
pub async fn delete_project(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path(project_id): Path<String>,
) -> Result<StatusCode, IdentityError> {
    state.identity.delete_project(&caller, &project_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
