//! Objects in an S3-compatible bucket (AWS, SeaweedFS, Ceph RGW, …) through object_store,
//! addressed path-style. Uploads of up to one part are a single PUT; larger ones are multipart
//! uploads with a few parts in flight, completed at the end and aborted on failure, so an
//! object is either absent or complete.

use std::sync::{Arc, Once};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{
    ClientOptions, CopyOptions, GetOptions, GetRange, MultipartUpload, ObjectStore, ObjectStoreExt,
    PutMultipartOptions, PutOptions, PutPayloadMut, RetryConfig,
};
use tokio::task::JoinSet;

use crate::cleanup::Cleanups;
use crate::config::S3Config;
use crate::hashing::Batch;
use crate::stream::{BlobStream, resolve_range};
use crate::{BlobError, BlobKey};

/// Size of a multipart upload's parts (S3 wants at least 5 MiB but the last).
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts uploaded at once; with the part being filled this bounds an upload's buffers to
/// (PARTS_IN_FLIGHT + 1) × PART_SIZE.
const PARTS_IN_FLIGHT: usize = 2;
/// S3 copies larger objects than this only part by part; such copies stream through Glint.
const MAX_COPY_OBJECT: u64 = 5 * 1024 * 1024 * 1024;
/// Answers to `open`'s check that mean the settings are wrong rather than the service down.
const REFUSALS: [&str; 5] = [
    "NoSuchBucket",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "403 Forbidden",
    "401 Unauthorized",
];
/// How long `open` waits for the bucket to answer.
const OPEN_TIMEOUT: Duration = Duration::from_secs(20);

/// A bucket (and optional folder in it) of an S3-compatible service.
pub(crate) struct S3Store {
    store: Arc<dyn ObjectStore>,
    prefix: Option<String>,
    shown: String,
    cleanups: Arc<Cleanups>,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("at", &self.shown)
            .finish_non_exhaustive()
    }
}

/// Installs ring as rustls' process-wide crypto provider (the lite build has no other).
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl S3Store {
    /// Builds the client and checks that the bucket answers with these credentials.
    pub(crate) async fn open(cfg: S3Config) -> Result<Self, BlobError> {
        install_crypto_provider();
        // No overall request timeout: a download to a slow client may rightly take hours.
        // Stalls are caught by the connect and read timeouts instead.
        let client = ClientOptions::new()
            .with_allow_http(cfg.allow_http)
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout_disabled()
            .with_read_timeout(Duration::from_secs(60));
        let retry = RetryConfig {
            max_retries: 4,
            retry_timeout: Duration::from_secs(60),
            ..RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&cfg.bucket)
            .with_region(&cfg.region)
            .with_access_key_id(&cfg.access_key_id)
            .with_secret_access_key(&cfg.secret_access_key)
            .with_allow_http(cfg.allow_http)
            .with_virtual_hosted_style_request(false)
            .with_client_options(client)
            .with_retry(retry);
        if let Some(endpoint) = &cfg.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(token) = &cfg.session_token {
            builder = builder.with_token(token);
        }
        let store = builder
            .build()
            .map_err(|e| BlobError::InvalidConfig(format!("s3 store: {e}")))?;
        let store = S3Store {
            store: Arc::new(store),
            prefix: cfg.prefix.clone(),
            shown: cfg.describe(),
            cleanups: Arc::default(),
        };
        store.check().await?;
        Ok(store)
    }

    /// Lists a folder that holds nothing: cheap, and fails if the bucket is missing, the
    /// credentials are wrong or the service is down.
    async fn check(&self) -> Result<(), BlobError> {
        let probe = self.prefixed("glint-open-check/");
        let listing = async {
            let mut list = self.store.list(Some(&probe));
            list.next().await.transpose()
        };
        match tokio::time::timeout(OPEN_TIMEOUT, listing).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                let detail = e.to_string();
                if REFUSALS.iter().any(|r| detail.contains(r)) {
                    Err(BlobError::InvalidConfig(format!(
                        "{} refused access (check the bucket and credentials): {detail}",
                        self.shown
                    )))
                } else {
                    Err(BlobError::Unavailable(format!(
                        "{} does not answer: {detail}",
                        self.shown
                    )))
                }
            }
            Err(_) => Err(BlobError::Unavailable(format!(
                "{} did not answer within {} s",
                self.shown,
                OPEN_TIMEOUT.as_secs()
            ))),
        }
    }

    pub(crate) fn describe(&self) -> String {
        self.shown.clone()
    }

    /// Waits for the aborts of uploads that were dropped half-way.
    pub(crate) async fn settle(&self) {
        self.cleanups.settle().await;
    }

    fn prefixed(&self, rest: &str) -> Path {
        match &self.prefix {
            Some(prefix) => Path::from(format!("{prefix}/{rest}")),
            None => Path::from(rest),
        }
    }

    pub(crate) fn object_store(&self) -> Arc<dyn ObjectStore> {
        Arc::clone(&self.store)
    }

    /// The prefix of one kind of object.
    pub(crate) fn folder_prefix(&self, folder: &str) -> Path {
        self.prefixed(folder)
    }

    pub(crate) fn path(&self, key: &BlobKey) -> Path {
        self.prefixed(key.as_str())
    }

    /// Starts an upload to `key`; nothing is sent until the first part is full.
    pub(crate) fn begin(&self, key: &BlobKey) -> S3Sink {
        S3Sink {
            store: Arc::clone(&self.store),
            path: self.path(key),
            buffer: PutPayloadMut::new(),
            upload: None,
            parts: JoinSet::new(),
            cleanups: Arc::clone(&self.cleanups),
        }
    }

    pub(crate) async fn get(
        &self,
        key: &BlobKey,
        range: Option<(u64, u64)>,
    ) -> Result<BlobStream, BlobError> {
        let path = self.path(key);
        let mut options = GetOptions::default();
        if range.is_some() {
            // Ranges are resolved against the size first, so that a range past the end is
            // answered the same way on every backend; the read then pins that version.
            let meta = self.store.head(&path).await?;
            let span = resolve_range(meta.size, range)?;
            options.range = Some(GetRange::Bounded(span));
            options.if_match = meta.e_tag;
        }
        let result = self.store.get_opts(&path, options).await?;
        let (size, span) = (result.meta.size, result.range.clone());
        let chunks = result.into_stream().map_err(BlobError::from);
        Ok(BlobStream::new(chunks.boxed(), size, span))
    }

    pub(crate) async fn size(&self, key: &BlobKey) -> Result<Option<u64>, BlobError> {
        match self.store.head(&self.path(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// A server-side copy (CopyObject); objects over 5 GiB, which CopyObject refuses, are
    /// streamed through this process instead, with bounded memory.
    pub(crate) async fn copy(&self, from: &BlobKey, to: &BlobKey) -> Result<(), BlobError> {
        let (src, dest) = (self.path(from), self.path(to));
        let size = self.store.head(&src).await?.size;
        if size <= MAX_COPY_OBJECT {
            return Ok(self
                .store
                .copy_opts(&src, &dest, CopyOptions::default())
                .await?);
        }
        let body = self.get(from, None).await?;
        crate::upload::run(
            crate::upload::Sink::S3(self.begin(to)),
            body,
            u64::MAX,
            None,
        )
        .await
        .map(|_| ())
    }
}

/// An upload in progress: fills parts, uploads a few at a time, completes or aborts.
pub(crate) struct S3Sink {
    store: Arc<dyn ObjectStore>,
    path: Path,
    buffer: PutPayloadMut,
    upload: Option<Box<dyn MultipartUpload>>,
    parts: JoinSet<object_store::Result<()>>,
    cleanups: Arc<Cleanups>,
}

impl S3Sink {
    pub(crate) async fn write(&mut self, batch: &Batch) -> Result<(), BlobError> {
        for chunk in batch.iter() {
            self.buffer.push(chunk.clone());
        }
        if self.buffer.content_length() >= PART_SIZE {
            self.send_part().await?;
        }
        Ok(())
    }

    /// Uploads the buffer as the next part, after waiting for room among the parts in flight.
    async fn send_part(&mut self) -> Result<(), BlobError> {
        while self.parts.len() >= PARTS_IN_FLIGHT {
            self.join_one().await?;
        }
        let upload = match &mut self.upload {
            Some(upload) => upload,
            None => self.upload.insert(
                self.store
                    .put_multipart_opts(&self.path, PutMultipartOptions::default())
                    .await?,
            ),
        };
        let part = std::mem::take(&mut self.buffer).freeze();
        self.parts.spawn(upload.put_part(part));
        Ok(())
    }

    /// Waits for one part in flight and reports its failure.
    async fn join_one(&mut self) -> Result<(), BlobError> {
        match self.parts.join_next().await {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(e.into()),
            Some(Err(e)) => Err(BlobError::join(&e)),
        }
    }

    pub(crate) async fn commit(mut self) -> Result<(), BlobError> {
        if self.upload.is_none() {
            let payload = std::mem::take(&mut self.buffer).freeze();
            self.store
                .put_opts(&self.path, payload, PutOptions::default())
                .await?;
            return Ok(());
        }
        let result = self.complete().await;
        if result.is_err() {
            self.abort_upload().await;
        }
        result
    }

    async fn complete(&mut self) -> Result<(), BlobError> {
        if !self.buffer.is_empty() {
            self.send_part().await?;
        }
        while !self.parts.is_empty() {
            self.join_one().await?;
        }
        match &mut self.upload {
            Some(upload) => upload.complete().await?,
            None => {
                return Err(BlobError::Unavailable(
                    "the multipart upload is gone".into(),
                ));
            }
        };
        self.upload = None;
        Ok(())
    }

    pub(crate) async fn abort(mut self) {
        self.abort_upload().await;
    }

    /// Stops the parts in flight, then aborts the multipart upload so its parts are freed.
    async fn abort_upload(&mut self) {
        self.parts.shutdown().await;
        if let Some(mut upload) = self.upload.take()
            && let Err(err) = upload.abort().await
        {
            tracing::warn!(path = %self.path, error = %err, "could not abort a multipart upload");
        }
    }
}

impl Drop for S3Sink {
    /// An upload dropped half-way (its request was cancelled) is aborted in the background.
    fn drop(&mut self) {
        let Some(mut upload) = self.upload.take() else {
            return;
        };
        let mut parts = std::mem::take(&mut self.parts);
        let path = self.path.clone();
        self.cleanups.spawn(async move {
            parts.shutdown().await;
            if let Err(err) = upload.abort().await {
                tracing::warn!(path = %path, error = %err, "could not abort a multipart upload");
            }
        });
    }
}
