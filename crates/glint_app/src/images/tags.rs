//! Image tags: add (idempotent, within the tag quota) and remove, each on the image as it is when
//! its row is locked.

use glint_core::image::ImageId;
use glint_core::{AuthContext, Error, RegionName, Result, Timestamp};
use glint_db::images;

use super::{ImageService, policy};

impl ImageService {
    /// Adds a tag (idempotent).
    pub async fn add_tag(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        tag: &str,
    ) -> Result<()> {
        let image = self.get(ctx, region, id).await?;
        let quota = self.settings.limits.tag_quota;
        images::modify(&self.db, &image.id, |current| {
            policy::require_change(ctx, current, "modify")?;
            if tag.chars().count() > 255 {
                return Err(Error::InvalidInput(format!(
                    "Provided object does not match schema 'image': tag '{tag}' is too long (at most 255 characters)"
                )));
            }
            if current.tags.contains(tag) {
                return Ok(false);
            }
            if quota >= 0 && current.tags.len() as i64 + 1 > quota {
                return Err(Error::QuotaExceeded(format!(
                    "Maximum number of tags exceeded: the limit is {quota}"
                )));
            }
            current.tags.insert(tag.to_owned());
            current.updated_at = Timestamp::now();
            Ok(true)
        })
        .await?;
        Ok(())
    }

    /// Removes a tag; `NotFound` if the image does not have it.
    pub async fn remove_tag(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        tag: &str,
    ) -> Result<()> {
        let image = self.get(ctx, region, id).await?;
        images::modify(&self.db, &image.id, |current| {
            policy::require_change(ctx, current, "modify")?;
            if !current.tags.remove(tag) {
                return Err(Error::not_found(glint_core::error::Kind::Tag, tag));
            }
            current.updated_at = Timestamp::now();
            Ok(true)
        })
        .await?;
        Ok(())
    }
}
