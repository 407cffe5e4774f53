//! `/v2/images/{id}/members[/{member_id}]`: share an image, list and read its members, answer
//! a share, and remove a member. Create answers 200, as the reference does.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use glint_core::Error;
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::{body, views};
use crate::paths::{ImageItemPath, ImagePath, PathParams, RawImage, RawImageItem, Typed};
use crate::router::AppState;

fn string_field(body: &Value, key: &str, missing: &str) -> Result<String, Error> {
    let object = body
        .as_object()
        .ok_or_else(|| Error::InvalidInput("Unexpected body type. Expected dict.".into()))?;
    match object.get(key) {
        None => Err(Error::InvalidInput(missing.to_owned())),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Error::InvalidInput(format!("'{key}' must be a string"))),
    }
}

/// `POST /v2/images/{id}/members`: 200 with the new member.
pub(crate) async fn add_member(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(path): Path<RawImage>,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let request = body::json(&raw)?;
    let member = string_field(&request, "member", "Member to be added not specified")?;
    let p = ImagePath::parse(path)?;
    let created = state
        .images
        .add_member(&ctx, &p.region, &p.image, &member)
        .await?;
    Ok(Json(views::member(&created)))
}

/// `GET /v2/images/{id}/members`.
pub(crate) async fn list_members(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<Json<Value>, ImageError> {
    let members = state.images.list_members(&ctx, &p.region, &p.image).await?;
    let members: Vec<Value> = members.iter().map(views::member).collect();
    Ok(Json(
        json!({"members": members, "schema": "/v2/schemas/members"}),
    ))
}

/// `GET /v2/images/{id}/members/{member_id}`.
pub(crate) async fn show_member(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImageItemPath>,
) -> Result<Json<Value>, ImageError> {
    let member = state
        .images
        .get_member(&ctx, &p.at.region, &p.at.image, &p.item)
        .await?;
    Ok(Json(views::member(&member)))
}

/// `PUT /v2/images/{id}/members/{member_id}`: 200 with the member's new status.
pub(crate) async fn update_member(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(path): Path<RawImageItem>,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let request = body::json(&raw)?;
    let status = string_field(&request, "status", "Status not specified")?.parse();
    let p = ImageItemPath::parse(path)?;
    let member = state
        .images
        .set_member_status(&ctx, &p.at.region, &p.at.image, &p.item, status)
        .await?;
    Ok(Json(views::member(&member)))
}

/// `DELETE /v2/images/{id}/members/{member_id}`: 204.
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImageItemPath>,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .remove_member(&ctx, &p.at.region, &p.at.image, &p.item)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v2/images/{id}/members/{member_id}/actions/glint-remind` (Glint's extension): 200
/// with the reminder's number, how many are left and when the next may be sent; 429 beyond the
/// courtesy rules, 409 for a share that is not pending.
pub(crate) async fn remind_member(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImageItemPath>,
) -> Result<Json<Value>, ImageError> {
    let sent = state
        .images
        .remind_member(&ctx, &p.at.region, &p.at.image, &p.item)
        .await?;
    Ok(Json(json!({
        "image_id": p.at.image.as_str(),
        "member_id": p.item,
        "sent_at": sent.sent_at.to_glance(),
        "reminder": sent.allowance.number,
        "reminders_left": sent.allowance.left,
        "next_allowed_at": sent.allowance.next_at.map(|t| t.to_glance()),
    })))
}
