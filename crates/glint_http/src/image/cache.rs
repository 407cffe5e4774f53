//! Glance's cache API, `/image/{region}/v2/cache…`: this node's cache of image data, for admins
//! (each node answers for its own cache). `GET` lists cached and queued images, `PUT /{id}`
//! queues one (202), `DELETE /{id}` removes one, `DELETE` empties the cache, the queue or both
//! (`x-image-cache-clear-target`), `POST /clean` and `POST /prune` tidy it. Every rule is
//! `ImageService`'s.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::paths::{ImagePath, PathParams, RawRegion, RegionPath, Typed};
use crate::router::AppState;

#[derive(Serialize)]
pub(crate) struct CacheList {
    cached_images: Vec<CachedView>,
    queued_images: Vec<String>,
}

#[derive(Serialize)]
struct CachedView {
    image_id: String,
    hits: u64,
    /// Seconds since the epoch, as Glance gives them.
    last_accessed: f64,
    last_modified: f64,
    size: u64,
}

#[derive(Serialize)]
pub(crate) struct PruneView {
    total_files_pruned: u64,
    total_bytes_pruned: u64,
}

fn epoch_secs(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `GET /v2/cache`: 200 with the cached and queued images.
pub(crate) async fn list_cache(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(raw): Path<RawRegion>,
) -> Result<Json<CacheList>, ImageError> {
    let p = RegionPath::parse(raw)?;
    let listed = state.images.cache_state(&ctx, &p.region).await?;
    Ok(Json(CacheList {
        cached_images: listed
            .cached
            .into_iter()
            .map(|c| CachedView {
                image_id: c.key.image().to_owned(),
                hits: c.hits,
                last_accessed: epoch_secs(c.last_accessed),
                last_modified: epoch_secs(c.last_modified),
                size: c.size,
            })
            .collect(),
        queued_images: listed.queued,
    }))
}

/// `PUT /v2/cache/{id}`: 202; this node's prefetcher caches the image in the background.
pub(crate) async fn queue_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Typed(p, _): Typed<ImagePath>,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .queue_for_cache(&ctx, &p.region, &p.image)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// `DELETE /v2/cache/{id}`: 204 once the image is out of this node's cache and queue.
pub(crate) async fn delete_entry(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Typed(p, _): Typed<ImagePath>,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .delete_cache_entry(&ctx, &p.region, &p.image)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v2/cache`: 204 once the cache, the queue or both (the default) are empty.
pub(crate) async fn clear_cache(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(raw): Path<RawRegion>,
    headers: HeaderMap,
) -> Result<StatusCode, ImageError> {
    let p = RegionPath::parse(raw)?;
    let target = headers
        .get("x-image-cache-clear-target")
        .map(|v| v.to_str().unwrap_or("?"));
    state.images.clear_cache(&ctx, &p.region, target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v2/cache/clean`: 200 once failed or interrupted fills left nothing behind.
pub(crate) async fn clean_cache(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(raw): Path<RawRegion>,
) -> Result<StatusCode, ImageError> {
    let p = RegionPath::parse(raw)?;
    state.images.clean_cache(&ctx, &p.region).await?;
    Ok(StatusCode::OK)
}

/// `POST /v2/cache/prune`: 200 with what pruning to the size limit removed.
pub(crate) async fn prune_cache(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(raw): Path<RawRegion>,
) -> Result<Json<PruneView>, ImageError> {
    let p = RegionPath::parse(raw)?;
    let pruned = state.images.prune_cache(&ctx, &p.region).await?;
    Ok(Json(PruneView {
        total_files_pruned: pruned.files,
        total_bytes_pruned: pruned.bytes,
    }))
}
