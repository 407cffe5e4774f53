//! Temp files of uploads to local disk: named beside their object, removed when dropped unless
//! published (renamed into place, folder synced), and swept when left by a crash.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::BlobError;

/// Temp files untouched for this long were left by a crash (a live upload keeps writing to its
/// temp file) and are removed when a store opens.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// Makes a folder's entries (a rename, a new file, a removal) durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A temp file next to `dest`, with a name no other writer uses.
pub(crate) fn temp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    dest.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()))
}

/// Removes a temp file when dropped, unless it has been renamed into place; this also covers
/// an upload whose future is dropped half-way.
pub(crate) struct TempFile {
    pub(crate) path: Option<PathBuf>,
}

impl TempFile {
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub(crate) fn disarm(&mut self) {
        self.path = None;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take()
            && let Err(err) = fs::remove_file(&path)
            && err.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %err, "could not remove a temp file");
        }
    }
}

/// Writes `temp` (already synced) into place as `dest` and makes the rename durable. If the
/// folder cannot be synced the object is removed again, so a failure leaves nothing.
pub(crate) fn publish(temp: &mut TempFile, dest: &Path) -> Result<(), BlobError> {
    let Some(from) = temp.path() else {
        return Err(BlobError::Unavailable("the temp file is gone".into()));
    };
    fs::rename(from, dest).map_err(|e| BlobError::io("could not rename the temp file", &e))?;
    temp.disarm();
    let dir = dest.parent().unwrap_or(Path::new("."));
    if let Err(err) = sync_dir(dir) {
        let _ = fs::remove_file(dest);
        return Err(BlobError::io("could not sync the folder", &err));
    }
    Ok(())
}

/// Removes temp files in `dir` that no upload has written to for `STALE_TEMP`.
pub(crate) fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|at| now.duration_since(at).unwrap_or_default() > STALE_TEMP);
        if name.starts_with('.') && name.ends_with(".tmp") && stale {
            match fs::remove_file(entry.path()) {
                Ok(()) => {
                    tracing::info!(file = %entry.path().display(), "removed a temp file left by a crash")
                }
                Err(err) => {
                    tracing::warn!(file = %entry.path().display(), error = %err, "could not remove a stale temp file")
                }
            }
        }
    }
}
