//! Groups of accounts, an extension beside the Image API: `/glint/v1/groups` (create, list),
//! `/glint/v1/groups/{id}` (show, rename, delete) and `/glint/v1/groups/{id}/accounts/{account}`
//! (add, remove). Sharing an image with a group is under the image
//! (`image::group_shares`). Authentication and errors are the Image API's; every rule is
//! `GroupService`'s.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use glint_core::group::{AccountGroup, GroupId, NewGroup, rename_from_json};
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::router::AppState;

const BASE: &str = "/glint/v1/groups";

/// The group routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list_groups).post(create_group))
        .route(
            &format!("{BASE}/{{id}}"),
            get(show_group).patch(rename_group).delete(delete_group),
        )
        .route(
            &format!("{BASE}/{{id}}/accounts/{{account}}"),
            put(add_account).delete(remove_account),
        )
}

/// A group as the wire shows it.
fn group_view(group: &AccountGroup) -> Value {
    json!({
        "id": group.id.as_str(),
        "name": group.name,
        "accounts": group.accounts,
        "created_at": group.created_at.to_glance(),
        "links": {"self": format!("{BASE}/{}", group.id)},
    })
}

/// `POST /glint/v1/groups`: 201 with the group.
async fn create_group(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    raw: Bytes,
) -> Result<Response, ImageError> {
    let new = NewGroup::from_json(&body::json(&raw)?)?;
    let group = state.groups.create(&ctx, new).await?;
    let location = format!("{}{BASE}/{}", state.catalog.base_url(), group.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(group_view(&group)),
    )
        .into_response())
}

/// `GET /glint/v1/groups`: the caller's account's groups, by name.
async fn list_groups(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
) -> Result<Json<Value>, ImageError> {
    let groups = state.groups.list(&ctx).await?;
    let views: Vec<Value> = groups.iter().map(group_view).collect();
    Ok(Json(json!({ "groups": views })))
}

/// `GET /glint/v1/groups/{id}`.
async fn show_group(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(id): Path<String>,
) -> Result<Json<Value>, ImageError> {
    let group = state.groups.get(&ctx, &GroupId::parse(&id)?).await?;
    Ok(Json(group_view(&group)))
}

/// `PATCH /glint/v1/groups/{id}` with `{"name"}`: 200 with the renamed group.
async fn rename_group(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(id): Path<String>,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let id = GroupId::parse(&id)?;
    let name = rename_from_json(&body::json(&raw)?)?;
    let group = state.groups.rename(&ctx, &id, &name).await?;
    Ok(Json(group_view(&group)))
}

/// `DELETE /glint/v1/groups/{id}`: 204; 409 while the group still shares an image.
async fn delete_group(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(id): Path<String>,
) -> Result<StatusCode, ImageError> {
    state.groups.delete(&ctx, &GroupId::parse(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /glint/v1/groups/{id}/accounts/{account}`: 200 with the group; the group's images are
/// shared with the account.
async fn add_account(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((id, account)): Path<(String, String)>,
) -> Result<Json<Value>, ImageError> {
    let id = GroupId::parse(&id)?;
    let group = state.groups.add_account(&ctx, &id, &account).await?;
    Ok(Json(group_view(&group)))
}

/// `DELETE /glint/v1/groups/{id}/accounts/{account}`: 204; the account's shares from the
/// group that it has not accepted are removed.
async fn remove_account(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((id, account)): Path<(String, String)>,
) -> Result<StatusCode, ImageError> {
    let id = GroupId::parse(&id)?;
    state.groups.remove_account(&ctx, &id, &account).await?;
    Ok(StatusCode::NO_CONTENT)
}
