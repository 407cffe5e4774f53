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

/// `GET /v2/info/stores`: the stores of every region, as Glance lists them (404 with one store
/// per region, as the reference without multi-store).
pub(crate) async fn stores_info(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
) -> Result<Json<Value>, ImageError> {
    let stores = state.images.list_stores(&ctx, false)?;
    let listed: Vec<Value> = stores.iter().map(store_entry).collect();
    Ok(Json(json!({ "stores": listed })))
}

/// `GET /v2/info/stores/detail` (admin only): each store's `type`, `properties` and `weight`
/// too.
pub(crate) async fn stores_detail(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(region): Path<String>,
    _: NoBody,
) -> Result<Json<Value>, ImageError> {
    let stores = state.images.list_stores(&ctx, true)?;
    let region = glint_core::RegionName::from_trusted(region);
    let listed: Vec<Value> = stores
        .iter()
        .map(|s| {
            let mut entry = store_entry(s);
            let place = match s.kind() {
                "s3" => json!({ "bucket": s.place(&region) }),
                _ => json!({ "data_dir": s.place(&region) }),
            };
            entry["type"] = json!(s.kind());
            entry["properties"] = place;
            entry["weight"] = json!(s.weight);
            entry
        })
        .collect();
    Ok(Json(json!({ "stores": listed })))
}

/// A store as Glance lists it: `id`, `description` when there is one, `default` as the
/// string "true" on the default store only.
fn store_entry(store: &glint_app::StoreSpec) -> Value {
    let mut entry = json!({ "id": store.id });
    if !store.description.is_empty() {
        entry["description"] = json!(store.description);
    }
    if store.is_default {
        entry["default"] = json!("true");
    }
    entry
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
