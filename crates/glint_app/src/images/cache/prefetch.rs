//! This node's cache worker: fills the cache with the queued images (woken by a queue request,
//! and retrying what failed every sweep interval), and sweeps out the entries of images deleted
//! through any node.

use glint_blob::CacheKey;
use glint_core::image::ImageStatus;
use glint_db::images;
use tokio::task::JoinHandle;

use super::{ImageCache, ImageService, expected};

/// What became of one queued image.
enum Fetched {
    /// Cached (or already there): off the queue.
    Done,
    /// It cannot be cached (gone, not active, no checksum, data not matching): off the queue.
    Dropped(String),
    /// The store failed: stays queued for the next pass.
    Retry(String),
}

impl ImageService {
    /// Starts this node's cache worker (when it has a cache): a pass at once, then one on every
    /// queue request and every sweep interval.
    pub fn start_cache_worker(&self) -> Option<JoinHandle<()>> {
        let cache = self.cache.clone()?;
        let service = self.clone();
        Some(tokio::spawn(async move {
            loop {
                service.sweep_cache(&cache).await;
                service.prefetch_queued(&cache).await;
                let _ = tokio::time::timeout(cache.sweep_interval, cache.wake.notified()).await;
            }
        }))
    }

    /// Fills the cache with every queued image, oldest first.
    async fn prefetch_queued(&self, cache: &ImageCache) {
        let queued = match cache.disk.queued(None).await {
            Ok(queued) => queued,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the image cache queue");
                return;
            }
        };
        for key in queued {
            match self.prefetch(cache, &key).await {
                Fetched::Done => {}
                Fetched::Dropped(why) => {
                    tracing::info!(image = key.image(), why, "image taken off the cache queue")
                }
                Fetched::Retry(why) => {
                    tracing::warn!(image = key.image(), why, "caching failed; will retry");
                    continue;
                }
            }
            if let Err(e) = cache.disk.dequeue(&key).await {
                tracing::warn!(error = %e, image = key.image(), "cannot update the cache queue");
            }
        }
    }

    async fn prefetch(&self, cache: &ImageCache, key: &CacheKey) -> Fetched {
        if cache.disk.contains(key) {
            return Fetched::Done;
        }
        let image = match images::get(&self.db, key.image()).await {
            Ok(Some(image)) if image.region.as_str() == key.region() => image,
            Ok(_) => return Fetched::Dropped("the image is gone".into()),
            Err(e) => return Fetched::Retry(e.to_string()),
        };
        if image.status != ImageStatus::Active {
            return Fetched::Dropped(format!("the image is {}", image.status));
        }
        let Some(expected) = expected(&image) else {
            return Fetched::Dropped("the image has no checksum".into());
        };
        let stream = match self.open_data(&image, None).await {
            Ok(stream) => stream,
            Err(e) => return Fetched::Retry(e.to_string()),
        };
        match cache.disk.fill(key, stream, expected).await {
            Ok(true) => Fetched::Done,
            Ok(false) if expected_fits(cache, &image) => {
                Fetched::Retry("another fill of it runs".into())
            }
            Ok(false) => Fetched::Dropped("it is larger than the cache".into()),
            Err(glint_blob::BlobError::Rejected(why)) => Fetched::Dropped(why),
            Err(e) => Fetched::Retry(e.to_string()),
        }
    }

    /// Removes the cached data and queue entries of images that are gone (deleted through any
    /// node) or no longer in the region they were cached for.
    async fn sweep_cache(&self, cache: &ImageCache) {
        let mut keys = cache.disk.keys();
        keys.extend(cache.disk.queued(None).await.unwrap_or_default());
        for key in keys {
            let gone = match images::get(&self.db, key.image()).await {
                Ok(Some(image)) => image.region.as_str() != key.region(),
                Ok(None) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot sweep the image cache");
                    return;
                }
            };
            if gone {
                tracing::info!(image = key.image(), "deleted image dropped from the cache");
                let removed = cache.disk.remove(&key).await;
                let dequeued = cache.disk.dequeue(&key).await;
                if let Err(e) = removed.and(dequeued) {
                    tracing::warn!(error = %e, image = key.image(), "cannot drop a cache entry");
                }
            }
        }
    }
}

fn expected_fits(cache: &ImageCache, image: &glint_core::image::Image) -> bool {
    image
        .size
        .and_then(|s| u64::try_from(s).ok())
        .is_some_and(|s| s <= cache.disk.max_size())
}
