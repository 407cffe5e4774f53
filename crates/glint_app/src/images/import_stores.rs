//! Imports into several stores (Glance's multi-store): which stores an import asks for
//! (`stores`, `all_stores`, `X-Image-Meta-Store`), receiving the data into the first and copying
//! it to the others (each copy checked against the hashes), `all_stores_must_succeed`, and the
//! `copy-image` method, which copies an active image's data to further stores in the
//! background. While an import runs, `os_glance_importing_to_stores` lists the stores still to
//! write and `os_glance_failed_import` those that failed, as Glance keeps them. With one store
//! per region an import writes to that store and the store options are ignored, as Glance
//! ignores them there.

use bytes::Bytes;
use futures::{Stream, StreamExt};
use glint_core::image::stores::StoreChoice;
use glint_core::image::{Image, ImageStatus, ImportRequest};
use glint_core::{AuthContext, Error, Result, Timestamp};
use glint_db::images;

use super::ImageService;
use super::data::key;
use super::receive::store_error;

/// The stores an import writes to: their ids in the order asked (empty with one store per
/// region), and whether a failure in any of them fails the whole import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImportTargets {
    pub stores: Vec<String>,
    pub must_succeed: bool,
}

impl ImageService {
    /// The stores `request` asks for, checked: 400 for options that do not go together, 409
    /// for a store that is not configured (Glance's answers).
    pub(crate) fn import_targets(&self, request: &ImportRequest) -> Result<ImportTargets> {
        if !self.stores.is_multi() {
            return Ok(ImportTargets {
                stores: Vec::new(),
                must_succeed: true,
            });
        }
        let choice = StoreChoice::of_import(
            request.stores.clone(),
            request.all_stores,
            request.store_header.as_deref(),
        )?;
        let stores = match choice {
            StoreChoice::All => self.stores.specs().iter().map(|s| s.id.clone()).collect(),
            StoreChoice::Named(ids) if ids.is_empty() => {
                return Err(Error::InvalidInput(
                    "'stores' must name at least one store.".into(),
                ));
            }
            StoreChoice::Named(mut ids) => {
                self.require_known(&ids)?;
                ids.dedup();
                ids
            }
            StoreChoice::Default => Vec::from_iter(self.stores.default_id().map(str::to_owned)),
        };
        Ok(ImportTargets {
            stores,
            must_succeed: request.all_stores_must_succeed,
        })
    }

    /// The default store alone (none with one store per region): where data goes when the
    /// request names no store, as a legacy import task's does.
    pub(crate) fn default_targets(&self) -> ImportTargets {
        ImportTargets {
            stores: Vec::from_iter(self.stores.default_id().map(str::to_owned)),
            must_succeed: true,
        }
    }

    /// Marks the start of an import into `targets` (multi-store only).
    pub(crate) async fn mark_importing(
        &self,
        image: &Image,
        targets: &ImportTargets,
    ) -> Result<()> {
        if targets.stores.is_empty() {
            return Ok(());
        }
        self.mark_stores(&image.id, (&targets.stores, false), (&targets.stores, true))
            .await
    }

    /// Marks a failed import into `targets`: none is being written any more, and those not
    /// written are failed.
    pub(crate) async fn mark_import_failed(&self, image: &Image, targets: &ImportTargets) {
        if targets.stores.is_empty() {
            return;
        }
        let current = images::get(&self.db, image.id.as_str())
            .await
            .ok()
            .flatten();
        let written = current.map(|i| i.stores).unwrap_or_default();
        let failed: Vec<String> = targets
            .stores
            .iter()
            .filter(|s| !written.contains(s))
            .cloned()
            .collect();
        if let Err(e) = self
            .mark_stores(&image.id, (&targets.stores, true), (&failed, false))
            .await
        {
            tracing::warn!(error = %e, image = %image.id, "could not record the failed import");
        }
    }

    /// Receives `body` into the first of `targets`' stores, copies it to the others, and makes
    /// the image active with the stores that hold it. With one store per region, the data
    /// goes to that store.
    pub(crate) async fn receive_into_stores<S, E>(
        &self,
        image: &Image,
        body: S,
        targets: &ImportTargets,
    ) -> Result<()>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: std::fmt::Display,
    {
        let cap = self.settings.limits.size_cap;
        let first = targets.stores.first().map(String::as_str);
        let (_, store) = self.write_store(&image.region, first).await?;
        let mut check = self.format_check(image);
        let outcome = self
            .claim()
            .receive(image, &store, &key(image)?, body, cap, &mut check)
            .await?;
        let mut written = Vec::from_iter(first.map(str::to_owned));
        if !written.is_empty() {
            self.mark_stores(&image.id, (&written, true), (&[], false))
                .await?;
        }
        for id in targets.stores.iter().skip(1) {
            let copied = self.copy_within_import(image, &store, id, &outcome).await;
            match copied {
                Ok(()) => written.push(id.clone()),
                Err(e) if targets.must_succeed => {
                    self.drop_copies(image, &written).await;
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(error = %e, image = %image.id, store = %id, "an import to a store failed; the others go on");
                    self.mark_stores(&image.id, (&[], false), (std::slice::from_ref(id), false))
                        .await?;
                }
            }
            self.mark_stores(&image.id, (std::slice::from_ref(id), true), (&[], false))
                .await?;
        }
        self.activate_in(image, outcome, &check, ImageStatus::Importing, &written)
            .await?;
        Ok(())
    }

    /// Copies the data just received into `from` to the store `id`, checking its hashes.
    async fn copy_within_import(
        &self,
        image: &Image,
        from: &glint_blob::BlobStore,
        id: &str,
        received: &glint_blob::PutOutcome,
    ) -> Result<()> {
        let cap = self.settings.limits.size_cap;
        let to = self.stores.store(&image.region, id).await?;
        let data = from
            .get(&key(image)?, None)
            .await
            .map_err(|e| store_error(e, cap))?
            .into_inner()
            .map(|chunk| chunk.map_err(|e| e.to_string()));
        let copy = to
            .put(&key(image)?, Box::pin(data), cap, None)
            .await
            .map_err(|e| store_error(e, cap))?;
        if copy.md5_hex == received.md5_hex && copy.sha512_hex == received.sha512_hex {
            return Ok(());
        }
        if let Err(e) = to.delete(&key(image)?).await {
            tracing::warn!(error = %e, image = %image.id, "could not remove a bad copy");
        }
        Err(Error::Internal(format!(
            "the copy of image {}'s data to store {id} does not hash as the data received",
            image.id
        )))
    }

    /// Removes the data an import wrote to `stores` (not yet recorded on the image).
    async fn drop_copies(&self, image: &Image, stores: &[String]) {
        for id in stores {
            if let Ok(store) = self.stores.store(&image.region, id).await
                && let Ok(key) = key(image)
                && let Err(e) = store.delete(&key).await
            {
                tracing::warn!(error = %e, image = %image.id, store = %id, "could not remove a failed import's data");
            }
        }
    }

    /// Starts a copy-image import of the active `image` to further stores (admin only, as
    /// Glance's `copy_image` policy), recorded as its import task; the copies are made in the
    /// background. A request for stores that all hold the image already does nothing.
    pub(super) async fn start_copy_image(
        &self,
        ctx: &AuthContext,
        image: Image,
        request: &ImportRequest,
        request_id: &str,
    ) -> Result<()> {
        if image.status != ImageStatus::Active {
            return Err(Error::StateConflict(
                "Only images with status active can be targeted for copying".into(),
            ));
        }
        if !ctx.is_admin() {
            return Err(Error::Forbidden(
                "You are not authorized to copy an image to other stores.".into(),
            ));
        }
        if !self.stores.is_multi() {
            return Err(Error::InvalidInput(format!(
                "The copy-image import method needs several stores: {}",
                super::NO_MULTI_STORE
            )));
        }
        let stale = self.check_import_lock(&image).await?;
        let mut targets = self.import_targets(request)?;
        if request.all_stores {
            targets.stores.retain(|s| !image.stores.contains(s));
            if targets.stores.is_empty() {
                return Ok(());
            }
        } else if let Some(present) = targets.stores.iter().find(|s| image.stores.contains(s)) {
            return Err(Error::InvalidInput(format!(
                "Image is already present at store '{present}'"
            )));
        }
        let task = self
            .open_task(
                ctx,
                &image,
                request,
                request_id,
                stale.as_deref(),
                &targets.stores,
            )
            .await?;
        if let Err(e) = self.mark_importing(&image, &targets).await {
            self.fail_task(&task, &e).await;
            return Err(e);
        }
        let (service, undo) = (self.clone(), self.clone());
        let (image_back, targets_back) = (image.clone(), targets.clone());
        self.run_task(
            task,
            async move { service.copy_to_stores(&image, &targets).await },
            async move { undo.mark_import_failed(&image_back, &targets_back).await },
        );
        Ok(())
    }

    /// Copies the active image's data to each of `targets`' stores, recording each copy.
    async fn copy_to_stores(&self, image: &Image, targets: &ImportTargets) -> Result<()> {
        let mut copied = Vec::new();
        for id in &targets.stores {
            let outcome = match self.stores.store(&image.region, id).await {
                Ok(to) => match self.copy_to_store(image, &to).await {
                    Ok(()) => self.add_store(image, id, &to).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) => copied.push(id.clone()),
                Err(e) if targets.must_succeed || matches!(e, Error::Gone(_)) => {
                    self.forget_copies(image, &copied).await;
                    return Err(e);
                }
                Err(e) => {
                    tracing::warn!(error = %e, image = %image.id, store = %id, "a copy to a store failed; the others go on");
                    self.mark_stores(&image.id, (&[], false), (std::slice::from_ref(id), false))
                        .await?;
                }
            }
            self.mark_stores(&image.id, (std::slice::from_ref(id), true), (&[], false))
                .await?;
        }
        Ok(())
    }

    /// Takes back the copies a failed copy-image made: off the image's list, then the data.
    /// Copies that have become the image's only stores (its others were removed meanwhile)
    /// stay.
    async fn forget_copies(&self, image: &Image, stores: &[String]) {
        let mut removed = Vec::new();
        let forgotten = images::modify(&self.db, &image.id, |current| {
            let (gone, kept): (Vec<String>, Vec<String>) = current
                .stores
                .iter()
                .cloned()
                .partition(|s| stores.contains(s));
            if kept.is_empty() || gone.is_empty() {
                return Ok(false);
            }
            current.stores = kept;
            current.updated_at = Timestamp::now();
            removed = gone;
            Ok(true)
        })
        .await;
        if let Err(e) = forgotten {
            tracing::warn!(error = %e, image = %image.id, "could not take back a failed copy");
            return;
        }
        self.drop_copies(image, &removed).await;
    }
}
