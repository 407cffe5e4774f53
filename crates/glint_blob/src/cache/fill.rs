//! Filling the cache: the image's bytes, as they stream out of its store, are written to a temp
//! file beside the entry and hashed on a blocking thread; only when the stream ended with
//! exactly the image's size, MD5 and SHA-512 is the file synced and renamed into place. A fill
//! cut short (the client hung up, the store failed) or with other bytes leaves nothing. Only
//! one fill per image runs at a time; a download that finds one running is not cached again.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use bytes::Bytes;
use futures::StreamExt;
use md5::{Digest, Md5};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::layout::remove_file;
use super::{CacheKey, DiskCache, blocking};
use crate::hashing::hex;
use crate::local::temp_file::{TempFile, publish};
use crate::{BlobError, BlobStream};

/// Chunks queued for the writer thread.
const WRITE_DEPTH: usize = 16;

/// What the image record says the data is; a fill whose bytes differ is dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub size: u64,
    /// Lower-case hex MD5.
    pub md5_hex: String,
    /// Lower-case hex SHA-512, when the record has one.
    pub sha512_hex: Option<String>,
}

/// A fill just started: where its chunks go (drop it at the end) and its outcome.
type Started = (mpsc::Sender<Bytes>, JoinHandle<Result<(), BlobError>>);

/// Forgets the running fill of a key when the fill ends, however it ends.
struct Running {
    cache: DiskCache,
    key: CacheKey,
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut state = self.cache.state();
        state.filling.remove(&self.key);
        state.cancelled.remove(&self.key);
    }
}

impl DiskCache {
    /// `stream` (a whole image being served from its store), also filling the cache on the
    /// way: when it is not cached yet, no fill of it runs, and it fits the cache. Otherwise
    /// `stream` unchanged.
    pub fn tee(&self, key: &CacheKey, stream: BlobStream, expected: Expected) -> BlobStream {
        let whole = stream.range() == (0..stream.object_size());
        if !whole || stream.object_size() != expected.size {
            return stream;
        }
        let Some((tx, _done)) = self.begin(key, expected) else {
            return stream;
        };
        let (size, range) = (stream.object_size(), stream.range());
        let teed = futures::stream::unfold(
            (stream.into_inner(), Some(tx)),
            |(mut inner, mut tx)| async move {
                let item = inner.next().await?;
                match &item {
                    Ok(chunk) => {
                        if let Some(sender) = &tx
                            && sender.send(chunk.clone()).await.is_err()
                        {
                            tx = None;
                        }
                    }
                    // The fill sees a short stream and drops its temp file.
                    Err(_) => tx = None,
                }
                Some((item, (inner, tx)))
            },
        );
        BlobStream::new(teed.boxed(), size, range)
    }

    /// Fills the cache with `stream` (the whole image) and waits until the entry is in place;
    /// `Ok(false)` when another fill of it runs or it does not fit the cache.
    pub async fn fill(
        &self,
        key: &CacheKey,
        stream: BlobStream,
        expected: Expected,
    ) -> Result<bool, BlobError> {
        let Some((tx, done)) = self.begin(key, expected) else {
            return Ok(false);
        };
        let mut chunks = stream.into_inner();
        while let Some(chunk) = chunks.next().await {
            if tx.send(chunk?).await.is_err() {
                break;
            }
        }
        drop(tx);
        done.await.map_err(|e| BlobError::join(&e))??;
        Ok(true)
    }

    /// Starts a fill of `key` unless it is cached, being filled, or larger than the cache:
    /// the sender of its chunks (drop it at the end) and the fill's outcome.
    fn begin(&self, key: &CacheKey, expected: Expected) -> Option<Started> {
        if expected.size > self.shared.max_size {
            return None;
        }
        {
            let mut state = self.state();
            if state.entries.contains_key(key) || !state.filling.insert(key.clone()) {
                return None;
            }
        }
        let running = Running {
            cache: self.clone(),
            key: key.clone(),
        };
        let (tx, rx) = mpsc::channel(WRITE_DEPTH);
        let (dest, temp) = (self.shared.layout.entry(key), self.shared.layout.temp(key));
        let cache = self.clone();
        let done = tokio::spawn(async move {
            let written =
                tokio::task::spawn_blocking(move || write(rx, &temp, &dest, &expected)).await;
            let outcome = written.map_err(|e| BlobError::join(&e)).and_then(|r| r);
            match outcome {
                Ok(size) => {
                    // Cached now, so no longer queued (before it is listed as cached).
                    let marker = cache.shared.layout.queued(&running.key);
                    blocking(move || remove_file(&marker)).await?;
                    if cache.admit(&running.key, size).await {
                        tracing::info!(image = running.key.image, size, "image cached");
                    } else {
                        let path = cache.shared.layout.entry(&running.key);
                        blocking(move || remove_file(&path)).await?;
                    }
                    Ok(())
                }
                Err(e) => {
                    tracing::info!(image = running.key.image, error = %e, "image not cached");
                    Err(e)
                }
            }
        });
        Some((tx, done))
    }
}

/// Writes the chunks to `temp`, checks them against `expected` and renames the file to `dest`;
/// the size written.
fn write(
    mut rx: mpsc::Receiver<Bytes>,
    temp: &Path,
    dest: &Path,
    expected: &Expected,
) -> Result<u64, BlobError> {
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| BlobError::io("cannot create the cache folder", &e))?;
    }
    let mut file = File::create_new(temp).map_err(|e| BlobError::io("cannot create", &e))?;
    let mut guard = TempFile {
        path: Some(temp.to_path_buf()),
    };
    let (mut md5, mut sha512) = (
        Md5::new(),
        ring::digest::Context::new(&ring::digest::SHA512),
    );
    let mut size: u64 = 0;
    while let Some(chunk) = rx.blocking_recv() {
        size += chunk.len() as u64;
        if size > expected.size {
            return Err(BlobError::Rejected("more bytes than the image has".into()));
        }
        file.write_all(&chunk)
            .map_err(|e| BlobError::io("cannot write the cache file", &e))?;
        Digest::update(&mut md5, &chunk);
        sha512.update(&chunk);
    }
    if size != expected.size {
        return Err(BlobError::Rejected(format!(
            "{size} of {} bytes arrived",
            expected.size
        )));
    }
    let md5_hex = hex(&md5.finalize());
    let sha512_hex = hex(sha512.finish().as_ref());
    if md5_hex != expected.md5_hex
        || expected
            .sha512_hex
            .as_ref()
            .is_some_and(|h| *h != sha512_hex)
    {
        return Err(BlobError::Rejected(
            "the bytes do not match the image's checksums".into(),
        ));
    }
    file.sync_all()
        .map_err(|e| BlobError::io("cannot sync the cache file", &e))?;
    drop(file);
    publish(&mut guard, dest)?;
    Ok(size)
}
