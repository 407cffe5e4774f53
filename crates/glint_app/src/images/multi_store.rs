//! An image's data across the stores of its region (Glance's multi-store): which store a write
//! goes to, which stores a read tries (by weight, falling back to the next), copying the data
//! between stores with its hashes checked, recording which stores hold it (in the image's row,
//! under its lock, so concurrent changes never lose a store), the import markers, the store
//! list of `/v2/info/stores`, and `DELETE /v2/stores/{store}/{image}`. With one store per
//! region every read and write goes to that store and nothing is recorded.

use futures::StreamExt;
use glint_blob::{BlobStore, BlobStream};
use glint_core::image::stores::{FAILED, IMPORTING, merge_store_list, unknown_store};
use glint_core::image::{Image, ImageId, ImageStatus};
use glint_core::{AuthContext, Error, RegionName, Result, Timestamp};
use glint_db::images;

use super::data::key;
use super::receive::store_error;
use super::{ImageService, policy};
use crate::StoreSpec;

/// What Glance answers at `/v2/info/stores` with one store per region.
pub const NO_MULTI_STORE: &str = "Multi backend is not supported at this site.";

impl ImageService {
    /// The named stores (`GET /v2/info/stores`; `detail` is admin only). 404 with one store
    /// per region, as Glance without `enabled_backends`.
    pub fn list_stores(&self, ctx: &AuthContext, detail: bool) -> Result<Vec<StoreSpec>> {
        if !self.stores.is_multi() {
            return Err(Error::not_found(
                glint_core::error::Kind::Image,
                NO_MULTI_STORE,
            ));
        }
        if detail && !ctx.is_admin() {
            return Err(Error::Forbidden(
                "You are not authorized to see the stores' details.".into(),
            ));
        }
        Ok(self.stores.specs().to_vec())
    }

    /// The store a write of data goes to: the one named (400 in Glance's words when there is
    /// no such store), else the default; the id is `None` with one store per region, where a
    /// named store is ignored as Glance ignores it.
    pub(crate) async fn write_store(
        &self,
        region: &RegionName,
        named: Option<&str>,
    ) -> Result<(Option<String>, BlobStore)> {
        match (self.stores.default_id(), named) {
            (None, _) => Ok((None, self.stores.for_region(region).await?)),
            (Some(_), Some(id)) => Ok((Some(id.to_owned()), self.stores.store(region, id).await?)),
            (Some(default), None) => {
                let id = default.to_owned();
                let store = self.stores.store(region, &id).await?;
                Ok((Some(id), store))
            }
        }
    }

    /// The stores to read `image` from, in order: its stores by weight (the default store when
    /// none is recorded), or its region's one store.
    async fn read_stores(&self, image: &Image) -> Vec<Result<BlobStore>> {
        if !self.stores.is_multi() || image.stores.is_empty() {
            return vec![self.stores.for_region(&image.region).await];
        }
        let mut stores = Vec::new();
        for id in self.stores.read_order(&image.stores) {
            stores.push(self.stores.store(&image.region, &id).await);
        }
        stores
    }

    /// Whether each region has several named stores (Glance's multi-store mode).
    pub fn has_several_stores(&self) -> bool {
        self.stores.is_multi()
    }

    /// Opens `image`'s data (or the inclusive byte `range` of it) from the first of its stores
    /// that serves it; a store that fails is logged and the next one tried.
    pub(crate) async fn open_data(
        &self,
        image: &Image,
        range: Option<(u64, u64)>,
    ) -> Result<BlobStream> {
        Ok(self.open_data_in(image, range).await?.1)
    }

    /// As [`Self::open_data`], with the store that serves it.
    pub(crate) async fn open_data_in(
        &self,
        image: &Image,
        range: Option<(u64, u64)>,
    ) -> Result<(BlobStore, BlobStream)> {
        let cap = self.settings.limits.size_cap;
        let key = key(image)?;
        let mut failure = Error::Unavailable("The image data is missing from its store".into());
        for store in self.read_stores(image).await {
            let opened = match store {
                Ok(store) => store
                    .get(&key, range)
                    .await
                    .map(|stream| (store, stream))
                    .map_err(|e| store_error(e, cap)),
                Err(e) => Err(e),
            };
            match opened {
                Ok(opened) => return Ok(opened),
                Err(e @ Error::RangeNotSatisfiable(_)) => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, image = %image.id, "a store could not serve the image's data; trying the next");
                    failure = e;
                }
            }
        }
        Err(failure)
    }

    /// The first store of `image` to inspect its data in.
    pub(crate) async fn first_store(&self, image: &Image) -> Result<BlobStore> {
        self.read_stores(image)
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(Error::Internal("an image with no store".into())))
    }

    /// Copies `image`'s data from its stores into the store `to`, checking that it hashes as
    /// the image's (a copy that does not is removed again).
    pub(crate) async fn copy_to_store(&self, image: &Image, to: &BlobStore) -> Result<()> {
        let cap = self.settings.limits.size_cap;
        let data = self
            .open_data(image, None)
            .await?
            .into_inner()
            .map(|chunk| chunk.map_err(|e| e.to_string()));
        let key = key(image)?;
        let outcome = to
            .put(&key, Box::pin(data), cap, None)
            .await
            .map_err(|e| store_error(e, cap))?;
        let same = image.checksum.as_deref() == Some(outcome.md5_hex.as_str())
            && image.os_hash_value.as_deref() == Some(outcome.sha512_hex.as_str());
        if same {
            return Ok(());
        }
        if let Err(e) = to.delete(&key).await {
            tracing::warn!(error = %e, image = %image.id, "could not remove a bad copy");
        }
        Err(Error::Internal(format!(
            "the copy of image {}'s data does not hash as the image",
            image.id
        )))
    }

    /// Records that the store `id` holds `image`'s data (kept in reading order). When the image
    /// was deleted meanwhile, the copy just written there goes too (410).
    pub(crate) async fn add_store(
        &self,
        image: &Image,
        id: &str,
        written: &BlobStore,
    ) -> Result<()> {
        let added = images::modify(&self.db, &image.id, |current| {
            if current.stores.iter().any(|s| s == id) {
                return Ok(false);
            }
            current.stores.push(id.to_owned());
            current.stores = self.stores.read_order(&current.stores);
            current.updated_at = Timestamp::now();
            Ok(true)
        })
        .await;
        match added {
            Ok(_) => Ok(()),
            Err(Error::NotFound { .. }) => {
                if let Err(e) = written.delete(&key(image)?).await {
                    tracing::warn!(error = %e, image = %image.id, "could not remove orphan data");
                }
                Err(Error::Gone(format!(
                    "Image {} was deleted while its data was copied.",
                    image.id
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// Changes Glance's import markers of `image`: adds `stores` to (or takes them from) the
    /// importing list and the failed list. A deleted image has none to change.
    pub(crate) async fn mark_stores(
        &self,
        image: &ImageId,
        importing: (&[String], bool),
        failed: (&[String], bool),
    ) -> Result<()> {
        let marked = images::modify(&self.db, image, |current| {
            for (name, (stores, subtract)) in [(IMPORTING, importing), (FAILED, failed)] {
                let merged = merge_store_list(
                    current.properties.get(name).map(String::as_str),
                    stores,
                    subtract,
                );
                current.properties.insert(name.into(), merged);
            }
            current.updated_at = Timestamp::now();
            Ok(true)
        })
        .await;
        match marked {
            Ok(_) | Err(Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Removes the image's data from one of its stores (`DELETE /v2/stores/{store}/{image}`),
    /// as Glance: 404 with one store per region, 409 for a store not configured, the image's
    /// 404 for a caller who cannot see it, 403 unless the caller may change it, 409 unless it
    /// is active, 403 for its only store, 404 when the store does not hold it. The store is
    /// taken off the image's list under the row's lock first, so two removals at once never
    /// leave it in no store; the data goes after.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn delete_from_store(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        store_id: &str,
        id: &ImageId,
    ) -> Result<()> {
        if !self.stores.is_multi() {
            return Err(Error::not_found(
                glint_core::error::Kind::Image,
                NO_MULTI_STORE,
            ));
        }
        if !self.stores.has(store_id) {
            return Err(Error::StateConflict(format!(
                "The selected store {store_id} is not available on this node."
            )));
        }
        let image = self.get(ctx, region, id).await?;
        policy::require_change(ctx, &image, "remove data from a store of")?;
        let store = self.stores.store(region, store_id).await?;
        images::modify(&self.db, &image.id, |current| {
            policy::require_change(ctx, current, "remove data from a store of")?;
            if current.status != ImageStatus::Active {
                return Err(Error::StateConflict(
                    "It's not allowed to remove image data from store if image status is not \
                     'active'"
                        .into(),
                ));
            }
            if !current.stores.iter().any(|s| s == store_id) {
                return Err(Error::Missing(format!(
                    "Image {id} is not stored in store {store_id}."
                )));
            }
            if current.stores.len() == 1 {
                return Err(Error::Forbidden(
                    "Cannot delete image data from the only store containing it. Consider \
                     deleting the image instead."
                        .into(),
                ));
            }
            current.stores.retain(|s| s != store_id);
            current.updated_at = Timestamp::now();
            Ok(true)
        })
        .await?;
        if let Err(e) = store.delete(&key(&image)?).await {
            tracing::warn!(error = %e, image = %image.id, store = store_id, "could not remove image data from a store");
        }
        Ok(())
    }

    /// Copies the data of the image `id` to `to` in the region's default store (a server's
    /// disk): inside that store when the data is there, else streamed from the image's stores.
    pub(crate) async fn copy_data_into(
        &self,
        region: &RegionName,
        id: &ImageId,
        to: &glint_blob::BlobKey,
    ) -> Result<()> {
        let failed =
            |e: String| Error::Unavailable(format!("copying image data to the server's disk: {e}"));
        let default = self.stores.for_region(region).await?;
        let image = images::get(&self.db, id.as_str()).await?;
        let elsewhere = image.filter(|i| {
            let default_id = self.stores.default_id();
            !i.stores.is_empty() && !i.stores.iter().any(|s| Some(s.as_str()) == default_id)
        });
        let Some(image) = elsewhere else {
            let source = glint_blob::BlobKey::image(id.as_str())
                .map_err(|e| Error::Internal(e.to_string()))?;
            return default
                .copy(&source, to)
                .await
                .map_err(|e| failed(e.to_string()));
        };
        let data = self
            .open_data(&image, None)
            .await?
            .into_inner()
            .map(|chunk| chunk.map_err(|e| e.to_string()));
        default
            .put(to, Box::pin(data), self.settings.limits.size_cap, None)
            .await
            .map(|_| ())
            .map_err(|e| failed(e.to_string()))
    }

    /// Checks the stores an import names: every one configured (409 in Glance's words
    /// otherwise, as its import answers).
    pub(crate) fn require_known(&self, ids: &[String]) -> Result<()> {
        match ids.iter().find(|id| !self.stores.has(id)) {
            Some(unknown) => Err(Error::StateConflict(unknown_store(unknown))),
            None => Ok(()),
        }
    }
}
