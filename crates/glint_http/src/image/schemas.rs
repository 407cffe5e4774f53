//! `/v2/schemas/…` and `/v2/info/…`: the JSON schemas clients build their models from, and
//! discovery of import methods, stores and the caller's account's usage.

use axum::Json;
use axum::extract::{Path, State};
use glint_core::Error;
use glint_core::image::schema;
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::paths::{RegionPath, Typed};
use crate::router::AppState;

/// `GET /v2/schemas/image`.
pub(crate) async fn image(_: ImageCaller, _: NoBody) -> Json<Value> {
    Json(schema::image_schema())
}

/// `GET /v2/schemas/images`.
pub(crate) async fn images(_: ImageCaller, _: NoBody) -> Json<Value> {
    Json(schema::images_schema())
}

/// `GET /v2/schemas/member`.
pub(crate) async fn member(_: ImageCaller, _: NoBody) -> Json<Value> {
    Json(schema::member_schema())
}

/// `GET /v2/schemas/members`.
pub(crate) async fn members(_: ImageCaller, _: NoBody) -> Json<Value> {
    Json(schema::members_schema())
}

/// `GET /v2/schemas/metadefs/{name}`.
pub(crate) async fn metadef(
    _: ImageCaller,
    Path((_region, name)): Path<(String, String)>,
    _: NoBody,
) -> Result<Json<Value>, ImageError> {
    schema::metadef_schema(&name).map(Json).ok_or_else(|| {
        Error::not_found(glint_core::error::Kind::Image, format!("schema {name}")).into()
    })
}

/// `GET /v2/info/import`: the import methods this cloud offers.
pub(crate) async fn import_info(_: ImageCaller, _: NoBody) -> Json<Value> {
    Json(json!({"import-methods": {
        "description": "Import methods available.",
        "type": "array",
        "value": glint_app::images::IMPORT_METHODS,
    }}))
}

/// `GET /v2/info/stores`: one store per region, so no multi-store (404, as the reference).
pub(crate) async fn stores_info(_: ImageCaller, _: NoBody) -> Result<Json<Value>, ImageError> {
    Err(Error::not_found(
        glint_core::error::Kind::Image,
        "Multi backend is not supported at this site.",
    )
    .into())
}

/// `GET /v2/info/usage` (v2.13): the caller's account's usage of each image quota in this
/// region, `{"usage": {name: {"limit", "usage"}}}`; -1 is no limit.
pub(crate) async fn usage_info(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<RegionPath>,
) -> Result<Json<Value>, ImageError> {
    let usage = state.images.account_usage(&ctx, &p.region).await?;
    let mut quotas = serde_json::Map::new();
    for (name, used, limit) in usage.quotas() {
        quotas.insert(name.into(), json!({"limit": limit, "usage": used}));
    }
    Ok(Json(json!({ "usage": quotas })))
}
