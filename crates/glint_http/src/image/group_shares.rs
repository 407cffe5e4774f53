//! `/v2/images/{id}/glint-group-shares[/{group_id}]`: share an image with a group of accounts,
//! list the groups it is shared with, take a group's share back. The members themselves are
//! read and answered through the member API as any other share.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use glint_core::group::{GroupId, GroupShare, group_share_from_json};
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::paths::{ImageItemPath, ImagePath, PathParams, RawImage, Typed};
use crate::router::AppState;

fn group_share_view(share: &GroupShare) -> Value {
    json!({
        "image_id": share.image_id.as_str(),
        "group_id": share.group_id.as_str(),
        "group_name": share.group_name,
        "created_at": share.created_at.to_glance(),
        "accounts": share.accounts,
    })
}

/// `POST /v2/images/{id}/glint-group-shares` with `{"group_id"}`: 200 with the accounts the
/// image was offered to.
pub(crate) async fn share_with_group(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(path): Path<RawImage>,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let group = group_share_from_json(&body::json(&raw)?)?;
    let p = ImagePath::parse(path)?;
    let share = state
        .images
        .share_with_group(&ctx, &p.region, &p.image, &group)
        .await?;
    Ok(Json(group_share_view(&share)))
}

/// `GET /v2/images/{id}/glint-group-shares`: the groups the image is shared with, each with the
/// accounts whose live share came from it.
pub(crate) async fn list_group_shares(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<Json<Value>, ImageError> {
    let shares = state.images.group_shares(&ctx, &p.region, &p.image).await?;
    let views: Vec<Value> = shares.iter().map(group_share_view).collect();
    Ok(Json(json!({ "group_shares": views })))
}

/// `DELETE /v2/images/{id}/glint-group-shares/{group_id}`: 204.
pub(crate) async fn unshare_group(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImageItemPath>,
) -> Result<StatusCode, ImageError> {
    let group = GroupId::parse(&p.item)?;
    state
        .images
        .unshare_group(&ctx, &p.at.region, &p.at.image, &group)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
