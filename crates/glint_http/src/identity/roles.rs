//! `/identity/v3/roles`, role assignments on a project
//! (`/identity/v3/projects/{p}/users/{u}/roles[/{r}]`) and `/identity/v3/role_assignments`,
//! over Glint's one role per user (see `glint_app::identity` and docs/API-CONVENTIONS.md).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use glint_app::identity::AssignmentFilter;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::IdentityError;
use crate::extract::IdentityCaller;
use crate::identity::{body, views};
use crate::router::AppState;

/// `?name=` on the role list.
#[derive(Deserialize)]
pub struct RoleQuery {
    name: Option<String>,
}

type AssignmentPath = Path<(String, String, String)>;

/// `GET /identity/v3/roles`.
pub async fn list_roles(
    State(state): State<AppState>,
    IdentityCaller(_caller): IdentityCaller,
    Query(query): Query<RoleQuery>,
) -> Json<Value> {
    let roles = state.identity.roles(query.name.as_deref());
    let roles = roles
        .into_iter()
        .map(|r| views::role(r, &state.catalog))
        .collect();
    Json(views::list("roles", roles, &state.catalog))
}

/// `GET /identity/v3/roles/{role_id}`.
pub async fn show_role(
    State(state): State<AppState>,
    IdentityCaller(_caller): IdentityCaller,
    Path(role_id): Path<String>,
) -> Result<Json<Value>, IdentityError> {
    let role = state.identity.role(&role_id)?;
    Ok(Json(json!({"role": views::role(role, &state.catalog)})))
}

/// `PUT /identity/v3/projects/{p}/users/{u}/roles/{r}`: 204.
pub async fn grant_role(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path((project, user, role)): AssignmentPath,
) -> Result<StatusCode, IdentityError> {
    let path = (project.as_str(), user.as_str(), role.as_str());
    state.identity.grant_role(&caller, path).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /identity/v3/projects/{p}/users/{u}/roles/{r}`: 204.
pub async fn revoke_role(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path((project, user, role)): AssignmentPath,
) -> Result<StatusCode, IdentityError> {
    let path = (project.as_str(), user.as_str(), role.as_str());
    state.identity.revoke_role(&caller, path).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `HEAD` and `GET /identity/v3/projects/{p}/users/{u}/roles/{r}`: 204 when held, else 404.
pub async fn check_role(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path((project, user, role)): AssignmentPath,
) -> Result<StatusCode, IdentityError> {
    let path = (project.as_str(), user.as_str(), role.as_str());
    state.identity.check_role(&caller, path).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /identity/v3/projects/{p}/users/{u}/roles`.
pub async fn list_project_user_roles(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path((project, user)): Path<(String, String)>,
) -> Result<Json<Value>, IdentityError> {
    let roles = state
        .identity
        .project_user_roles(&caller, &project, &user)
        .await?;
    let roles = roles
        .into_iter()
        .map(|r| views::role(r, &state.catalog))
        .collect();
    Ok(Json(views::list("roles", roles, &state.catalog)))
}

/// Keystone's filters from the query (`user.id`, `scope.project.id`, `role.id`, `effective`;
/// groups, domain and system scopes match nothing in Glint).
fn assignment_filter(query: &HashMap<String, String>) -> AssignmentFilter {
    let flag = |name: &str| query.get(name).is_some_and(|v| body::is_true(v));
    AssignmentFilter {
        user_id: query.get("user.id").cloned(),
        project_id: query.get("scope.project.id").cloned(),
        role_id: query.get("role.id").cloned(),
        effective: flag("effective"),
        matches_nothing: ["group.id", "scope.domain.id", "scope.system"]
            .iter()
            .any(|k| query.contains_key(*k)),
    }
}

/// `GET /identity/v3/role_assignments`.
pub async fn list_role_assignments(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, IdentityError> {
    let filter = assignment_filter(&query);
    let names = query.get("include_names").is_some_and(|v| body::is_true(v));
    let found = state.identity.role_assignments(&caller, &filter).await?;
    let assignments = found
        .iter()
        .map(|a| views::assignment(a, names, &state.catalog))
        .collect();
    Ok(Json(views::list(
        "role_assignments",
        assignments,
        &state.catalog,
    )))
}
