//! Sharing an image with a group of accounts: the producer's rights are those of adding a
//! member (the owner's `member` role, or the cloud admin), the image must be `shared`, and the
//! group is one of the image owner's groups (another account's group is not found). Only the
//! producer and the admin list an image's group shares: a consumer never learns the producer's
//! groups.

use glint_core::event::EventActor;
use glint_core::group::{GroupId, GroupShare};
use glint_core::image::{Image, ImageId};
use glint_core::{AccountId, AuthContext, Error, RegionName, Result};
use glint_db::groups;
use glint_db::sharing_policies::Scope;

use super::{ImageService, accept_trusted_after, policy};

fn owner_of(image: &Image) -> Result<AccountId> {
    image
        .owner
        .clone()
        .map(AccountId::from_trusted)
        .ok_or_else(|| {
            Error::Forbidden(format!(
                "Image {} has no owner account, so it has no groups to share with.",
                image.id
            ))
        })
}

impl ImageService {
    /// Shares the image with a group of its owner: every account of the group without a live
    /// share gets a `pending` one (all within the member quota, or none).
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn share_with_group(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        group: &GroupId,
    ) -> Result<GroupShare> {
        let image = self
            .producer_image(ctx, region, image_id, "share images")
            .await?;
        let quota = u64::try_from(self.settings.limits.member_quota).ok();
        let actor = EventActor::from(ctx);
        let owner = owner_of(&image)?;
        let shared = groups::share_image(
            &self.db,
            &owner,
            group,
            &image.id,
            quota,
            &self.change_by(&actor),
        )
        .await?;
        let scope = Scope::Image(image.id.as_str());
        accept_trusted_after(&self.db, &self.clock, scope).await;
        Ok(shared)
    }

    /// Takes back the image's share with a group: the group's shares still pending or rejected
    /// are removed, its accepted ones stay.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn unshare_group(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        group: &GroupId,
    ) -> Result<GroupShare> {
        let image = self
            .producer_image(ctx, region, image_id, "remove members")
            .await?;
        let actor = EventActor::from(ctx);
        let owner = owner_of(&image)?;
        groups::unshare_image(&self.db, &owner, group, &image.id, &self.change_by(&actor)).await
    }

    /// The groups the image is shared with, for its owner (any role) and the admin.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn group_shares(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
    ) -> Result<Vec<GroupShare>> {
        let (image, _) = self.shared_image(ctx, region, image_id).await?;
        if !ctx.is_admin() && !policy::owns(ctx, &image) {
            return Err(Error::Forbidden(format!(
                "Only the owner of image {} may see its group shares.",
                image.id
            )));
        }
        groups::shares_of_image(&self.db, &image.id).await
    }
}
