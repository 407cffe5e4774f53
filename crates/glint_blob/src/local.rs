//! Objects as files in a folder on local disk, written crash-safely: data goes to a temp file
//! in the object's folder, is fsynced, renamed over the final name, and the folder is fsynced,
//! so an object is either absent or complete, even across a power cut. All file work runs on
//! blocking threads (std::fs) so fsync means what it says.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::hashing::Batch;
use crate::stream::{BlobStream, READ_CHUNK, resolve_range};
use crate::{BlobError, BlobKey};

pub(crate) mod temp_file;

use temp_file::{TempFile, publish, remove_stale_temp_files, sync_dir, temp_path};

/// Batches queued for the writer thread.
const WRITE_DEPTH: usize = 16;
/// Bytes written between two flushes of an upload's temp file; the queue above holds the
/// batches that arrive while a flush of this much runs.
const FLUSH_EVERY: usize = 16 * 1024 * 1024;
/// A store rooted at a folder; objects live at `<root>/<folder>/<id>`.
#[derive(Debug)]
pub(crate) struct LocalStore {
    root: PathBuf,
    shown: String,
}

/// Runs `work` on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BlobError::join(&e))?
}

impl LocalStore {
    /// Creates the root and the key folders if needed and checks that files can be written.
    pub(crate) async fn open(root: PathBuf, shown: String) -> Result<Self, BlobError> {
        let store = LocalStore { root, shown };
        let root = store.root.clone();
        blocking(move || {
            let fail = |what: &str, e: io::Error| {
                BlobError::InvalidConfig(format!("{what} {}: {e}", root.display()))
            };
            fs::create_dir_all(&root).map_err(|e| fail("cannot create the folder", e))?;
            for folder in BlobKey::FOLDERS {
                let dir = root.join(folder);
                if !dir.is_dir() {
                    fs::create_dir(&dir).map_err(|e| fail("cannot create a folder in", e))?;
                    sync_dir(&root).map_err(|e| fail("cannot sync the folder", e))?;
                }
            }
            for folder in BlobKey::FOLDERS {
                remove_stale_temp_files(&root.join(folder));
            }
            let probe = TempFile {
                path: Some(temp_path(&root.join(BlobKey::FOLDERS[0]).join("probe"))),
            };
            if let Some(path) = probe.path() {
                File::create_new(path).map_err(|e| fail("cannot write files in", e))?;
            }
            Ok(())
        })
        .await?;
        Ok(store)
    }

    pub(crate) fn describe(&self) -> String {
        format!("local disk at {}", self.shown)
    }

    /// `Unavailable` unless the images folder is a folder (a disk unmounted or a folder
    /// removed under the running server).
    pub(crate) async fn check(&self) -> Result<(), BlobError> {
        let folder = self.root.join(BlobKey::FOLDERS[0]);
        match tokio::fs::metadata(&folder).await {
            Ok(meta) if meta.is_dir() => Ok(()),
            Ok(_) => Err(BlobError::Unavailable(format!(
                "{} is not a folder",
                folder.display()
            ))),
            Err(e) => Err(BlobError::Unavailable(format!("{}: {e}", folder.display()))),
        }
    }

    /// Removes the temp files of uploads to `key` that a crash cut short; only call it when no
    /// upload to `key` can be running.
    pub(crate) async fn discard_partial(&self, key: &BlobKey) -> Result<u32, BlobError> {
        let dest = self.path(key);
        blocking(move || {
            let (Some(dir), Some(name)) = (dest.parent(), dest.file_name()) else {
                return Ok(0);
            };
            let prefix = format!(".{}.", name.to_string_lossy());
            let mut removed = 0;
            let Ok(entries) = fs::read_dir(dir) else {
                return Ok(0);
            };
            for entry in entries.flatten() {
                let file = entry.file_name();
                let file = file.to_string_lossy();
                if file.starts_with(&prefix) && file.ends_with(".tmp") {
                    fs::remove_file(entry.path())
                        .map_err(|e| BlobError::io("cannot remove a temp file", &e))?;
                    removed += 1;
                }
            }
            if removed > 0 {
                sync_dir(dir).map_err(|e| BlobError::io("cannot sync the folder", &e))?;
            }
            Ok(removed)
        })
        .await
    }

    /// The folder of one kind of object.
    pub(crate) fn folder_path(&self, folder: &str) -> PathBuf {
        self.root.join(folder)
    }

    pub(crate) fn path(&self, key: &BlobKey) -> PathBuf {
        self.root.join(key.folder()).join(key.id())
    }

    /// Starts an upload to `key`: a temp file and a thread that writes batches into it.
    pub(crate) async fn begin(&self, key: &BlobKey) -> Result<LocalSink, BlobError> {
        let dest = self.path(key);
        let temp_at = temp_path(&dest);
        let (file, temp) = {
            let dest = dest.clone();
            blocking(move || {
                if let Some(dir) = dest.parent() {
                    fs::create_dir_all(dir)
                        .map_err(|e| BlobError::io("cannot create the folder", &e))?;
                }
                let file = File::create_new(&temp_at)
                    .map_err(|e| BlobError::io("cannot create a temp file", &e))?;
                Ok((
                    file,
                    TempFile {
                        path: Some(temp_at),
                    },
                ))
            })
            .await?
        };
        let (tx, mut rx) = mpsc::channel::<Batch>(WRITE_DEPTH);
        let writer = tokio::task::spawn_blocking(move || {
            let mut file = file;
            let mut unflushed = 0_usize;
            while let Some(batch) = rx.blocking_recv() {
                for chunk in batch.iter() {
                    file.write_all(chunk)?;
                    unflushed += chunk.len();
                }
                // Write-behind: flush as the data comes, so that the commit's fsync finds
                // little left to do and the upload's end does not wait for the whole file.
                if unflushed >= FLUSH_EVERY {
                    file.sync_data()?;
                    unflushed = 0;
                }
            }
            Ok(file)
        });
        Ok(LocalSink {
            tx: Some(tx),
            writer: Some(writer),
            temp: Some(temp),
            dest,
        })
    }

    pub(crate) async fn get(
        &self,
        key: &BlobKey,
        range: Option<(u64, u64)>,
    ) -> Result<BlobStream, BlobError> {
        read_file(self.path(key), range).await
    }

    pub(crate) async fn size(&self, key: &BlobKey) -> Result<Option<u64>, BlobError> {
        let path = self.path(key);
        blocking(move || match fs::metadata(&path) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BlobError::io("cannot stat the data", &e)),
        })
        .await
    }

    pub(crate) async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        let path = self.path(key);
        blocking(move || {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(BlobError::io("cannot delete the data", &e)),
            }
            let dir = path.parent().unwrap_or(Path::new("."));
            sync_dir(dir).map_err(|e| BlobError::io("cannot sync the folder", &e))
        })
        .await
    }

    /// Copies through a temp file in the destination's folder (the kernel may share extents
    /// via copy_file_range), then fsync, rename and folder fsync as for an upload.
    pub(crate) async fn copy(&self, from: &BlobKey, to: &BlobKey) -> Result<(), BlobError> {
        let (src, dest) = (self.path(from), self.path(to));
        blocking(move || {
            let mut source =
                File::open(&src).map_err(|e| not_found_or(&e, "cannot open the data"))?;
            if let Some(dir) = dest.parent() {
                fs::create_dir_all(dir)
                    .map_err(|e| BlobError::io("cannot create the folder", &e))?;
            }
            let mut temp = TempFile {
                path: Some(temp_path(&dest)),
            };
            let temp_at = temp.path().map(Path::to_path_buf).unwrap_or_default();
            let mut target = File::create_new(&temp_at)
                .map_err(|e| BlobError::io("cannot create a temp file", &e))?;
            io::copy(&mut source, &mut target)
                .map_err(|e| BlobError::io("cannot copy the data", &e))?;
            target
                .sync_all()
                .map_err(|e| BlobError::io("cannot sync the copy", &e))?;
            drop(target);
            publish(&mut temp, &dest)
        })
        .await
    }
}

/// Streams the file at `path` out, all of it or the inclusive byte range `start..=end`.
pub(crate) async fn read_file(
    path: PathBuf,
    range: Option<(u64, u64)>,
) -> Result<BlobStream, BlobError> {
    let (file, size, span) = blocking(move || {
        let mut file = File::open(&path).map_err(|e| not_found_or(&e, "cannot open the data"))?;
        let size = file
            .metadata()
            .map_err(|e| BlobError::io("cannot stat the data", &e))?
            .len();
        let span = resolve_range(size, range)?;
        file.seek(SeekFrom::Start(span.start))
            .map_err(|e| BlobError::io("cannot seek in the data", &e))?;
        Ok((file, size, span))
    })
    .await?;
    let left = span.end - span.start;
    let chunks = futures::stream::try_unfold((Some(file), left), |(file, left)| async move {
        let Some(file) = file.filter(|_| left > 0) else {
            return Ok(None);
        };
        let (file, chunk) = blocking(move || read_chunk(file, left)).await?;
        let left = left - chunk.len() as u64;
        Ok(Some((chunk, (Some(file), left))))
    });
    Ok(BlobStream::new(chunks.boxed(), size, span))
}

fn not_found_or(err: &io::Error, what: &str) -> BlobError {
    if err.kind() == io::ErrorKind::NotFound {
        BlobError::NotFound
    } else {
        BlobError::io(what, err)
    }
}

/// Reads the next chunk (at most `READ_CHUNK` and at most `left` bytes).
fn read_chunk(mut file: File, left: u64) -> Result<(File, Bytes), BlobError> {
    let want = usize::try_from(left).map_or(READ_CHUNK, |left| left.min(READ_CHUNK));
    let mut buf = BytesMut::zeroed(want);
    file.read_exact(&mut buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            BlobError::Unavailable("the data became shorter while it was read".into())
        } else {
            BlobError::io("cannot read the data", &e)
        }
    })?;
    Ok((file, buf.freeze()))
}

/// An upload in progress: batches go to a writer thread that appends them to a temp file.
pub(crate) struct LocalSink {
    tx: Option<mpsc::Sender<Batch>>,
    writer: Option<JoinHandle<io::Result<File>>>,
    temp: Option<TempFile>,
    dest: PathBuf,
}

impl LocalSink {
    pub(crate) async fn write(&mut self, batch: Batch) -> Result<(), BlobError> {
        let sent = match &self.tx {
            Some(tx) => tx.send(batch).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The writer stopped: its result says why.
        match self.finish_writing().await {
            Err(err) => Err(err),
            Ok(_) => Err(BlobError::Unavailable("the writer stopped early".into())),
        }
    }

    /// Closes the queue and waits for the writer to drain it.
    async fn finish_writing(&mut self) -> Result<File, BlobError> {
        self.tx = None;
        let Some(writer) = self.writer.take() else {
            return Err(BlobError::Unavailable("the writer is gone".into()));
        };
        writer
            .await
            .map_err(|e| BlobError::join(&e))?
            .map_err(|e| BlobError::io("cannot write the data", &e))
    }

    pub(crate) async fn commit(mut self) -> Result<(), BlobError> {
        let file = self.finish_writing().await?;
        let Some(mut temp) = self.temp.take() else {
            return Err(BlobError::Unavailable("the temp file is gone".into()));
        };
        let dest = std::mem::take(&mut self.dest);
        blocking(move || {
            file.sync_all()
                .map_err(|e| BlobError::io("cannot sync the data", &e))?;
            drop(file);
            publish(&mut temp, &dest)
        })
        .await
    }

    pub(crate) async fn abort(mut self) {
        // Let the writer finish its current batch before the temp file goes.
        let _ = self.finish_writing().await;
        if let Some(temp) = self.temp.take() {
            let _ = tokio::task::spawn_blocking(move || drop(temp)).await;
        }
    }
}
