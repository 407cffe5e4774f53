//! Where each region's image data lives: a blob store per region, opened on first use from a
//! URL template (`{region}` is replaced by the region's name) or a per-region override.

use std::collections::HashMap;
use std::sync::Arc;

use glint_blob::BlobStore;
use glint_core::{Error, RegionName, Result};
use tokio::sync::Mutex;

/// The blob stores of every region.
#[derive(Debug, Clone)]
pub struct Stores {
    template: String,
    overrides: HashMap<String, String>,
    open: Arc<Mutex<HashMap<String, BlobStore>>>,
}

impl Stores {
    /// Stores from a URL template such as `file:///var/lib/glint/images/{region}` or
    /// `s3://images-{region}?endpoint=…`, with per-region URLs that take precedence.
    pub fn new(template: impl Into<String>, overrides: HashMap<String, String>) -> Self {
        Stores {
            template: template.into(),
            overrides,
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The URL a region's store is opened from.
    pub fn url_for(&self, region: &RegionName) -> String {
        match self.overrides.get(region.as_str()) {
            Some(url) => url.clone(),
            None => self.template.replace("{region}", region.as_str()),
        }
    }

    /// The region's store, opened on first use.
    pub async fn for_region(&self, region: &RegionName) -> Result<BlobStore> {
        let mut open = self.open.lock().await;
        if let Some(store) = open.get(region.as_str()) {
            return Ok(store.clone());
        }
        let store = BlobStore::open(&self.url_for(region)).await.map_err(|e| {
            Error::Unavailable(format!(
                "the image store of region {region} cannot be opened: {e}"
            ))
        })?;
        tracing::info!(%region, store = %store.describe(), "image store opened");
        open.insert(region.as_str().to_owned(), store.clone());
        Ok(store)
    }
}
