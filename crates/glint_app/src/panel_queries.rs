//! Views the Control Panel needs, composed from the image rules that the API applies: the
//! account's saved images (own and accepted shares), its pending shares across regions, the
//! standard images, and the panel's share, make-shareable and deprecate actions. Nothing here
//! decides access on its own: every call goes through `ImageService::list`, `add_member` or
//! `update`, with queries and changes built as domain values.

use glint_core::image::deprecation::{self, Deprecation};
use glint_core::image::patch::{PatchDialect, PatchOp};
use glint_core::image::query::{ImageListQuery, MemberStatusFilter, VisibilityFilter};
use glint_core::image::{Image, ImageMember, Visibility};
use glint_core::image::{ImageId, ImagePatch, MemberStatus};
use glint_core::{AuthContext, Error, RegionName, Result};
use serde_json::Value;

use crate::ImageService;

/// Where an image in the account's lists comes from, as the panel's Source column names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSource {
    /// Owned by the caller's account ("Saved Image").
    Saved,
    /// Owned by another account and shared with the caller's ("Shared Image").
    Shared,
}

impl ImageSource {
    /// The image's source for the caller: `None` for images that are neither the account's own
    /// nor shared with it (standard and community images).
    pub fn of(ctx: &AuthContext, image: &Image) -> Option<ImageSource> {
        if image.owner.as_deref() == Some(ctx.account_id.as_str()) {
            Some(ImageSource::Saved)
        } else if image.visibility == Visibility::Shared {
            Some(ImageSource::Shared)
        } else {
            None
        }
    }
}

/// An image of the account's Saved Images list.
#[derive(Debug, Clone)]
pub struct SavedImage {
    pub image: Image,
    pub source: ImageSource,
}

impl ImageService {
    /// Every image of a list query in `region`, following the pages.
    async fn list_every(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        query: ImageListQuery,
    ) -> Result<Vec<Image>> {
        let mut found: Vec<Image> = Vec::new();
        loop {
            let page_query = match found.last() {
                Some(last) => query.clone().after(last.id.as_str()),
                None => query.clone(),
            };
            let page = self.list(ctx, region, &page_query).await?;
            let full = page.next.is_some();
            found.extend(page.images);
            if !full {
                return Ok(found);
            }
        }
    }

    /// A query for every page of a list, in pages as large as a client may ask for.
    fn every(&self) -> ImageListQuery {
        ImageListQuery::new(self.settings().max_page)
    }

    /// The account's own images and the shares it accepted, in `regions`, newest first.
    pub async fn saved_images(
        &self,
        ctx: &AuthContext,
        regions: &[RegionName],
    ) -> Result<Vec<SavedImage>> {
        let mut saved = Vec::new();
        for region in regions {
            let own = self
                .every()
                .with_visibility(VisibilityFilter::All)
                .owned_by(ctx.account_id.as_str());
            let own = self.list_every(ctx, region, own).await?;
            let accepted = self
                .every()
                .with_visibility(VisibilityFilter::Only(Visibility::Shared))
                .with_member_status(MemberStatusFilter::Only(MemberStatus::Accepted));
            let accepted = self.list_every(ctx, region, accepted).await?;
            saved.extend(own.into_iter().map(|image| SavedImage {
                image,
                source: ImageSource::Saved,
            }));
            saved.extend(
                accepted
                    .into_iter()
                    .filter(|i| ImageSource::of(ctx, i) == Some(ImageSource::Shared))
                    .map(|image| SavedImage {
                        image,
                        source: ImageSource::Shared,
                    }),
            );
        }
        saved.sort_by_key(|s| std::cmp::Reverse(s.image.created_at));
        Ok(saved)
    }

    /// The shares waiting for the account's answer in `regions` (other accounts' images whose
    /// member status for this account is `pending`), newest first.
    pub async fn pending_shares(
        &self,
        ctx: &AuthContext,
        regions: &[RegionName],
    ) -> Result<Vec<Image>> {
        let mut pending = Vec::new();
        for region in regions {
            let query = self
                .every()
                .with_member_status(MemberStatusFilter::Only(MemberStatus::Pending))
                .with_visibility(VisibilityFilter::Only(Visibility::Shared));
            let found = self.list_every(ctx, region, query).await?;
            pending.extend(
                found
                    .into_iter()
                    .filter(|i| ImageSource::of(ctx, i) == Some(ImageSource::Shared)),
            );
        }
        pending.sort_by_key(|i| std::cmp::Reverse(i.created_at));
        Ok(pending)
    }

    /// The standard (public) images of `region`.
    pub async fn standard_images(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
    ) -> Result<Vec<Image>> {
        let query = self
            .every()
            .with_visibility(VisibilityFilter::Only(Visibility::Public));
        self.list_every(ctx, region, query).await
    }

    /// Shares the image with the account numbered `account`, as the panel's Share Image dialog
    /// does: the number is trimmed, and an empty number or the caller's own account is refused
    /// with a clear message before the sharing rules of `add_member` apply.
    pub async fn share_with_account(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        account: &str,
    ) -> Result<ImageMember> {
        let account = account.trim();
        if account.is_empty() {
            return Err(Error::InvalidInput(
                "Enter the account number of the account to share the image with.".into(),
            ));
        }
        if account == ctx.account_id.as_str() {
            return Err(Error::InvalidInput(format!(
                "{account} is your own account number: share the image with the consumer's account number."
            )));
        }
        self.add_member(ctx, region, image_id, account).await
    }

    /// Makes the image shareable (visibility `shared`) through the same update as a client's
    /// `replace /visibility`.
    pub async fn make_shareable(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
    ) -> Result<Image> {
        let patch = ImagePatch::set_visibility(Visibility::Shared);
        self.update(ctx, region, image_id, Ok(patch)).await
    }

    /// Deprecates the image as the owner's form says, through the same update as a client's
    /// patch of the `glint_` properties (which checks the replacement and tells the consumers):
    /// what `wanted` leaves out is removed. An obsolete time must be to come, unless it is the
    /// one already set.
    pub async fn deprecate(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        wanted: Deprecation,
    ) -> Result<Image> {
        let image = self.get(ctx, region, image_id).await?;
        let current = Deprecation::of(&image).and_then(|d| d.obsolete_at);
        if let Some(at) = wanted.obsolete_at
            && at <= self.clock().now()
            && current != Some(at)
        {
            return Err(Error::InvalidInput(
                "The date new servers stop must be after today: choose a later date, or leave it empty.".into(),
            ));
        }
        let text = |v: &str| Some(Value::String(v.to_owned()));
        let values = [
            (deprecation::DEPRECATED, text("true")),
            (
                deprecation::REPLACEMENT,
                wanted.replacement.as_ref().and_then(|id| text(id.as_str())),
            ),
            (
                deprecation::MESSAGE,
                wanted.message.as_deref().and_then(text),
            ),
            (
                deprecation::OBSOLETE_AT,
                wanted.obsolete_at.and_then(|at| text(&at.to_glance())),
            ),
        ];
        let ops = values
            .into_iter()
            .filter_map(|(key, value)| set_property(&image, key, value))
            .collect();
        self.update(ctx, region, image_id, Ok(property_patch(ops)))
            .await
    }

    /// Undoes the image's deprecation: its `glint_` deprecation properties are removed.
    pub async fn undeprecate(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
    ) -> Result<Image> {
        let image = self.get(ctx, region, image_id).await?;
        let ops = deprecation::PROPERTIES
            .iter()
            .filter_map(|key| set_property(&image, key, None))
            .collect();
        self.update(ctx, region, image_id, Ok(property_patch(ops)))
            .await
    }
}

/// The operation that gives the image's property `key` the value `value` (`None`: removes it),
/// if that changes anything.
fn set_property(image: &Image, key: &str, value: Option<Value>) -> Option<PatchOp> {
    let path = key.to_owned();
    let current = image.properties.get(key);
    match value {
        Some(Value::String(v)) if current == Some(&v) => None,
        Some(value) => Some(PatchOp::Add { path, value }),
        None => current.map(|_| PatchOp::Remove { path }),
    }
}

fn property_patch(ops: Vec<PatchOp>) -> ImagePatch {
    ImagePatch {
        dialect: PatchDialect::V2_1,
        ops,
    }
}
