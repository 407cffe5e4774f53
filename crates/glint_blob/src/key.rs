//! Typed object keys: the only way to name an object in the store, so that a key can never
//! escape the store's folder or bucket prefix.
//!
//! A key is `<folder>/<id>` where the folder is fixed by the constructor and the id is checked
//! to contain only ASCII letters, digits and `-` (UUIDs, Glint's ids).

use std::fmt;

use crate::BlobError;

/// The longest id accepted in a key.
const MAX_ID_LEN: usize = 128;

/// Folder of active image data.
const IMAGES: &str = "images";
/// Folder of data staged by the interoperable import flow, before it becomes an image.
const STAGING: &str = "staging";
/// Folder of server disks.
const DISKS: &str = "disks";

/// A validated object key such as `images/1b6c…`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// Every folder a key can live in; local stores create them when opened.
    pub const FOLDERS: [&'static str; 3] = [IMAGES, STAGING, DISKS];

    /// The data of image `image_id`: `images/<id>`.
    pub fn image(image_id: &str) -> Result<Self, BlobError> {
        Self::in_folder(IMAGES, image_id)
    }

    /// Staged data of image `image_id` (import flow): `staging/<id>`.
    pub fn staging(image_id: &str) -> Result<Self, BlobError> {
        Self::in_folder(STAGING, image_id)
    }

    /// The disk of server `server_id`: `disks/<id>`.
    pub fn disk(server_id: &str) -> Result<Self, BlobError> {
        Self::in_folder(DISKS, server_id)
    }

    /// The key of `id` in the folder called `folder` (one of `FOLDERS`), as a listing names it.
    pub(crate) fn named(folder: &str, id: &str) -> Result<Self, BlobError> {
        match BlobKey::FOLDERS.iter().find(|f| **f == folder) {
            Some(folder) => Self::in_folder(folder, id),
            None => Err(BlobError::InvalidKey(format!("no folder {folder:?}"))),
        }
    }

    /// The key as a relative path, `folder/id`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The folder part of the key.
    pub fn folder(&self) -> &str {
        self.0.split_once('/').map_or("", |(folder, _)| folder)
    }

    /// The id part of the key.
    pub fn id(&self) -> &str {
        self.0.split_once('/').map_or("", |(_, id)| id)
    }

    fn in_folder(folder: &str, id: &str) -> Result<Self, BlobError> {
        if id.is_empty() {
            return Err(BlobError::InvalidKey("the id is empty".into()));
        }
        if id.len() > MAX_ID_LEN {
            return Err(BlobError::InvalidKey(format!(
                "the id is longer than {MAX_ID_LEN} characters"
            )));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(BlobError::InvalidKey(format!(
                "the id may contain only letters, digits and '-', not {bad:?}"
            )));
        }
        Ok(BlobKey(format!("{folder}/{id}")))
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_folder_slash_id() {
        let key = BlobKey::image("0b4f2e4c-6a4e-4a47-9d8e-2d1b7f3c9a10").unwrap();
        assert_eq!(key.as_str(), "images/0b4f2e4c-6a4e-4a47-9d8e-2d1b7f3c9a10");
        assert_eq!(key.folder(), "images");
        assert_eq!(key.id(), "0b4f2e4c-6a4e-4a47-9d8e-2d1b7f3c9a10");
        assert_eq!(BlobKey::staging("a1").unwrap().as_str(), "staging/a1");
        assert_eq!(BlobKey::disk("B-2").unwrap().to_string(), "disks/B-2");
    }

    #[test]
    fn ids_that_could_escape_are_refused() {
        for id in [
            "", "..", ".", "a/b", "../x", "a\\b", "a.b", "a b", "é", "a\0", "%2e%2e",
        ] {
            assert!(
                matches!(BlobKey::image(id), Err(BlobError::InvalidKey(_))),
                "{id:?} was accepted"
            );
        }
        assert!(BlobKey::disk(&"a".repeat(MAX_ID_LEN + 1)).is_err());
        assert!(BlobKey::disk(&"a".repeat(MAX_ID_LEN)).is_ok());
    }
}
