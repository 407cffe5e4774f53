//! Interoperable import (web-download is `web_download`'s), glance-direct method: `PUT …/stage` stores the data aside (queued →
//! uploading), `POST …/import` answers 202 and moves it into place in the background while
//! hashing it (uploading → importing → active; back to queued on failure), recorded as the
//! image's import task (`tasks`).

use bytes::Bytes;
use futures::{Stream, StreamExt};
use glint_blob::BlobKey;
use glint_core::image::{DataMediaType, Deferred, Image, ImageId, ImageStatus, ImportRequest};
use glint_core::{AuthContext, Error, RegionName, Result, Timestamp};
use glint_db::images;

use super::data::{joined, require_formats};
use super::import_stores::ImportTargets;
use super::{ImageService, policy, require_status};

/// The import methods this cloud offers (copy-image needs several stores per region).
pub const IMPORT_METHODS: &[&str] = &["glance-direct", "web-download", "copy-image"];

fn staging(image: &Image) -> Result<BlobKey> {
    BlobKey::staging(image.id.as_str()).map_err(|e| Error::Internal(e.to_string()))
}

impl ImageService {
    /// Stages the image's data for a later glance-direct import.
    /// Stages the image's data (`PUT …/stage`), in a task of its own.
    pub async fn stage<S, E>(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        media: DataMediaType,
        body: S,
    ) -> Result<()>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let (service, ctx, region, id) = (self.clone(), ctx.clone(), region.clone(), id.clone());
        let task = tokio::spawn(async move {
            service
                .receive_staged(&ctx, &region, &id, &media, body)
                .await
        });
        joined(task.await)
    }

    #[tracing::instrument(skip(self, ctx, body), fields(account = %ctx.account_id))]
    async fn receive_staged<S, E>(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        media: &DataMediaType,
        body: S,
    ) -> Result<()>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: std::fmt::Display,
    {
        let image = self.get(ctx, region, id).await?;
        policy::require_change(ctx, &image, "stage data for")?;
        media.require_octet_stream()?;
        let store = self.stores.for_region(region).await?;
        let claim = self.claim();
        claim
            .take(&image, ImageStatus::Queued, ImageStatus::Uploading)
            .await?;
        let mut check = self.format_check(&image);
        let cap = self.settings.limits.size_cap;
        match claim
            .receive(&image, &store, &staging(&image)?, body, cap, &mut check)
            .await
        {
            Ok(outcome) => {
                let staged = images::modify(&self.db, &image.id, |current| {
                    require_status(current, ImageStatus::Uploading)?;
                    current.size = i64::try_from(outcome.size).ok();
                    current.updated_at = Timestamp::now();
                    Ok(true)
                })
                .await;
                match staged {
                    Ok(_) | Err(Error::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
                images::end_upload(&self.db, &image.id).await
            }
            Err(e) => {
                claim.release(&image, ImageStatus::Uploading).await;
                Err(e)
            }
        }
    }

    /// Starts an import (`POST …/import`, the request `request_id`); the work goes on in the
    /// background after this returns, recorded as the image's import task. A request that
    /// could not be read is refused once the image is found.
    #[tracing::instrument(skip(self, ctx, request), fields(account = %ctx.account_id))]
    pub async fn import(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        request: Deferred<ImportRequest>,
        request_id: &str,
    ) -> Result<()> {
        let image = self.get(ctx, region, id).await?;
        let request = request?;
        let method = request.method.as_str();
        if method == "copy-image" {
            return self
                .start_copy_image(ctx, image, &request, request_id)
                .await;
        }
        policy::require_change(ctx, &image, "import data into")?;
        if image.status == ImageStatus::Active {
            return Err(Error::StateConflict(format!(
                "Image {id} is already active."
            )));
        }
        if method == "web-download" {
            return self
                .start_web_download(ctx, image, &request, request_id)
                .await;
        }
        if image.status != ImageStatus::Uploading {
            return Err(Error::StateConflict(format!(
                "Image needs to be staged before '{method}' method can be used"
            )));
        }
        if require_formats(&image).is_err() {
            return Err(Error::StateConflict(
                "'disk_format' and 'container_format' must be set before import.".into(),
            ));
        }
        let stale = self.check_import_lock(&image).await?;
        let targets = self.import_targets(&request)?;
        let task = self
            .open_task(
                ctx,
                &image,
                &request,
                request_id,
                stale.as_deref(),
                &targets.stores,
            )
            .await?;
        self.claim_for_task(&task, &image, ImageStatus::Uploading)
            .await?;
        if let Err(e) = self.mark_importing(&image, &targets).await {
            self.claim().release(&image, ImageStatus::Importing).await;
            self.fail_task(&task, &e).await;
            return Err(e);
        }
        let (service, undo) = (self.clone(), self.clone());
        let (image_back, targets_back) = (image.clone(), targets.clone());
        self.run_task(
            task,
            async move { service.finish_import(&image, &targets).await },
            async move {
                undo.claim()
                    .release(&image_back, ImageStatus::Importing)
                    .await;
                undo.mark_import_failed(&image_back, &targets_back).await;
            },
        );
        Ok(())
    }

    async fn finish_import(&self, image: &Image, targets: &ImportTargets) -> Result<()> {
        let store = self.stores.for_region(&image.region).await?;
        let cap = self.settings.limits.size_cap;
        let staged = staging(image)?;
        let data = store
            .get(&staged, None)
            .await
            .map_err(|e| super::receive::store_error(e, cap))?
            .into_inner()
            .map(|chunk| chunk.map_err(|e| e.to_string()));
        self.receive_into_stores(image, Box::pin(data), targets)
            .await?;
        if let Err(e) = store.delete(&staged).await {
            tracing::warn!(error = %e, image = %image.id, "could not remove staged data");
        }
        Ok(())
    }
}
