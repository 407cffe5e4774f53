//! Sharing: the producer adds and removes consumers (members) of a `shared` image; a consumer
//! answers with a member status. Codes follow the reference: a stranger gets 404 for everything;
//! only `shared` images have members; the owner may not set a status; a member sees only its own
//! row. Roles follow the product: `member` in the owner account shares, `manager` in the consumer
//! account answers, because accepting shows the image to every user of that account.

use glint_core::event::EventActor;
use glint_core::image::{Deferred, Image, ImageId, ImageMember, MemberStatus, Visibility};
use glint_core::{AuthContext, Error, RegionName, Result, Role};
use glint_db::members::{self, Reminder};
use glint_db::sharing_policies::Scope;

use super::{ImageService, accept_trusted_after, policy};

fn only_shared(image: &Image, action: &str) -> Result<()> {
    if image.visibility == Visibility::Shared {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "Not allowed to {action} for image {}. Only shared images have members.",
            image.id
        )))
    }
}

fn require_producer(ctx: &AuthContext, image: &Image, action: &str) -> Result<()> {
    if ctx.is_admin() {
        return Ok(());
    }
    if !policy::owns(ctx, image) {
        return Err(Error::Forbidden(format!(
            "Only the owner of image {} may {action}.",
            image.id
        )));
    }
    ctx.require(Role::Member, action)
}

fn member_not_found(member: &str) -> Error {
    Error::not_found(glint_core::error::Kind::Member, member)
}

impl ImageService {
    /// The image `id` in `region` if the caller can see it (`NotFound` otherwise), without its
    /// tags and properties, with the caller's own live share of it: one round trip.
    pub(super) async fn shared_image(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<(Image, Option<ImageMember>)> {
        let (image, share) = match members::image_with_share(
            &self.db,
            id.as_str(),
            ctx.account_id.as_str(),
        )
        .await?
        {
            Some((image, share)) if &image.region == region => (image, share),
            _ => return Err(policy::not_found(id.as_str())),
        };
        // As `membership`: only a shared image that is not the caller's has a share that counts.
        let share =
            share.filter(|_| image.visibility == Visibility::Shared && !policy::owns(ctx, &image));
        if policy::can_see(ctx, &image, share.as_ref()) {
            Ok((image, share))
        } else {
            Err(policy::not_found(id.as_str()))
        }
    }

    /// The shared image `id` in `region` if the caller may act on its shares as its producer
    /// (`action` names what for the refusal).
    pub(super) async fn producer_image(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
        action: &str,
    ) -> Result<Image> {
        let (image, _) = self.shared_image(ctx, region, id).await?;
        only_shared(&image, action)?;
        require_producer(ctx, &image, action)?;
        Ok(image)
    }

    /// Shares the image with the account `member` (a new `pending` share).
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn add_member(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        member: &str,
    ) -> Result<ImageMember> {
        let (image, _) = self.shared_image(ctx, region, image_id).await?;
        only_shared(&image, "create members")?;
        require_producer(ctx, &image, "share images")?;
        if member.trim().is_empty() {
            return Err(Error::InvalidInput("Member can't be empty".into()));
        }
        let quota = u64::try_from(self.settings.limits.member_quota).ok();
        let actor = EventActor::from(ctx);
        let share =
            members::add(&self.db, &image.id, member, quota, &self.change_by(&actor)).await?;
        if share.status != MemberStatus::Pending {
            return Ok(share);
        }
        let scope = Scope::Share(image.id.as_str(), member);
        accept_trusted_after(&self.db, &self.clock, scope).await;
        Ok(share)
    }

    /// The members the caller may see: all of them for the owner and the admin, its own row for
    /// a member.
    pub async fn list_members(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
    ) -> Result<Vec<ImageMember>> {
        let (image, _) = self.shared_image(ctx, region, image_id).await?;
        only_shared(&image, "list members")?;
        let all = members::list(&self.db, &image.id).await?;
        if ctx.is_admin() || policy::owns(ctx, &image) {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|m| m.member_id == ctx.account_id.as_str())
            .collect())
    }

    /// One member; every refusal is `NotFound`, as the reference answers.
    pub async fn get_member(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        member: &str,
    ) -> Result<ImageMember> {
        let (image, own_share) = self.shared_image(ctx, region, image_id).await?;
        let may_read =
            ctx.is_admin() || policy::owns(ctx, &image) || member == ctx.account_id.as_str();
        if image.visibility != Visibility::Shared || !may_read {
            return Err(member_not_found(member));
        }
        if let Some(share) = own_share.filter(|s| s.member_id == member) {
            return Ok(share);
        }
        members::get(&self.db, &image.id, member)
            .await?
            .ok_or_else(|| member_not_found(member))
    }

    /// The consumer's answer to a share: `pending`, `accepted` or `rejected`, freely (a status
    /// that could not be read is refused once the image is found and shared).
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn set_member_status(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        member: &str,
        status: Deferred<MemberStatus>,
    ) -> Result<ImageMember> {
        let (image, _) = self.shared_image(ctx, region, image_id).await?;
        only_shared(&image, "update members")?;
        let status = status?;
        if !ctx.is_admin() {
            if policy::owns(ctx, &image) {
                return Err(Error::Forbidden(
                    "The owner of an image cannot set a member's status: only the member may accept or reject a share.".into(),
                ));
            }
            if member != ctx.account_id.as_str() {
                return Err(member_not_found(member));
            }
            ctx.require(Role::Manager, "accept or reject shared images")?;
            if status == MemberStatus::Accepted {
                self.check_acceptance(&image, member).await?;
            }
        }
        let actor = EventActor::from(ctx);
        members::set_status(&self.db, &image.id, member, status, &self.change_by(&actor)).await
    }

    /// Removes a consumer from the image.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn remove_member(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        member: &str,
    ) -> Result<()> {
        let (image, _) = self.shared_image(ctx, region, image_id).await?;
        only_shared(&image, "delete members")?;
        require_producer(ctx, &image, "remove members")?;
        let actor = EventActor::from(ctx);
        members::remove(&self.db, &image.id, member, &self.change_by(&actor)).await
    }

    /// The producer reminds a consumer of a share still `pending`, within the courtesy rules
    /// (`RateLimited` beyond them); both parties get the reminder as an event.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn remind_member(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        member: &str,
    ) -> Result<Reminder> {
        let (image, _) = self.shared_image(ctx, region, image_id).await?;
        only_shared(&image, "remind members")?;
        require_producer(ctx, &image, "send reminders")?;
        let actor = EventActor::from(ctx);
        let change = self.change_by(&actor);
        let rules = self.settings.reminders;
        members::remind(&self.db, &image.id, member, &change, |share, sent, last| {
            rules.allow(share.status, sent, last, change.at)
        })
        .await
    }

    /// Every `share_timer_interval`: removes the shares whose scheduled removal is due, and
    /// those left `pending` longer than the operator allows (when offers expire at all).
    pub fn start_share_timers(&self) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(service.settings.share_timer_interval);
            loop {
                every.tick().await;
                match service.remove_due_shares().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, "scheduled share removals done"),
                    Err(e) => tracing::warn!(error = %e, "could not remove shares that are due"),
                }
                match service.accept_trusted_shares().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(accepted = n, "trusted shares accepted"),
                    Err(e) => tracing::warn!(error = %e, "could not accept trusted shares"),
                }
                match service.expire_pending_shares().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(expired = n, "pending shares expired"),
                    Err(e) => tracing::warn!(error = %e, "could not expire pending shares"),
                }
            }
        })
    }

    /// Removes the shares left `pending` longer than the operator allows, telling both parties
    /// of each; returns how many (none when offers never expire).
    pub async fn expire_pending_shares(&self) -> Result<usize> {
        let Some(expiry) = self.settings.pending_expiry else {
            return Ok(0);
        };
        let now = self.clock.now();
        let expiry = i64::try_from(expiry.as_secs()).unwrap_or(i64::MAX);
        let change = glint_db::events::Change::by_service(now);
        let offered_before = now.plus_seconds(-expiry);
        super::retirement::in_batches(|batch| {
            members::expire_pending(&self.db, offered_before, batch, &change)
        })
        .await
    }
}
