//! Glint's extensions for retiring an image safely, beside the Image API (its error format):
//! `GET …/images/{id}/glint-usage` (who uses it: the owner and the admin only),
//! `POST`/`DELETE …/members/{member_id}/actions/glint-schedule-removal` (the producer removes a
//! consumer at a time to come, or cancels that), and `GET /glint/v1/servers-on-deprecated-images`
//! (the caller's account's servers whose image is deprecated).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use glint_app::ServerOnDeprecated;
use glint_core::Error;
use glint_core::image::deprecation;
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::paths::{ImageItemPath, ImagePath, PathParams, RawImageItem, Typed};
use crate::router::AppState;

/// `GET /v2/images/{id}/glint-usage`: 200 with the usage report.
pub(crate) async fn show_usage(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<Json<Value>, ImageError> {
    let usage = state.images.usage(&ctx, &p.region, &p.image).await?;
    Ok(Json(usage.to_wire()))
}

/// `POST …/members/{member_id}/actions/glint-schedule-removal` with `{"remove_at": TIME}` (RFC
/// 3339, or a date meaning its midnight UTC): 200 with the share's end.
pub(crate) async fn schedule_removal(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(raw_path): Path<RawImageItem>,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let request = body::json(&raw)?;
    let at = match request.get("remove_at") {
        Some(Value::String(text)) => deprecation::parse_time(text).ok_or_else(|| {
            Error::InvalidInput(format!(
                "'remove_at' must be a time such as 2027-01-15T00:00:00Z or a date such as 2027-01-15, not \"{text}\"."
            ))
        })?,
        Some(_) => return Err(Error::InvalidInput("'remove_at' must be a string".into()).into()),
        None => {
            return Err(Error::InvalidInput("'remove_at' is required: when the share ends".into()).into());
        }
    };
    let p = ImageItemPath::parse(raw_path)?;
    let at = state
        .images
        .schedule_removal(&ctx, &p.at.region, &p.at.image, &p.item, at)
        .await?;
    Ok(Json(json!({
        "image_id": p.at.image.as_str(),
        "member_id": p.item,
        "remove_at": at.to_glance(),
    })))
}

/// `DELETE …/members/{member_id}/actions/glint-schedule-removal`: 204; 409 when none is
/// scheduled.
pub(crate) async fn cancel_removal(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImageItemPath>,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .cancel_removal(&ctx, &p.at.region, &p.at.image, &p.item)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /glint/v1/servers-on-deprecated-images`: the caller's account's live servers, in every
/// region, whose image is deprecated, with the replacement and the obsolete time.
pub(crate) async fn servers_on_deprecated_images(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
) -> Result<Json<Value>, ImageError> {
    let found = state.compute.on_deprecated_images(&ctx).await?;
    let servers: Vec<Value> = found.iter().map(server_view).collect();
    Ok(Json(json!({ "servers": servers })))
}

fn server_view(found: &ServerOnDeprecated) -> Value {
    let d = &found.deprecation;
    json!({
        "id": found.server.id,
        "name": found.server.name,
        "region": found.server.region.as_str(),
        "image": {
            "id": found.image.id.as_str(),
            "name": found.image.name,
            "deprecation_message": d.message,
            "obsolete_at": d.obsolete_at.map(|t| t.to_glance()),
            "replacement": d.replacement.as_ref().map(|id| json!({
                "id": id.as_str(),
                "name": found.replacement_name,
            })),
        },
    })
}
