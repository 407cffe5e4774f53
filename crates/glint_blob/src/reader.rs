//! Random access to a stored object from blocking code, for readers that seek around an image
//! (the trust report reads partition tables and filesystems this way).
//!
//! On local disk it is the file itself. On S3 every read becomes a ranged GET of a whole
//! block, pinned to the object's ETag, with a few recent blocks kept, so that the many small
//! reads of a filesystem walk cost one request per block rather than one per read.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};
use tokio::runtime::Handle;

use crate::BlobError;

/// Bytes fetched from S3 per request.
const BLOCK: u64 = 1024 * 1024;
/// Blocks kept in memory per reader.
const KEPT_BLOCKS: usize = 8;

/// A stored object opened for `Read + Seek` on a blocking thread; never use it on an async
/// runtime's worker thread (on S3 it waits for the network).
pub struct BlobReader {
    inner: Inner,
}

enum Inner {
    File(File),
    Ranged(Box<RangedReader>),
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::File(_) => f.write_str("BlobReader(file)"),
            Inner::Ranged(r) => write!(f, "BlobReader({} of {} bytes)", r.path, r.size),
        }
    }
}

impl BlobReader {
    /// The file at `path`; `NotFound` if there is none.
    pub(crate) async fn file(path: PathBuf) -> Result<Self, BlobError> {
        let opened = tokio::task::spawn_blocking(move || File::open(path))
            .await
            .map_err(|e| BlobError::join(&e))?;
        match opened {
            Ok(file) => Ok(BlobReader {
                inner: Inner::File(file),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(BlobError::NotFound),
            Err(e) => Err(BlobError::io("cannot open the data", &e)),
        }
    }

    /// The object at `path`, pinned to the version there now; `NotFound` if there is none.
    pub(crate) async fn ranged(store: Arc<dyn ObjectStore>, path: Path) -> Result<Self, BlobError> {
        let meta = store.head(&path).await?;
        let (size, e_tag) = (meta.size, meta.e_tag);
        Ok(BlobReader {
            inner: Inner::Ranged(Box::new(RangedReader {
                runtime: Handle::current(),
                store,
                path,
                size,
                e_tag,
                position: 0,
                kept: VecDeque::new(),
            })),
        })
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::File(file) => file.read(buf),
            Inner::Ranged(r) => r.read(buf),
        }
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        match &mut self.inner {
            Inner::File(file) => file.seek(to),
            Inner::Ranged(r) => r.seek(to),
        }
    }
}

struct RangedReader {
    runtime: Handle,
    store: Arc<dyn ObjectStore>,
    path: Path,
    size: u64,
    e_tag: Option<String>,
    position: u64,
    /// (block number, its bytes), most recently used last.
    kept: VecDeque<(u64, Bytes)>,
}

impl RangedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.position >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let number = self.position / BLOCK;
        let block = self.block(number)?;
        let within = usize::try_from(self.position - number * BLOCK).unwrap_or(usize::MAX);
        let available = block.get(within..).unwrap_or_default();
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.position += n as u64;
        Ok(n)
    }

    fn block(&mut self, number: u64) -> io::Result<Bytes> {
        let kept_at = self.kept.iter().position(|(n, _)| *n == number);
        if let Some(hit) = kept_at.and_then(|at| self.kept.remove(at)) {
            let bytes = hit.1.clone();
            self.kept.push_back(hit);
            return Ok(bytes);
        }
        let start = number * BLOCK;
        let end = (start + BLOCK).min(self.size);
        let options = GetOptions {
            range: Some(GetRange::Bounded(start..end)),
            if_match: self.e_tag.clone(),
            ..GetOptions::default()
        };
        let (store, path) = (Arc::clone(&self.store), self.path.clone());
        let bytes = self
            .runtime
            .block_on(async move { store.get_opts(&path, options).await?.bytes().await })
            .map_err(io::Error::other)?;
        if self.kept.len() >= KEPT_BLOCKS {
            self.kept.pop_front();
        }
        self.kept.push_back((number, bytes.clone()));
        Ok(bytes)
    }

    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(delta) => self.size.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        let target = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.position = target;
        Ok(target)
    }
}
