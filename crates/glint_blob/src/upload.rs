//! The upload pipeline shared by every backend: pulls the body, enforces the size limit, shows
//! each chunk and the end of the body to the observer, groups chunks into batches and hands
//! every batch both to the hashers and to the backend's sink. The sink makes the object visible only on `commit`; on
//! any failure the pipeline aborts the sink, so nothing is left under the key.

use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt};

use crate::hashing::{Batch, Hashers};
use crate::local::LocalSink;
use crate::s3::S3Sink;
use crate::{BlobError, Observer, PutOutcome};

/// Chunks are grouped into batches of at least this many bytes, so that the threads behind
/// the queues wake once per batch rather than once per (often 16 KiB) network chunk.
const BATCH_BYTES: usize = 256 * 1024;

/// What an upload is written into; the object appears under its key only on `commit`.
pub(crate) enum Sink {
    Local(LocalSink),
    S3(S3Sink),
}

impl Sink {
    async fn write(&mut self, batch: Batch) -> Result<(), BlobError> {
        match self {
            Sink::Local(sink) => sink.write(batch).await,
            Sink::S3(sink) => sink.write(&batch).await,
        }
    }

    /// Makes the object visible and durable; cleans up after itself if that fails.
    async fn commit(self) -> Result<(), BlobError> {
        match self {
            Sink::Local(sink) => sink.commit().await,
            Sink::S3(sink) => sink.commit().await,
        }
    }

    /// Throws away everything written so far.
    async fn abort(self) {
        match self {
            Sink::Local(sink) => sink.abort().await,
            Sink::S3(sink) => sink.abort().await,
        }
    }
}

/// Collects chunks until a batch is big enough.
#[derive(Default)]
struct Batcher {
    chunks: Vec<Bytes>,
    len: usize,
}

impl Batcher {
    /// Adds `chunk`; returns a batch once enough bytes are collected.
    fn push(&mut self, chunk: Bytes) -> Option<Batch> {
        self.len += chunk.len();
        self.chunks.push(chunk);
        if self.len >= BATCH_BYTES {
            self.take()
        } else {
            None
        }
    }

    /// Whatever is collected, if anything.
    fn take(&mut self) -> Option<Batch> {
        if self.chunks.is_empty() {
            return None;
        }
        self.len = 0;
        Some(Arc::from(std::mem::take(&mut self.chunks)))
    }
}

/// Streams `body` into `sink`, hashing on the way; commits on success, aborts on failure.
pub(crate) async fn run<S, E>(
    mut sink: Sink,
    body: S,
    limit: u64,
    observer: Option<Observer<'_>>,
) -> Result<PutOutcome, BlobError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
    E: std::fmt::Display,
{
    let mut hashers = Hashers::start();
    let pumped = pump(&mut sink, &mut hashers, body, limit, observer).await;
    let hashed = match pumped {
        Ok(size) => hashers.finish().await.map(|hashes| (size, hashes)),
        Err(err) => Err(err),
    };
    match hashed {
        Ok((size, (md5_hex, sha512_hex))) => {
            sink.commit().await?;
            Ok(PutOutcome {
                size,
                md5_hex,
                sha512_hex,
            })
        }
        Err(err) => {
            sink.abort().await;
            Err(err)
        }
    }
}

/// Moves the whole body through the hashers into the sink; returns its size.
async fn pump<S, E>(
    sink: &mut Sink,
    hashers: &mut Hashers,
    mut body: S,
    limit: u64,
    mut observer: Option<Observer<'_>>,
) -> Result<u64, BlobError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
    E: std::fmt::Display,
{
    let mut size: u64 = 0;
    let mut batcher = Batcher::default();
    loop {
        let chunk = match body.next().await {
            None => break,
            Some(Ok(chunk)) => chunk,
            Some(Err(err)) => return Err(BlobError::Body(err.to_string())),
        };
        if chunk.is_empty() {
            continue;
        }
        size = u64::try_from(chunk.len())
            .ok()
            .and_then(|len| size.checked_add(len))
            .filter(|total| *total <= limit)
            .ok_or(BlobError::TooLarge { limit })?;
        if let Some(observe) = observer.as_mut() {
            observe.chunk(&chunk).map_err(BlobError::Rejected)?;
        }
        if let Some(batch) = batcher.push(chunk) {
            hashers.feed(&batch).await?;
            sink.write(batch).await?;
        }
    }
    if let Some(batch) = batcher.take() {
        hashers.feed(&batch).await?;
        sink.write(batch).await?;
    }
    if let Some(observe) = observer.as_mut() {
        observe.end().map_err(BlobError::Rejected)?;
    }
    Ok(size)
}
