//! What a store holds in one folder, for the sweep of leftovers: each object's key and when it
//! was last written, as a stream, so that a million objects never sit in memory at once. Names
//! that are not keys (temp files of uploads in progress, anything put there by hand) are not
//! listed.

use std::path::PathBuf;
use std::time::SystemTime;

use futures::stream::{BoxStream, StreamExt};
use tokio::sync::mpsc;

use crate::{BlobError, BlobKey};

/// One object in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: BlobKey,
    /// When its data was last written.
    pub modified: SystemTime,
}

/// Entries read ahead of the consumer.
const READ_AHEAD: usize = 256;

/// The objects in `dir` (local store), read on a blocking thread.
pub(crate) fn local(
    dir: PathBuf,
    folder: &'static str,
) -> BoxStream<'static, Result<StoredObject, BlobError>> {
    let (tx, mut rx) = mpsc::channel(READ_AHEAD);
    tokio::task::spawn_blocking(move || {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                let _ = tx.blocking_send(Err(BlobError::io("cannot list the folder", &e)));
                return;
            }
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(key) = name.to_str().and_then(|id| BlobKey::named(folder, id).ok()) else {
                continue;
            };
            let Ok(modified) = entry.metadata().and_then(|m| m.modified()) else {
                continue; // removed meanwhile
            };
            if tx
                .blocking_send(Ok(StoredObject { key, modified }))
                .is_err()
            {
                return; // the consumer stopped
            }
        }
    });
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}

/// The objects under `prefix` (S3), whose keys are `<prefix>/<folder>/<id>`.
pub(crate) fn s3(
    store: &dyn object_store::ObjectStore,
    prefix: &object_store::path::Path,
    folder: &'static str,
) -> BoxStream<'static, Result<StoredObject, BlobError>> {
    store
        .list(Some(prefix))
        .filter_map(move |item| async move {
            match item {
                Err(e) => Some(Err(BlobError::from(e))),
                Ok(meta) => {
                    let id = meta.location.filename()?;
                    let key = BlobKey::named(folder, id).ok()?;
                    Some(Ok(StoredObject {
                        key,
                        modified: SystemTime::from(meta.last_modified),
                    }))
                }
            }
        })
        .boxed()
}
