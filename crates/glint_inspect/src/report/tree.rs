//! A read-only view of one filesystem's files, with paths resolved safely and every access
//! charged to the budget.
//!
//! Symlinks are resolved here, one component at a time, so that the filesystem reader is only
//! ever asked about paths without links: a link's length is checked before its target is
//! read, at most 40 links are followed, and `..` never leaves the filesystem. Files over
//! 1 MiB and directories of over 4,096 entries are refused rather than read.

use std::collections::VecDeque;
use std::rc::Rc;

use ext4_view::{Ext4, Ext4Error, Metadata};

use crate::disk::{Budget, DiskError};

const MAX_FILE_BYTES: u64 = 1 << 20;
const MAX_DIR_ENTRIES: usize = 4096;
const MAX_LINKS: u32 = 40;
const MAX_LINK_LEN: u64 = 4096;

/// Why a file or directory could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeError {
    pub(crate) message: String,
    /// A limit was reached: nothing more can be read from this image.
    pub(crate) fatal: bool,
}

impl TreeError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            fatal: false,
        }
    }
}

impl From<DiskError> for TreeError {
    fn from(e: DiskError) -> Self {
        Self {
            fatal: e.is_limit(),
            message: e.to_string(),
        }
    }
}

/// Files of one filesystem, by absolute path.
pub(crate) trait Tree {
    /// A regular file's bytes (following links within the tree); `None` when it is missing
    /// or not a regular file.
    fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, TreeError>;
    /// A directory's entry names, sorted; `None` when it is missing or not a directory.
    fn list(&mut self, dir: &str) -> Result<Option<Vec<String>>, TreeError>;
}

/// An ext2/3/4 filesystem read through `ext4-view`.
pub(crate) struct Ext4Tree {
    fs: Ext4,
    budget: Rc<Budget>,
}

impl Ext4Tree {
    pub(crate) fn new(fs: Ext4, budget: Rc<Budget>) -> Self {
        Self { fs, budget }
    }

    /// The link-free path `path` leads to, with its metadata; `None` when it does not exist.
    fn resolve(&self, path: &str) -> Result<Option<(Vec<u8>, Metadata)>, TreeError> {
        let mut pending: VecDeque<Vec<u8>> = components(path.as_bytes()).collect();
        let mut current: Vec<Vec<u8>> = Vec::new();
        let mut links = 0;
        while let Some(name) = pending.pop_front() {
            if name == b".." {
                current.pop();
                continue;
            }
            let candidate = joined(current.iter().chain([&name]));
            let meta = match self.fs.symlink_metadata(candidate.as_slice()) {
                Ok(meta) => meta,
                Err(Ext4Error::NotFound | Ext4Error::NotADirectory) => return Ok(None),
                Err(e) => return Err(ext4_error(e)),
            };
            if meta.is_symlink() {
                links += 1;
                if links > MAX_LINKS || meta.len() > MAX_LINK_LEN {
                    return Err(TreeError::new("too many or too long symlinks"));
                }
                let target = self
                    .fs
                    .read_link(candidate.as_slice())
                    .map_err(ext4_error)?;
                let target = target.as_path().as_ref().to_vec();
                if target.starts_with(b"/") {
                    current.clear();
                }
                for part in components(&target).rev() {
                    pending.push_front(part);
                }
            } else {
                if !pending.is_empty() && !meta.is_dir() {
                    return Ok(None);
                }
                current.push(name);
            }
        }
        let resolved = joined(current.iter());
        match self.fs.symlink_metadata(resolved.as_slice()) {
            Ok(meta) => Ok(Some((resolved, meta))),
            Err(Ext4Error::NotFound | Ext4Error::NotADirectory) => Ok(None),
            Err(e) => Err(ext4_error(e)),
        }
    }
}

impl Tree for Ext4Tree {
    fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, TreeError> {
        self.budget.charge_file()?;
        let Some((resolved, meta)) = self.resolve(path)? else {
            return Ok(None);
        };
        if !meta.file_type().is_regular_file() {
            return Ok(None);
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(TreeError::new("it is larger than 1 MiB"));
        }
        self.fs
            .read(resolved.as_slice())
            .map(Some)
            .map_err(ext4_error)
    }

    fn list(&mut self, dir: &str) -> Result<Option<Vec<String>>, TreeError> {
        self.budget.charge_file()?;
        let Some((resolved, meta)) = self.resolve(dir)? else {
            return Ok(None);
        };
        if !meta.is_dir() {
            return Ok(None);
        }
        let mut names = Vec::new();
        for entry in self.fs.read_dir(resolved.as_slice()).map_err(ext4_error)? {
            self.budget.check_time()?;
            let entry = entry.map_err(ext4_error)?;
            let name = entry.file_name();
            match name.as_str() {
                Ok("." | "..") => {}
                Ok(name) => names.push(name.to_owned()),
                Err(_) => names.push(String::from_utf8_lossy(name.as_ref()).into_owned()),
            }
            if names.len() > MAX_DIR_ENTRIES {
                return Err(TreeError::new(format!(
                    "it has more than {MAX_DIR_ENTRIES} entries"
                )));
            }
        }
        names.sort();
        Ok(Some(names))
    }
}

fn components(path: &[u8]) -> impl DoubleEndedIterator<Item = Vec<u8>> + '_ {
    path.split(|b| *b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(<[u8]>::to_vec)
}

fn joined<'a>(parts: impl Iterator<Item = &'a Vec<u8>>) -> Vec<u8> {
    let mut path = Vec::new();
    for part in parts {
        path.push(b'/');
        path.extend_from_slice(part);
    }
    if path.is_empty() {
        path.push(b'/');
    }
    path
}

/// Maps the filesystem reader's errors, recognising a limit reached underneath it.
pub(crate) fn ext4_error(e: Ext4Error) -> TreeError {
    if let Some(disk) = e.as_io().and_then(|io| io.downcast_ref::<DiskError>()) {
        return disk.clone().into();
    }
    TreeError::new(e.to_string())
}

/// A tree held in memory, for tests of the parsers.
#[cfg(test)]
pub(crate) struct MemTree(pub(crate) std::collections::BTreeMap<String, Vec<u8>>);

#[cfg(test)]
impl MemTree {
    pub(crate) fn of(files: &[(&str, &str)]) -> Self {
        Self(
            files
                .iter()
                .map(|(p, c)| ((*p).to_owned(), c.as_bytes().to_vec()))
                .collect(),
        )
    }
}

#[cfg(test)]
impl Tree for MemTree {
    fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, TreeError> {
        Ok(self.0.get(path).cloned())
    }

    fn list(&mut self, dir: &str) -> Result<Option<Vec<String>>, TreeError> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let names: Vec<String> = self
            .0
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('/'))
            .map(str::to_owned)
            .collect();
        Ok((!names.is_empty()).then_some(names))
    }
}
