//! This node's image cache (`glint_blob::DiskCache`) as the image service uses it: downloads
//! read through it (`cached` before the store, `cache_on_the_way` after it), deletes drop
//! entries, and the cache API (Glance's `/v2/cache`, admin only, each node answering for its
//! own cache) lists, queues and removes entries. The prefetcher and the sweep of deleted
//! images run in `prefetch`.
//!
//! Automatic caching happens only for images read from a store across the network (S3): a
//! copy of a local-disk store's file on the same kind of disk saves nothing. An explicit queue
//! request caches any image.

mod prefetch;

use std::sync::Arc;
use std::time::Duration;

use glint_blob::{BlobStore, BlobStream, CacheKey, CachedImage, DiskCache, Expected, Pruned};
use glint_core::error::Kind;
use glint_core::image::{Image, ImageId, ImageStatus};
use glint_core::{AuthContext, Error, RegionName, Result};
use tokio::sync::Notify;

use super::ImageService;

/// The node's cache as the image service holds it.
#[derive(Debug, Clone)]
pub(crate) struct ImageCache {
    disk: DiskCache,
    /// Wakes the prefetcher when an image is queued.
    wake: Arc<Notify>,
    /// How often the prefetcher retries the queue and sweeps out deleted images.
    sweep_interval: Duration,
}

/// What `GET /v2/cache` shows: the region's cached images and queued image ids.
#[derive(Debug, Clone)]
pub struct CacheState {
    pub cached: Vec<CachedImage>,
    pub queued: Vec<String>,
}

/// What `DELETE /v2/cache` empties (`x-image-cache-clear-target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClearTarget {
    Cache,
    Queue,
    Both,
}

impl ClearTarget {
    /// The header's value: `cache`, `queue`, or empty (or absent) for both, in any case.
    pub fn parse(value: Option<&str>) -> Result<Self> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") => Ok(ClearTarget::Both),
            Some("cache") => Ok(ClearTarget::Cache),
            Some("queue") => Ok(ClearTarget::Queue),
            Some(_) => Err(Error::InvalidInput(
                "If provided 'x-image-cache-clear-target' must be 'cache', 'queue' or empty string."
                    .into(),
            )),
        }
    }
}

/// The record's size and checksums, which a cache fill must match; `None` when the record has
/// no checksum (nothing to verify against, so nothing is cached).
fn expected(image: &Image) -> Option<Expected> {
    let size = u64::try_from(image.size?).ok()?;
    let sha512_hex = (image.os_hash_algo.as_deref() == Some("sha512"))
        .then(|| image.os_hash_value.clone())
        .flatten();
    Some(Expected {
        size,
        md5_hex: image.checksum.clone()?,
        sha512_hex,
    })
}

fn key_of(region: &RegionName, id: &ImageId) -> Result<CacheKey> {
    CacheKey::new(region.as_str(), id.as_str()).map_err(|e| Error::Internal(e.to_string()))
}

fn cache_error(e: glint_blob::BlobError) -> Error {
    tracing::error!(error = %e, "image cache");
    Error::Unavailable("The image cache is unavailable; try again later.".into())
}

impl ImageService {
    /// The same service with this node's `disk` cache; the prefetcher retries its queue and
    /// sweeps out deleted images every `sweep_interval`.
    pub fn with_cache(mut self, disk: DiskCache, sweep_interval: Duration) -> Self {
        self.cache = Some(ImageCache {
            disk,
            wake: Arc::new(Notify::new()),
            sweep_interval,
        });
        self
    }

    /// Whether this node keeps a read cache of image data (and so serves the cache API).
    pub fn has_cache(&self) -> bool {
        self.cache.is_some()
    }

    /// The image's data from this node's cache, when it is there (a hit).
    pub(crate) async fn cached(
        &self,
        image: &Image,
        range: Option<(u64, u64)>,
    ) -> Option<BlobStream> {
        let cache = self.cache.as_ref()?;
        let key = key_of(&image.region, &image.id).ok()?;
        match cache.disk.read(&key, range).await? {
            Ok(stream) => Some(stream),
            Err(e) => {
                tracing::warn!(error = %e, image = %image.id, "cache read failed; reading the store");
                None
            }
        }
    }

    /// `stream`, read from `store`, also filling this node's cache when it is the whole image
    /// from a store across the network.
    pub(crate) fn cache_on_the_way(
        &self,
        image: &Image,
        store: &BlobStore,
        stream: BlobStream,
    ) -> BlobStream {
        let (Some(cache), false) = (&self.cache, store.is_local_disk()) else {
            return stream;
        };
        match (key_of(&image.region, &image.id), expected(image)) {
            (Ok(key), Some(expected)) => cache.disk.tee(&key, stream, expected),
            _ => stream,
        }
    }

    /// Drops a deleted image's cached data and queue entry on this node.
    pub(crate) async fn uncache(&self, image: &Image) {
        let Some(cache) = &self.cache else { return };
        let Ok(key) = key_of(&image.region, &image.id) else {
            return;
        };
        if let Err(e) = cache.disk.remove(&key).await {
            tracing::warn!(error = %e, image = %image.id, "could not drop the cached data");
        }
        if let Err(e) = cache.disk.dequeue(&key).await {
            tracing::warn!(error = %e, image = %image.id, "could not drop the cache queue entry");
        }
    }

    /// The cache, for an admin in a region that exists; 403 for anyone else, 404 when this
    /// node has no cache or the region does not exist.
    async fn cache_for(&self, ctx: &AuthContext, region: &RegionName) -> Result<&ImageCache> {
        if !ctx.is_admin() {
            return Err(Error::Forbidden(
                "Access was denied to this resource.".into(),
            ));
        }
        let cache = self
            .cache
            .as_ref()
            .ok_or_else(|| Error::not_found(Kind::Image, "cache"))?;
        if !glint_db::regions::exists(&self.db, region).await? {
            return Err(Error::not_found(Kind::Region, region.as_str()));
        }
        Ok(cache)
    }

    /// `GET /v2/cache`: the region's cached and queued images on this node.
    pub async fn cache_state(&self, ctx: &AuthContext, region: &RegionName) -> Result<CacheState> {
        let cache = self.cache_for(ctx, region).await?;
        let queued = cache
            .disk
            .queued(Some(region.as_str()))
            .await
            .map_err(cache_error)?;
        Ok(CacheState {
            cached: cache.disk.entries(region.as_str()),
            queued: queued.into_iter().map(|k| k.image().to_owned()).collect(),
        })
    }

    /// `PUT /v2/cache/{id}`: queues an active image for this node's prefetcher.
    pub async fn queue_for_cache(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<()> {
        let cache = self.cache_for(ctx, region).await?;
        let image = self.get(ctx, region, id).await?;
        if image.status != ImageStatus::Active {
            return Err(Error::InvalidInput(
                "Only images with status active can be targeted for queueing".into(),
            ));
        }
        let key = key_of(region, id)?;
        cache.disk.queue(&key).await.map_err(cache_error)?;
        cache.wake.notify_one();
        Ok(())
    }

    /// `DELETE /v2/cache/{id}`: removes the image from this node's cache and queue; 404 when
    /// it is neither there nor an image.
    pub async fn delete_cache_entry(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<()> {
        let cache = self.cache_for(ctx, region).await?;
        let key = key_of(region, id)?;
        let cached = cache.disk.remove(&key).await.map_err(cache_error)?;
        let queued = cache.disk.dequeue(&key).await.map_err(cache_error)?;
        if !cached && !queued {
            self.get(ctx, region, id).await?;
        }
        Ok(())
    }

    /// `DELETE /v2/cache`: empties this node's cache, queue or both for the region, as the
    /// `x-image-cache-clear-target` value says (see `ClearTarget::parse`); how many entries
    /// each lost.
    pub async fn clear_cache(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        target: Option<&str>,
    ) -> Result<(u64, u64)> {
        let cache = self.cache_for(ctx, region).await?;
        let target = ClearTarget::parse(target)?;
        let region = region.as_str();
        let mut cleared = (0, 0);
        if target != ClearTarget::Queue {
            cleared.0 = cache.disk.clear(region).await.map_err(cache_error)?;
        }
        if target != ClearTarget::Cache {
            cleared.1 = cache.disk.clear_queue(region).await.map_err(cache_error)?;
        }
        Ok(cleared)
    }

    /// `POST /v2/cache/clean`: removes what failed or interrupted fills left on this node.
    pub async fn clean_cache(&self, ctx: &AuthContext, region: &RegionName) -> Result<u64> {
        let cache = self.cache_for(ctx, region).await?;
        cache.disk.clean().await.map_err(cache_error)
    }

    /// `POST /v2/cache/prune`: removes least recently used entries until this node's cache
    /// fits its limit.
    pub async fn prune_cache(&self, ctx: &AuthContext, region: &RegionName) -> Result<Pruned> {
        let cache = self.cache_for(ctx, region).await?;
        Ok(cache.disk.prune().await)
    }
}
