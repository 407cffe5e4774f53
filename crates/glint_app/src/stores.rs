//! Where each region's image data lives, opened on first use from URL templates (`{region}` is
//! replaced by the region's name). Either one store per region (a template plus per-region
//! overrides, the default), or several named stores in every region (Glance's multi-store), one
//! of them the default, each with a weight that orders reads (highest first).

use std::collections::HashMap;
use std::sync::Arc;

use glint_blob::BlobStore;
use glint_core::image::stores::{id_problem, in_read_order, unknown_store};
use glint_core::{Error, RegionName, Result};
use tokio::sync::Mutex;

/// One named store, present in every region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSpec {
    /// The id clients name it by (`X-Image-Meta-Store`, import `stores`, `/v2/stores/{id}`).
    pub id: String,
    /// Its URL template: `file:///path/{region}` or `s3://bucket-{region}?endpoint=…`.
    pub url: String,
    pub description: String,
    /// Reads try the image's stores by weight, highest first.
    pub weight: i64,
    /// Whether data with no store named goes here (exactly one store is the default).
    pub is_default: bool,
}

impl StoreSpec {
    /// The kind of store, as Glance's store detail names it: `file` or `s3`.
    pub fn kind(&self) -> &'static str {
        if self.url.starts_with("s3://") {
            "s3"
        } else {
            "file"
        }
    }
}

impl StoreSpec {
    /// Where the store keeps `region`'s data, without credentials or parameters: a local
    /// folder, or an S3 bucket's name.
    pub fn place(&self, region: &RegionName) -> String {
        let url = self.url.replace("{region}", region.as_str());
        let bare = url.split('?').next().unwrap_or_default();
        match bare.split_once("://") {
            Some(("s3", rest)) => rest.rsplit('@').next().unwrap_or_default().to_owned(),
            Some((_, path)) => path.to_owned(),
            None => bare.to_owned(),
        }
    }
}

/// One store of a region, opened.
#[derive(Debug, Clone)]
pub struct RegionStore {
    /// Its id; `None` for the one store of a single-store region.
    pub id: Option<String>,
    pub blob: BlobStore,
}

/// The blob stores of every region.
#[derive(Debug, Clone)]
pub struct Stores {
    template: String,
    overrides: HashMap<String, String>,
    /// The named stores, default first; empty with one store per region.
    named: Arc<Vec<StoreSpec>>,
    /// Opened stores by URL.
    open: Arc<Mutex<HashMap<String, BlobStore>>>,
}

impl Stores {
    /// One store per region, from a URL template such as `file:///var/lib/glint/images/{region}`
    /// or `s3://images-{region}?endpoint=…`, with per-region URLs that take precedence.
    pub fn new(template: impl Into<String>, overrides: HashMap<String, String>) -> Self {
        Stores {
            template: template.into(),
            overrides,
            named: Arc::new(Vec::new()),
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Several named stores in every region; refused (saying why) unless there is at least
    /// one, every id is valid and unique, and exactly one is the default.
    pub fn named(specs: Vec<StoreSpec>) -> std::result::Result<Self, String> {
        if specs.is_empty() {
            return Err("at least one store is needed".into());
        }
        if let Some(problem) = specs.iter().find_map(|s| id_problem(&s.id)) {
            return Err(problem);
        }
        let mut ids: Vec<&str> = specs.iter().map(|s| s.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(twice) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("store id '{}' is given twice", twice[0]));
        }
        let defaults: Vec<&str> = specs
            .iter()
            .filter(|s| s.is_default)
            .map(|s| s.id.as_str())
            .collect();
        match defaults.as_slice() {
            [_] => {}
            [] => return Err("no store is the default: mark exactly one `default = true`".into()),
            many => {
                return Err(format!(
                    "several stores are the default ({}): mark exactly one `default = true`",
                    many.join(", ")
                ));
            }
        }
        if let Some(bad) = specs.iter().find(|s| !s.url.contains("://")) {
            return Err(format!(
                "store '{}' has no usable url ('{}'): give file:///… or s3://…",
                bad.id, bad.url
            ));
        }
        let mut specs = specs;
        specs.sort_by_key(|s| !s.is_default);
        Ok(Stores {
            template: String::new(),
            overrides: HashMap::new(),
            named: Arc::new(specs),
            open: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// Whether regions have several named stores.
    pub fn is_multi(&self) -> bool {
        !self.named.is_empty()
    }

    /// The named stores, the default first (none with one store per region).
    pub fn specs(&self) -> &[StoreSpec] {
        &self.named
    }

    /// The id of the default store (multi-store only).
    pub fn default_id(&self) -> Option<&str> {
        self.named.first().map(|s| s.id.as_str())
    }

    /// Whether `id` names a store.
    pub fn has(&self, id: &str) -> bool {
        self.named.iter().any(|s| s.id == id)
    }

    /// The weight of the store `id` (0 for one no longer configured).
    pub fn weight(&self, id: &str) -> i64 {
        self.named
            .iter()
            .find(|s| s.id == id)
            .map_or(0, |s| s.weight)
    }

    /// `ids` in reading order: highest weight first, then by id.
    pub fn read_order(&self, ids: &[String]) -> Vec<String> {
        in_read_order(ids, |id| self.weight(id))
    }

    /// The URL the default store of `region` is opened from.
    pub fn url_for(&self, region: &RegionName) -> String {
        if let Some(default) = self.named.first() {
            return default.url.replace("{region}", region.as_str());
        }
        match self.overrides.get(region.as_str()) {
            Some(url) => url.clone(),
            None => self.template.replace("{region}", region.as_str()),
        }
    }

    /// The region's default store (its only one, with one store per region), opened on first
    /// use.
    pub async fn for_region(&self, region: &RegionName) -> Result<BlobStore> {
        self.open_url(region, None, &self.url_for(region)).await
    }

    /// The store `id` of `region`; `InvalidInput` with Glance's words when there is no such
    /// store.
    pub async fn store(&self, region: &RegionName, id: &str) -> Result<BlobStore> {
        let spec = self
            .named
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| Error::InvalidInput(unknown_store(id)))?;
        let url = spec.url.replace("{region}", region.as_str());
        self.open_url(region, Some(id), &url).await
    }

    /// Every store of `region`: its one store, or each named store.
    pub async fn every_in_region(&self, region: &RegionName) -> Result<Vec<RegionStore>> {
        if !self.is_multi() {
            let blob = self.for_region(region).await?;
            return Ok(vec![RegionStore { id: None, blob }]);
        }
        let mut all = Vec::with_capacity(self.named.len());
        for spec in self.named.iter() {
            let blob = self.store(region, &spec.id).await?;
            all.push(RegionStore {
                id: Some(spec.id.clone()),
                blob,
            });
        }
        Ok(all)
    }

    async fn open_url(
        &self,
        region: &RegionName,
        id: Option<&str>,
        url: &str,
    ) -> Result<BlobStore> {
        let mut open = self.open.lock().await;
        if let Some(store) = open.get(url) {
            return Ok(store.clone());
        }
        let named = id.map(|id| format!(" '{id}'")).unwrap_or_default();
        let store = BlobStore::open(url).await.map_err(|e| {
            Error::Unavailable(format!(
                "the image store{named} of region {region} cannot be opened: {e}"
            ))
        })?;
        tracing::info!(%region, id, store = %store.describe(), "image store opened");
        open.insert(url.to_owned(), store.clone());
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str, weight: i64, is_default: bool) -> StoreSpec {
        StoreSpec {
            id: id.into(),
            url: format!("file:///tmp/{id}/{{region}}"),
            description: String::new(),
            weight,
            is_default,
        }
    }

    #[test]
    fn exactly_one_store_is_the_default() {
        assert!(Stores::named(vec![spec("a", 0, false), spec("b", 0, false)]).is_err());
        assert!(Stores::named(vec![spec("a", 0, true), spec("b", 0, true)]).is_err());
        let stores = Stores::named(vec![spec("a", 0, false), spec("b", 0, true)]).unwrap();
        assert_eq!(stores.default_id(), Some("b"));
        assert!(stores.is_multi());
    }

    #[test]
    fn bad_ids_and_repeats_are_refused() {
        assert!(Stores::named(vec![spec("os_glance_staging_store", 0, true)]).is_err());
        assert!(Stores::named(vec![spec("a", 0, true), spec("a", 1, false)]).is_err());
        assert!(Stores::named(Vec::new()).is_err());
    }

    #[test]
    fn reads_follow_the_weights() {
        let stores = Stores::named(vec![spec("slow", 1, true), spec("fast", 9, false)]).unwrap();
        let ids = vec!["slow".to_owned(), "fast".to_owned()];
        assert_eq!(stores.read_order(&ids), vec!["fast", "slow"]);
    }
}
