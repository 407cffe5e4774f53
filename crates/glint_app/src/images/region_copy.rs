//! Copying an image to another region of its owner: the owner (a `member`) or the admin asks,
//! the copy is made at once in `queued` and answered, then filled in the background
//! (`importing` while its data is read from the source region's store and written to the
//! target's, hashed and inspected as any upload) and made `active` only when its checksum and
//! SHA-512 equal the source's. A failed copy goes back to `queued` with nothing stored, and
//! says why in the log.

use futures::StreamExt;
use glint_core::image::region_copy::copy_of;
use glint_core::image::{Image, ImageId, ImageStatus};
use glint_core::{AuthContext, Error, RegionName, Result};
use glint_db::images;

use super::data::key;
use super::{ImageService, policy};

impl ImageService {
    /// Starts copying image `id` of `region` to `target` (named `name`, or as the source);
    /// returns the copy, still `queued`.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn copy_to_region(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        target: &RegionName,
        name: Option<String>,
    ) -> Result<Image> {
        let source = self.get(ctx, region, id).await?;
        policy::require_change(ctx, &source, "copy")?;
        if target == region {
            return Err(Error::InvalidInput(format!(
                "Image {id} is in region {region} already; name another region to copy it to."
            )));
        }
        if !policy::may_use_region(ctx, target) {
            return Err(Error::Forbidden(format!(
                "Your account may not use region {target}."
            )));
        }
        if !glint_db::regions::exists(&self.db, target).await? {
            return Err(Error::not_found(
                glint_core::error::Kind::Region,
                target.as_str(),
            ));
        }
        if source.status != ImageStatus::Active {
            return Err(Error::StateConflict(format!(
                "Image {id} is {}: only an active image can be copied.",
                source.status
            )));
        }
        let new_id = ImageId::random(&uuid::Uuid::new_v4().to_string());
        let copy = copy_of(&source, target, name, new_id, self.clock.now());
        let quota = self.settings.limits.property_quota;
        if quota >= 0 && copy.properties.len() as i64 > quota {
            return Err(Error::QuotaExceeded(format!(
                "The copy of image {id} would have {} properties with its lineage, beyond the \
                 quota of {quota}.",
                copy.properties.len()
            )));
        }
        images::insert(&self.db, &copy).await?;
        tracing::info!(source = %id, copy = %copy.id, %target, "copying an image to another region");
        let (service, from, to) = (self.clone(), source, copy.clone());
        tokio::spawn(async move {
            if let Err(e) = service.fill_copy(&from, &to).await {
                tracing::warn!(error = %e, source = %from.id, copy = %to.id, "the copy to another region failed");
                service.claim().release(&to, ImageStatus::Importing).await;
            }
        });
        Ok(copy)
    }

    /// Streams the source's data into the copy, checking that every byte arrived.
    async fn fill_copy(&self, source: &Image, copy: &Image) -> Result<()> {
        let claim = self.claim();
        claim
            .take(copy, ImageStatus::Queued, ImageStatus::Importing)
            .await?;
        let cap = self.settings.limits.size_cap;
        let data = self
            .open_data(source, None)
            .await?
            .into_inner()
            .map(|chunk| chunk.map_err(|e| e.to_string()));
        let to = self.stores.for_region(&copy.region).await?;
        let mut check = self.format_check(copy);
        let outcome = claim
            .receive(copy, &to, &key(copy)?, Box::pin(data), cap, &mut check)
            .await?;
        let same = source.checksum.as_deref() == Some(outcome.md5_hex.as_str())
            && source.os_hash_value.as_deref() == Some(outcome.sha512_hex.as_str());
        if !same {
            if let Err(e) = to.delete(&key(copy)?).await {
                tracing::warn!(error = %e, copy = %copy.id, "could not remove a bad copy's data");
            }
            return Err(Error::Internal(format!(
                "the copy's data does not hash as image {}'s",
                source.id
            )));
        }
        self.activate(copy, outcome, &check, ImageStatus::Importing)
            .await?;
        Ok(())
    }
}
