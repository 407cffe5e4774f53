//! A node's read cache of image data on local disk: whole images, copied from their store once
//! and served from here afterwards, within a size limit (least recently used entries go first),
//! plus the queue of images waiting to be copied in.
//!
//! Layout under the cache folder: `data/<region>/<image>` holds complete, verified copies
//! (filled through a temp file beside them, renamed into place only once size, MD5 and SHA-512
//! match, see `fill`), `queue/<region>/<image>` is an empty file per queued image, so the queue
//! survives a restart. Hit counts and last access times live in memory; an entry found on disk
//! at start-up starts at zero hits, last accessed when it was written.

mod fill;
mod layout;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use crate::local::read_file;
use crate::{BlobError, BlobStream};

pub use fill::Expected;
use layout::Layout;

/// One cached image: which region's image it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey {
    region: String,
    image: String,
}

impl CacheKey {
    /// The key of `image` in `region`; both must be plain names (letters, digits, `-`, `_`).
    pub fn new(region: &str, image: &str) -> Result<Self, BlobError> {
        let plain = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !plain(region) || !plain(image) {
            return Err(BlobError::InvalidKey(format!("{region}/{image}")));
        }
        Ok(CacheKey {
            region: region.to_owned(),
            image: image.to_owned(),
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn image(&self) -> &str {
        &self.image
    }
}

/// What the cache says about one of its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedImage {
    pub key: CacheKey,
    /// Bytes on disk.
    pub size: u64,
    /// Reads served from the entry since this node started.
    pub hits: u64,
    pub last_accessed: SystemTime,
    /// When the entry was written.
    pub last_modified: SystemTime,
}

/// What a prune removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub files: u64,
    pub bytes: u64,
}

/// The cache; cheap to clone (clones share it).
#[derive(Clone)]
pub struct DiskCache {
    shared: Arc<Shared>,
}

struct Shared {
    layout: Layout,
    max_size: u64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<CacheKey, Entry>,
    /// Keys being filled now; a second fill of the same key does not start.
    filling: HashSet<CacheKey>,
    /// Running fills whose image was removed meanwhile: their data is dropped, not admitted.
    cancelled: HashSet<CacheKey>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    size: u64,
    hits: u64,
    last_accessed: SystemTime,
    last_modified: SystemTime,
}

impl std::fmt::Debug for DiskCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskCache")
            .field("dir", &self.shared.layout.root())
            .field("max_size", &self.shared.max_size)
            .finish()
    }
}

impl DiskCache {
    /// Opens (creating it if needed) the cache in `dir`, holding at most `max_size` bytes:
    /// removes temp files a crash left, takes in the complete entries found, and prunes them to
    /// the limit.
    pub async fn open(dir: PathBuf, max_size: u64) -> Result<Self, BlobError> {
        let layout = Layout::new(dir);
        let found = {
            let layout = layout.clone();
            blocking(move || layout.prepare()).await?
        };
        let entries = found
            .into_iter()
            .map(|(key, size, modified)| {
                let entry = Entry {
                    size,
                    hits: 0,
                    last_accessed: modified,
                    last_modified: modified,
                };
                (key, entry)
            })
            .collect();
        let cache = DiskCache {
            shared: Arc::new(Shared {
                layout,
                max_size,
                state: Mutex::new(State {
                    entries,
                    ..State::default()
                }),
            }),
        };
        cache.prune().await;
        Ok(cache)
    }

    /// The size limit in bytes.
    pub fn max_size(&self) -> u64 {
        self.shared.max_size
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the image's data is cached.
    pub fn contains(&self, key: &CacheKey) -> bool {
        self.state().entries.contains_key(key)
    }

    /// The cached data (all of it or the inclusive range), counted as a hit; `None` when it is
    /// not cached (or its file went missing, which forgets the entry).
    pub async fn read(
        &self,
        key: &CacheKey,
        range: Option<(u64, u64)>,
    ) -> Option<Result<BlobStream, BlobError>> {
        {
            let mut state = self.state();
            let entry = state.entries.get_mut(key)?;
            entry.hits += 1;
            entry.last_accessed = SystemTime::now();
        }
        match read_file(self.shared.layout.entry(key), range).await {
            Err(BlobError::NotFound) => {
                self.state().entries.remove(key);
                None
            }
            read => Some(read),
        }
    }

    /// Every entry of `region`, by image id.
    pub fn entries(&self, region: &str) -> Vec<CachedImage> {
        let mut listed: Vec<CachedImage> = self
            .state()
            .entries
            .iter()
            .filter(|(key, _)| key.region == region)
            .map(|(key, e)| CachedImage {
                key: key.clone(),
                size: e.size,
                hits: e.hits,
                last_accessed: e.last_accessed,
                last_modified: e.last_modified,
            })
            .collect();
        listed.sort_by(|a, b| a.key.cmp(&b.key));
        listed
    }

    /// Every cached key, of every region.
    pub fn keys(&self) -> Vec<CacheKey> {
        self.state().entries.keys().cloned().collect()
    }

    /// Removes the image's cached data (and drops a fill of it that is running); whether
    /// there was any.
    pub async fn remove(&self, key: &CacheKey) -> Result<bool, BlobError> {
        let was = {
            let mut state = self.state();
            if state.filling.contains(key) {
                state.cancelled.insert(key.clone());
            }
            state.entries.remove(key).is_some()
        };
        let path = self.shared.layout.entry(key);
        blocking(move || layout::remove_file(&path)).await?;
        Ok(was)
    }

    /// Removes every cached image of `region` (and drops the running fills); how many.
    pub async fn clear(&self, region: &str) -> Result<u64, BlobError> {
        {
            let mut state = self.state();
            let running: Vec<CacheKey> = state
                .filling
                .iter()
                .filter(|k| k.region == region)
                .cloned()
                .collect();
            state.cancelled.extend(running);
        }
        let keys: Vec<CacheKey> = self
            .keys()
            .into_iter()
            .filter(|k| k.region == region)
            .collect();
        let mut removed = 0;
        for key in keys {
            if self.remove(&key).await? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Removes least recently used entries until the cache fits its limit.
    pub async fn prune(&self) -> Pruned {
        let victims = evict_over_limit(&mut self.state(), self.shared.max_size);
        self.delete_evicted(victims).await
    }

    /// Deletes the files of entries already taken out of the map.
    async fn delete_evicted(&self, victims: Vec<(CacheKey, u64)>) -> Pruned {
        let mut pruned = Pruned::default();
        for (key, size) in victims {
            let path = self.shared.layout.entry(&key);
            match blocking(move || layout::remove_file(&path)).await {
                Ok(_) => {
                    pruned.files += 1;
                    pruned.bytes += size;
                    tracing::info!(image = key.image, size, "pruned from the image cache");
                }
                Err(e) => {
                    tracing::warn!(error = %e, image = key.image, "could not prune a cache entry")
                }
            }
        }
        pruned
    }

    /// Removes temp files of fills that are not running (left by a crash or a failure); how
    /// many.
    pub async fn clean(&self) -> Result<u64, BlobError> {
        let running: Vec<CacheKey> = self.state().filling.iter().cloned().collect();
        let layout = self.shared.layout.clone();
        blocking(move || layout.remove_temp_files(&running)).await
    }

    /// Queues the image for the prefetcher (idempotent).
    pub async fn queue(&self, key: &CacheKey) -> Result<(), BlobError> {
        let layout = self.shared.layout.clone();
        let key = key.clone();
        blocking(move || layout.add_queued(&key)).await
    }

    /// Takes the image off the queue; whether it was queued.
    pub async fn dequeue(&self, key: &CacheKey) -> Result<bool, BlobError> {
        let path = self.shared.layout.queued(key);
        blocking(move || layout::remove_file(&path)).await
    }

    /// The queued images of `region` (`None`: of every region), oldest first.
    pub async fn queued(&self, region: Option<&str>) -> Result<Vec<CacheKey>, BlobError> {
        let layout = self.shared.layout.clone();
        let region = region.map(str::to_owned);
        blocking(move || layout.list_queued(region.as_deref())).await
    }

    /// Empties the queue of `region`; how many it held.
    pub async fn clear_queue(&self, region: &str) -> Result<u64, BlobError> {
        let mut removed = 0;
        for key in self.queued(Some(region)).await? {
            if self.dequeue(&key).await? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Records a verified entry that a fill has just put in place, pruning in the same step so
    /// that the cache is never seen over its limit; `false` when the image was removed while it
    /// was filled (the caller then removes the file).
    async fn admit(&self, key: &CacheKey, size: u64) -> bool {
        let now = SystemTime::now();
        let victims = {
            let mut state = self.state();
            if state.cancelled.remove(key) {
                return false;
            }
            state.entries.insert(
                key.clone(),
                Entry {
                    size,
                    hits: 0,
                    last_accessed: now,
                    last_modified: now,
                },
            );
            evict_over_limit(&mut state, self.shared.max_size)
        };
        self.delete_evicted(victims).await;
        true
    }
}

/// Takes the least recently used entries out of `state` until the rest fit `max_size`; the
/// entries taken, with their sizes.
fn evict_over_limit(state: &mut State, max_size: u64) -> Vec<(CacheKey, u64)> {
    let mut total: u64 = state.entries.values().map(|e| e.size).sum();
    let mut by_age: Vec<(CacheKey, Entry)> =
        state.entries.iter().map(|(k, e)| (k.clone(), *e)).collect();
    by_age.sort_by_key(|(_, e)| e.last_accessed);
    let mut victims = Vec::new();
    for (key, entry) in by_age {
        if total <= max_size {
            break;
        }
        total -= entry.size;
        state.entries.remove(&key);
        victims.push((key, entry.size));
    }
    victims
}

/// Runs `work` on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BlobError::join(&e))?
}

#[cfg(test)]
mod tests;
