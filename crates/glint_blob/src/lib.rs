//! Image bytes: where image data lives and how it streams in and out.
//!
//! A [`BlobStore`] is opened from a URL (a folder on local disk or an S3-compatible bucket)
//! and names objects only by typed [`BlobKey`]s. Uploads stream: the body is never held in
//! memory, its size, MD5 and SHA-512 are computed on the way in, and the object becomes
//! visible only once it is complete and durable; a failed upload leaves nothing behind.
//! Downloads stream too, whole or by byte range; a node may keep whole copies in its own
//! [`DiskCache`]. This crate knows nothing of image metadata:
//! recording sizes and checksums and moving an image's status is `glint_app`'s job.

mod cache;
mod cleanup;
mod config;
mod error;
mod hashing;
mod key;
mod listing;
mod local;
mod reader;
mod s3;
mod stream;
mod upload;

use std::sync::Arc;

use bytes::Bytes;
use futures::Stream;

pub use cache::{CacheKey, CachedImage, DiskCache, Expected, Pruned};
pub use error::BlobError;
pub use hashing::measure_hash_limit;
pub use key::BlobKey;
pub use listing::StoredObject;
pub use reader::BlobReader;
pub use stream::BlobStream;

use config::StoreConfig;
use local::LocalStore;
use s3::S3Store;
use upload::Sink;

/// Watches an upload: sees every chunk, in order, before it is written, and has the last
/// word once the body has ended, before the object becomes visible. An `Err` from either
/// refuses the data and fails the upload with [`BlobError::Rejected`] carrying that message;
/// nothing is left under the key.
pub trait UploadObserver: Send {
    /// The next chunk of the body.
    fn chunk(&mut self, chunk: &[u8]) -> Result<(), String>;

    /// The body has ended; called once, after the last chunk, before the commit.
    fn end(&mut self) -> Result<(), String> {
        Ok(())
    }
}

/// A closure observes chunks and has nothing to say at the end.
impl<F> UploadObserver for F
where
    F: FnMut(&[u8]) -> Result<(), String> + Send,
{
    fn chunk(&mut self, chunk: &[u8]) -> Result<(), String> {
        self(chunk)
    }
}

/// The observer an upload is given.
pub type Observer<'a> = &'a mut dyn UploadObserver;

/// What a completed upload stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutOutcome {
    /// Bytes stored.
    pub size: u64,
    /// Lower-case hex MD5 of the data (Glance's `checksum`).
    pub md5_hex: String,
    /// Lower-case hex SHA-512 of the data (Glance's `os_hash_value`, algo `sha512`).
    pub sha512_hex: String,
}

/// Where image data lives; cheap to clone (the backend is shared).
#[derive(Clone)]
pub struct BlobStore {
    backend: Arc<Backend>,
}

enum Backend {
    Local(LocalStore),
    S3(S3Store),
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("BlobStore").field(&self.describe()).finish()
    }
}

impl BlobStore {
    /// Opens the store at `url`, checking it eagerly:
    ///
    /// - `file:///abs/path`, `file://relative/path` or a bare path: a folder on local disk,
    ///   created if missing and checked to be writable;
    /// - `s3://bucket[/folder]?endpoint=http://127.0.0.1:8333&region=us-east-1&access_key_id=…&secret_access_key=…&allow_http=true`:
    ///   an S3-compatible bucket, addressed path-style. Without `endpoint` it is AWS itself.
    ///   Parameter values may be percent-encoded. When the URL carries no keys they come from
    ///   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), and a missing
    ///   region from AWS_REGION / AWS_DEFAULT_REGION (else us-east-1). `allow_http=true` is
    ///   required for an `http://` endpoint. The bucket must answer a listing.
    ///
    /// Fails with `InvalidConfig` for a malformed URL, an unusable folder, a missing bucket or
    /// refused credentials, and with `Unavailable` when the service does not answer.
    #[tracing::instrument(skip_all)] // the URL may carry secrets
    pub async fn open(url: &str) -> Result<BlobStore, BlobError> {
        let env = |name: &str| std::env::var(name).ok();
        let backend = match config::parse(url, &env)? {
            StoreConfig::Local { path, shown } => {
                Backend::Local(LocalStore::open(path, shown).await?)
            }
            StoreConfig::S3(cfg) => Backend::S3(S3Store::open(cfg).await?),
        };
        Ok(BlobStore {
            backend: Arc::new(backend),
        })
    }

    /// Where the data lives, for logs and `check-config`, without secrets: e.g.
    /// "local disk at ./glint-data/images/DFW" or "s3://images at http://127.0.0.1:8333".
    pub fn describe(&self) -> String {
        match &*self.backend {
            Backend::Local(store) => store.describe(),
            Backend::S3(store) => store.describe(),
        }
    }

    /// Whether the data lives on this machine's disk (rather than across the network).
    pub fn is_local_disk(&self) -> bool {
        matches!(&*self.backend, Backend::Local(_))
    }

    /// Whether the store can serve now, cheaply enough for a health check polled every few
    /// seconds: on local disk, that its images folder is still there (one `stat`); on S3,
    /// that the bucket answers a HEAD of an object that need not exist (a missing object is
    /// an answer). Fails with `Unavailable` when it cannot.
    pub async fn check(&self) -> Result<(), BlobError> {
        match &*self.backend {
            Backend::Local(store) => store.check().await,
            Backend::S3(store) => {
                let probe = BlobKey::image("glint-health-probe")?;
                store.size(&probe).await.map(|_| ())
            }
        }
    }

    /// Streams `body` into `key`, returning its size, hex MD5 and hex SHA-512.
    ///
    /// The two hashes run on two blocking threads fed through bounded queues, and writes run
    /// alongside, so only a few MiB are in flight (plus, for S3, up to three 8 MiB parts).
    /// `observer`, if given, sees every chunk in order before it is written and the end of
    /// the body before the commit, and may refuse the data at either point (`Rejected`). More than `limit` bytes fail with `TooLarge` as soon as they
    /// arrive; a failing body fails with `Body`.
    ///
    /// The object appears under `key` only complete and durable (local: temp file, fsync,
    /// rename, folder fsync; S3: a single PUT, or a multipart upload completed at the end).
    /// On any failure nothing is left under `key`, and temp files or multipart uploads are
    /// removed, also when this future is dropped half-way. An existing object under `key`
    /// is replaced only by a successful upload.
    #[tracing::instrument(skip(self, body, observer), fields(store = %self.describe()))]
    pub async fn put<S, E>(
        &self,
        key: &BlobKey,
        body: S,
        limit: u64,
        observer: Option<Observer<'_>>,
    ) -> Result<PutOutcome, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: std::fmt::Display,
    {
        let sink = match &*self.backend {
            Backend::Local(store) => Sink::Local(store.begin(key).await?),
            Backend::S3(store) => Sink::S3(store.begin(key)),
        };
        upload::run(sink, body, limit, observer).await
    }

    /// Removes what an upload to `key` cut short by a crash left behind (local: its temp files),
    /// returning how many pieces it removed. Only call it when no upload to `key` can be
    /// running. On S3 an interrupted multipart upload is left to the bucket's
    /// AbortIncompleteMultipartUpload lifecycle rule.
    pub async fn discard_partial(&self, key: &BlobKey) -> Result<u32, BlobError> {
        match &*self.backend {
            Backend::Local(store) => store.discard_partial(key).await,
            Backend::S3(_) => Ok(0),
        }
    }

    /// Streams the object out in chunks with bounded memory: all of it, or the inclusive
    /// byte range `start..=end` (an end past the object is clamped). Fails with `NotFound`
    /// or, for a range starting past the end, `RangeNotSatisfiable`.
    #[tracing::instrument(skip(self), fields(store = %self.describe()))]
    pub async fn get(
        &self,
        key: &BlobKey,
        range: Option<(u64, u64)>,
    ) -> Result<BlobStream, BlobError> {
        match &*self.backend {
            Backend::Local(store) => store.get(key, range).await,
            Backend::S3(store) => store.get(key, range).await,
        }
    }

    /// The object opened for `Read + Seek` from blocking code (see [`BlobReader`]); fails with
    /// `NotFound` if there is none under `key`.
    #[tracing::instrument(skip(self), fields(store = %self.describe()))]
    pub async fn reader(&self, key: &BlobKey) -> Result<BlobReader, BlobError> {
        match &*self.backend {
            Backend::Local(store) => BlobReader::file(store.path(key)).await,
            Backend::S3(store) => BlobReader::ranged(store.object_store(), store.path(key)).await,
        }
    }

    /// The object's size, or `None` if there is none under `key`.
    #[tracing::instrument(skip(self), fields(store = %self.describe()))]
    pub async fn size(&self, key: &BlobKey) -> Result<Option<u64>, BlobError> {
        match &*self.backend {
            Backend::Local(store) => store.size(key).await,
            Backend::S3(store) => store.size(key).await,
        }
    }

    /// Deletes the object; deleting a missing object succeeds.
    #[tracing::instrument(skip(self), fields(store = %self.describe()))]
    pub async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match &*self.backend {
            Backend::Local(store) => store.delete(key).await,
            Backend::S3(store) => store.delete(key).await,
        }
    }

    /// Waits until the clean-up of uploads dropped half-way (their request was cancelled) is
    /// done: on S3 their multipart uploads are aborted in the background. Call it before the
    /// runtime shuts down; local disk cleans up at once, so there it returns immediately.
    pub async fn settle(&self) {
        match &*self.backend {
            Backend::Local(_) => {}
            Backend::S3(store) => store.settle().await,
        }
    }

    /// Copies `from` to `to` inside the store, as crash-safely as an upload (local: temp file,
    /// fsync, rename; S3: a server-side copy). Fails with `NotFound` if `from` is missing.
    #[tracing::instrument(skip(self), fields(store = %self.describe()))]
    pub async fn copy(&self, from: &BlobKey, to: &BlobKey) -> Result<(), BlobError> {
        match &*self.backend {
            Backend::Local(store) => store.copy(from, to).await,
            Backend::S3(store) => store.copy(from, to).await,
        }
    }

    /// Every object in `folder` (one of [`BlobKey::FOLDERS`]), in no particular order.
    pub fn list(
        &self,
        folder: &'static str,
    ) -> futures::stream::BoxStream<'static, Result<StoredObject, BlobError>> {
        match &*self.backend {
            Backend::Local(store) => listing::local(store.folder_path(folder), folder),
            Backend::S3(store) => {
                let prefix = store.folder_prefix(folder);
                listing::s3(store.object_store().as_ref(), &prefix, folder)
            }
        }
    }
}
