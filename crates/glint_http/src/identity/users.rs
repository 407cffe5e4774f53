//! `/identity/v3/users`: an admin administers every user, a manager those of its own account;
//! every user reads itself and changes its own password (`POST …/password`, no token needed,
//! the original password is the proof).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use glint_app::UserUpdate;
use glint_app::identity::{NewUser, UserFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::IdentityError;
use crate::extract::{ClientAddress, IdentityCaller};
use crate::identity::{body, views};
use crate::router::AppState;

/// `?name=` and `?enabled=` on the user list.
#[derive(Deserialize)]
pub struct UserQuery {
    name: Option<String>,
    enabled: Option<String>,
}

#[derive(Deserialize)]
struct UserRequest {
    user: UserBody,
}

#[derive(Deserialize)]
struct UserBody {
    name: Option<String>,
    password: Option<String>,
    default_project_id: Option<String>,
    enabled: Option<bool>,
}

#[derive(Deserialize)]
struct PasswordRequest {
    user: PasswordBody,
}

#[derive(Deserialize)]
struct PasswordBody {
    password: String,
    original_password: String,
}

const EXPECTED: &str = "{\"user\": {...}}";

/// `GET /identity/v3/users`.
pub async fn list_users(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Query(query): Query<UserQuery>,
) -> Result<Json<Value>, IdentityError> {
    let filter = UserFilter {
        account: None,
        name: query.name,
        enabled: query.enabled.as_deref().map(body::is_true),
    };
    let users = state.identity.list_users(&caller, filter).await?;
    let users = users
        .iter()
        .map(|u| views::user(u, &state.catalog))
        .collect();
    Ok(Json(views::list("users", users, &state.catalog)))
}

/// `GET /identity/v3/users/{user_id}`.
pub async fn show_user(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path(user_id): Path<String>,
) -> Result<Json<Value>, IdentityError> {
    let user = state.identity.user(&caller, &user_id).await?;
    Ok(Json(json!({"user": views::user(&user, &state.catalog)})))
}

/// `POST /identity/v3/users`: 201 with the user, which holds no role yet.
pub async fn create_user(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    bytes: Bytes,
) -> Result<(StatusCode, Json<Value>), IdentityError> {
    let UserRequest { user } = body::parse(&bytes, EXPECTED)?;
    let new = NewUser {
        name: user.name.unwrap_or_default(),
        password: user.password,
        account: user.default_project_id,
        enabled: user.enabled.unwrap_or(true),
        role: None,
    };
    let user = state.identity.create_user(&caller, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"user": views::user(&user, &state.catalog)})),
    ))
}

/// `PATCH /identity/v3/users/{user_id}`.
pub async fn update_user(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path(user_id): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, IdentityError> {
    let UserRequest { user } = body::parse(&bytes, EXPECTED)?;
    let update = UserUpdate {
        name: user.name,
        enabled: user.enabled,
        password: user.password,
    };
    let account = user.default_project_id.as_deref();
    let user = state
        .identity
        .update_user(&caller, &user_id, account, update)
        .await?;
    Ok(Json(json!({"user": views::user(&user, &state.catalog)})))
}

/// `DELETE /identity/v3/users/{user_id}`: 204.
pub async fn delete_user(
    State(state): State<AppState>,
    IdentityCaller(caller): IdentityCaller,
    Path(user_id): Path<String>,
) -> Result<StatusCode, IdentityError> {
    state.identity.delete_user(&caller, &user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /identity/v3/users/{user_id}/password`: 204; a wrong original password is the
/// sign-in's 401.
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    Path(user_id): Path<String>,
    bytes: Bytes,
) -> Result<StatusCode, IdentityError> {
    let unauthorized = |error| IdentityError {
        error,
        www_authenticate: Some(state.catalog.identity_url()),
    };
    let expected = "{\"user\": {\"password\": …, \"original_password\": …}}";
    let PasswordRequest { user } = body::parse(&bytes, expected)?;
    state
        .identity
        .change_password(&user_id, user.original_password, user.password, client)
        .await
        .map_err(unauthorized)?;
    Ok(StatusCode::NO_CONTENT)
}
