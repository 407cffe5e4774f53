//! Where the cache keeps things on disk (`data/<region>/<image>`, its temp files beside it,
//! `queue/<region>/<image>`), and the blocking file work on them.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::CacheKey;
use crate::BlobError;
use crate::local::temp_file::{sync_dir, temp_path};

#[derive(Debug, Clone)]
pub(super) struct Layout {
    root: PathBuf,
}

impl Layout {
    pub(super) fn new(root: PathBuf) -> Self {
        Layout { root }
    }

    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    fn queue(&self) -> PathBuf {
        self.root.join("queue")
    }

    /// The complete entry of `key`.
    pub(super) fn entry(&self, key: &CacheKey) -> PathBuf {
        self.data().join(&key.region).join(&key.image)
    }

    /// A fresh temp file name beside the entry of `key`.
    pub(super) fn temp(&self, key: &CacheKey) -> PathBuf {
        temp_path(&self.entry(key))
    }

    /// The queue marker of `key`.
    pub(super) fn queued(&self, key: &CacheKey) -> PathBuf {
        self.queue().join(&key.region).join(&key.image)
    }

    /// Creates the folders, removes every temp file (no fill runs yet) and returns the
    /// complete entries found: key, size, modification time.
    pub(super) fn prepare(&self) -> Result<Vec<(CacheKey, u64, SystemTime)>, BlobError> {
        let fail = |what: &str, e: io::Error| {
            BlobError::InvalidConfig(format!("{what} {}: {e}", self.root.display()))
        };
        for dir in [self.data(), self.queue()] {
            fs::create_dir_all(&dir).map_err(|e| fail("cannot create the cache folder", e))?;
        }
        let probe = self.data().join(".probe.tmp");
        File::create(&probe).map_err(|e| fail("cannot write files in", e))?;
        let _ = fs::remove_file(&probe);
        self.remove_temp_files(&[])?;
        let mut found = Vec::new();
        for (key, path) in self.walk(&self.data())? {
            if let Ok(meta) = fs::metadata(&path)
                && meta.is_file()
            {
                let modified = meta.modified().unwrap_or_else(|_| SystemTime::now());
                found.push((key, meta.len(), modified));
            }
        }
        Ok(found)
    }

    /// Removes the temp files of fills other than `running`'s; how many.
    pub(super) fn remove_temp_files(&self, running: &[CacheKey]) -> Result<u64, BlobError> {
        let mut removed = 0;
        for region in subfolders(&self.data())? {
            let dir = self.data().join(&region);
            let Ok(files) = fs::read_dir(&dir) else {
                continue;
            };
            for file in files.flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                let Some(image) = temp_owner(&name) else {
                    continue;
                };
                if running
                    .iter()
                    .any(|k| k.region == region && k.image == image)
                {
                    continue;
                }
                if remove_file(&file.path())? {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    pub(super) fn add_queued(&self, key: &CacheKey) -> Result<(), BlobError> {
        let path = self.queued(key);
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| BlobError::io("cannot create the queue folder", &e))?;
        match File::create_new(&path) {
            Ok(_) => sync_dir(dir).map_err(|e| BlobError::io("cannot sync the queue folder", &e)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(BlobError::io("cannot queue the image", &e)),
        }
    }

    /// The queued keys (of `region` only, when given), oldest first.
    pub(super) fn list_queued(&self, region: Option<&str>) -> Result<Vec<CacheKey>, BlobError> {
        let mut queued: Vec<(SystemTime, CacheKey)> = self
            .walk(&self.queue())?
            .into_iter()
            .filter(|(key, _)| region.is_none_or(|r| key.region == r))
            .map(|(key, path)| {
                let at = fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .unwrap_or(SystemTime::UNIX_EPOCH);
                (at, key)
            })
            .collect();
        queued.sort();
        Ok(queued.into_iter().map(|(_, key)| key).collect())
    }

    /// Every `<region>/<image>` file under `top` that names a valid key (temp files skipped).
    fn walk(&self, top: &Path) -> Result<Vec<(CacheKey, PathBuf)>, BlobError> {
        let mut found = Vec::new();
        for region in subfolders(top)? {
            let Ok(files) = fs::read_dir(top.join(&region)) else {
                continue;
            };
            for file in files.flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                if let Ok(key) = CacheKey::new(&region, &name) {
                    found.push((key, file.path()));
                }
            }
        }
        Ok(found)
    }
}

/// The names of the folders in `dir`.
fn subfolders(dir: &Path) -> Result<Vec<String>, BlobError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(BlobError::io("cannot list the cache folder", &e)),
    };
    Ok(entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect())
}

/// The image a temp file name (`.<image>.<unique>.tmp`) belongs to.
fn temp_owner(name: &str) -> Option<&str> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    inner.rsplit_once('.').map(|(image, _)| image)
}

/// Removes a file; whether there was one.
pub(super) fn remove_file(path: &Path) -> Result<bool, BlobError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(BlobError::io("cannot remove a cache file", &e)),
    }
}
