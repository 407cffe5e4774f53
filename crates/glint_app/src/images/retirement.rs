//! Retiring an image safely: who uses it (the usage report, for its owner and the admin), its
//! deprecation (checked when a patch changes it, told to its consumers), and scheduled removals
//! of shares (set and cancelled by the producer, read by both parties, carried out by a
//! background job on one node).

use glint_core::event::{EventActor, EventKind};
use glint_core::image::deprecation::{self, Deprecation};
use glint_core::image::patch::{PatchCaller, PatchDialect, PatchOp, apply_patch};
use glint_core::image::usage::ImageUsage;
use glint_core::image::{Image, ImageId};
use std::collections::BTreeMap;

use glint_core::{AuthContext, Error, RegionName, Result, Timestamp};
use glint_db::events::{Change, Recording};
use glint_db::{images, members, usage};
use serde_json::json;

use super::{ImageService, policy};

/// The replacement a patch names, checked before the image's row is locked.
#[derive(Debug, Clone)]
pub(crate) struct Replacement {
    pub id: ImageId,
    pub name: Option<String>,
}

impl ImageService {
    /// Who uses the image: per consumer account its share and its servers (counts only), the
    /// owner's own use, and strangers' use counted together. The owner and the admin only:
    /// `Forbidden` for a consumer, `NotFound` for a stranger.
    pub async fn usage(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<ImageUsage> {
        let image = self.get(ctx, region, id).await?;
        if !ctx.is_admin() && !policy::owns(ctx, &image) {
            return Err(Error::Forbidden(format!(
                "Only the owner of image {id} may see who uses it."
            )));
        }
        let (shares, servers, copies) = futures::try_join!(
            usage::shares(&self.db, &image.id),
            usage::servers(&self.db, &image.id),
            usage::copies(&self.db, &image.id),
        )?;
        Ok(ImageUsage::build(
            image.id.clone(),
            image.region.to_string(),
            image.owner.as_deref(),
            shares,
            &servers,
            &copies,
        ))
    }

    /// The replacement a patch of `image` names when it touches the deprecation properties:
    /// a new one must be a live image of the same owner in the same region. A patch that would not
    /// apply is left for the locked apply to refuse.
    pub(super) async fn replacement_in_patch(
        &self,
        image: &Image,
        dialect: PatchDialect,
        ops: &[PatchOp],
        caller: &PatchCaller,
    ) -> Result<Option<Replacement>> {
        if !ops
            .iter()
            .any(|op| deprecation::PROPERTIES.contains(&op.path()))
        {
            return Ok(None);
        }
        let Ok(preview) = apply_patch(image, dialect, ops, caller, &self.settings.limits) else {
            return Ok(None);
        };
        Deprecation::check(&preview)?;
        let Some(id) = deprecation::replacement(&preview) else {
            return Ok(None);
        };
        // A replacement the image already names is kept as it is, even if it was deleted since:
        // the owner may still change the message or the date.
        let unchanged = deprecation::replacement(image).as_ref() == Some(&id);
        match images::get(&self.db, id.as_str()).await? {
            Some(found) if found.region == image.region && found.owner == image.owner => {
                Ok(Some(Replacement {
                    id,
                    name: found.name,
                }))
            }
            _ if unchanged => Ok(Some(Replacement { id, name: None })),
            _ => Err(Error::InvalidInput(format!(
                "Image {id} cannot replace image {}: a replacement must be an image of the same owner in region {}.",
                image.id, image.region
            ))),
        }
    }

    /// Schedules the removal of `member`'s share at `at` (in the future); the consumer keeps the
    /// share until then and both parties are told the date.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn schedule_removal(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        member: &str,
        at: Timestamp,
    ) -> Result<Timestamp> {
        let image = self
            .producer_image(ctx, region, image_id, "schedule removals")
            .await?;
        let actor = EventActor::from(ctx);
        let change = self.change_by(&actor);
        if at <= change.at {
            return Err(Error::InvalidInput(
                "A scheduled removal must be in the future; to remove the consumer now, delete the member.".into(),
            ));
        }
        members::schedule_removal(&self.db, &image.id, member, at, &change).await?;
        Ok(at)
    }

    /// Cancels the scheduled removal of `member`'s share.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn cancel_removal(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        member: &str,
    ) -> Result<()> {
        let image = self
            .producer_image(ctx, region, image_id, "cancel removals")
            .await?;
        let actor = EventActor::from(ctx);
        members::cancel_removal(&self.db, &image.id, member, &self.change_by(&actor)).await
    }

    /// When the share of `member` ends, if its removal is scheduled: for the producer (any
    /// member) and for the consumer (its own share only; `None` for any other).
    pub async fn scheduled_removal(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        member: &str,
    ) -> Result<Option<Timestamp>> {
        let image = self.get(ctx, region, image_id).await?;
        if !ctx.is_admin() && !policy::owns(ctx, &image) && member != ctx.account_id.as_str() {
            return Ok(None);
        }
        members::removal_of(&self.db, &image.id, member).await
    }

    /// When each of the caller's account's shares whose removal is scheduled ends, by image
    /// (its own shares only, as `scheduled_removal` tells a consumer).
    pub async fn scheduled_removals(
        &self,
        ctx: &AuthContext,
    ) -> Result<BTreeMap<ImageId, Timestamp>> {
        let found = members::removals_for(&self.db, ctx.account_id.as_str()).await?;
        Ok(found.into_iter().collect())
    }
    /// Removes every share whose scheduled time has come, telling both parties of each;
    /// returns how many. Safe to run on several nodes at once.
    pub async fn remove_due_shares(&self) -> Result<usize> {
        let now = self.clock.now();
        let change = Change::by_service(now);
        in_batches(|batch| members::remove_due(&self.db, now, batch, &change)).await
    }
}

/// Runs `pass` (which ends at most `batch` shares) until a pass ends fewer; how many in all.
pub(super) async fn in_batches<F, Fut>(mut pass: F) -> Result<usize>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<members::EndedShare>>>,
{
    const BATCH: u32 = 100;
    let mut total = 0;
    loop {
        let ended = pass(BATCH).await?.len();
        total += ended;
        if ended < BATCH as usize {
            return Ok(total);
        }
    }
}

/// `StateConflict` when the replacement a locked patch names is not the one checked before the
/// lock (another change moved it meanwhile); the deprecation's own values are checked here.
pub(super) fn check_deprecation(
    before: &Image,
    after: &Image,
    checked: Option<&Replacement>,
) -> Result<()> {
    if !deprecation::changed(before, after) {
        return Ok(());
    }
    Deprecation::check(after)?;
    let named = deprecation::replacement(after);
    if named.is_some() && named.as_ref() != checked.map(|r| &r.id) {
        return Err(Error::StateConflict(format!(
            "Image {} changed while this request ran; try again",
            before.id
        )));
    }
    Ok(())
}

/// The event a change of deprecation tells the consumers, if it changed one.
pub(super) fn deprecation_told<'a>(
    before: &Image,
    after: &Image,
    image: &'a ImageId,
    change: &Change<'a>,
    replacement: Option<&Replacement>,
) -> Option<Recording<'a>> {
    let (was, now) = (Deprecation::of(before), Deprecation::of(after));
    if was == now {
        return None;
    }
    let Some(now) = now else {
        return Some(Recording::new(
            EventKind::Undeprecated,
            image,
            change.actor,
            change.at,
        ));
    };
    let mut detail = serde_json::Map::new();
    if let Some(id) = &now.replacement {
        detail.insert("replacement_image_id".into(), json!(id.as_str()));
        let name = replacement
            .filter(|r| &r.id == id)
            .and_then(|r| r.name.as_deref());
        detail.insert("replacement_name".into(), json!(name));
    }
    if let Some(at) = now.obsolete_at {
        detail.insert("obsolete_at".into(), json!(at.to_glance()));
    }
    if let Some(message) = &now.message {
        detail.insert("message".into(), json!(message));
    }
    Some(Recording::new(EventKind::Deprecated, image, change.actor, change.at).with_detail(detail))
}
