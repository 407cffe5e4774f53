//! Receiving image data: the part that upload and stage share. It claims the image for this
//! node, streams the body into the store while telling the store layer it is alive, and maps
//! the store's failures onto the API's errors. An upload cut by a crash is retried after the
//! node's restart (its claims are dropped) or, on another node, once its heartbeat is stale.

use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use glint_blob::{BlobError, BlobKey, BlobStore, PutOutcome};
use glint_core::image::{Image, ImageStatus};
use glint_core::{Error, Result, Timestamp};
use glint_db::{Db, images};

use super::format_check::FormatCheck;

/// How often a node receiving data says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(10);

/// Maps a store failure onto the API's errors; details of store faults go to the log only.
pub(crate) fn store_error(e: BlobError, cap: u64) -> Error {
    match e {
        BlobError::TooLarge { .. } => {
            Error::QuotaExceeded(format!("Image exceeds the size limit of {cap} bytes"))
        }
        BlobError::Body(msg) => Error::InvalidInput(format!("The image data was cut short: {msg}")),
        BlobError::Rejected(msg) => Error::UnsupportedMediaType(msg),
        BlobError::NotFound => {
            Error::Unavailable("The image data is missing from its store".into())
        }
        BlobError::RangeNotSatisfiable { size } => Error::RangeNotSatisfiable(format!(
            "The requested range is outside the image's {size} bytes"
        )),
        BlobError::Full(detail) => {
            tracing::error!(%detail, "image store full");
            Error::QuotaExceeded(format!("Image storage media is full: {detail}"))
        }
        BlobError::Unavailable(detail) => {
            tracing::error!(%detail, "image store unavailable");
            Error::Unavailable("The image store is unavailable; try again later.".into())
        }
        other @ (BlobError::InvalidConfig(_) | BlobError::InvalidKey(_)) => {
            Error::Internal(other.to_string())
        }
    }
}

/// A claim on an image for receiving its data.
pub(crate) struct Claim<'a> {
    pub db: &'a Db,
    pub node: &'a str,
    pub lease: Duration,
}

impl Claim<'_> {
    /// Moves `image` from `from` to `to` for this node; `StateConflict` if another request
    /// holds it or its status does not allow it.
    pub(crate) async fn take(
        &self,
        image: &Image,
        from: ImageStatus,
        to: ImageStatus,
    ) -> Result<()> {
        let to = image.status.begin_receiving(to)?;
        let lease = i64::try_from(self.lease.as_secs()).unwrap_or(i64::MAX);
        let stale_before = Timestamp::now().plus_seconds(-lease);
        if images::begin_upload(self.db, &image.id, from, to, self.node, stale_before).await? {
            Ok(())
        } else {
            Err(image.status.refusal(to))
        }
    }

    /// Streams `body` into `key` through the format check while keeping the claim alive.
    pub(crate) async fn receive<S, E>(
        &self,
        image: &Image,
        store: &BlobStore,
        key: &BlobKey,
        body: S,
        cap: u64,
        check: &mut FormatCheck,
    ) -> Result<PutOutcome>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: std::fmt::Display,
    {
        let beat = {
            let (db, id, node) = (self.db.clone(), image.id.clone(), self.node.to_owned());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(HEARTBEAT);
                every.tick().await;
                loop {
                    every.tick().await;
                    if let Err(e) = images::upload_heartbeat(&db, &id, &node).await {
                        tracing::warn!(error = %e, "upload heartbeat failed");
                    }
                }
            })
        };
        let outcome = store.put(key, body, cap, Some(check)).await;
        beat.abort();
        outcome.map_err(|e| store_error(e, cap))
    }

    /// Puts the image back to `queued` after a failed receive, if it is still ours in `status`.
    pub(crate) async fn release(&self, image: &Image, status: ImageStatus) {
        let released = images::modify(self.db, &image.id, |current| {
            if current.status != status {
                return Ok(false);
            }
            current.status = status.transition(ImageStatus::Queued)?;
            current.size = None;
            current.virtual_size = None;
            current.updated_at = Timestamp::now();
            Ok(true)
        })
        .await;
        match released {
            Ok(_) | Err(Error::NotFound { .. }) => {}
            Err(e) => {
                tracing::warn!(error = %e, image = %image.id, "could not put the image back to queued");
            }
        }
        if let Err(e) = images::end_upload(self.db, &image.id).await {
            tracing::warn!(error = %e, image = %image.id, "could not clear the upload claim");
        }
    }
}
