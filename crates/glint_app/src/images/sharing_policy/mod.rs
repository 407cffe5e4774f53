//! Sharing policies, the consumer's side of trust: reading and setting an account's policy
//! (any role reads it, a `manager` sets it), what it blocks or would block, the refusal of an
//! acceptance or a boot in `enforce` mode, a manager's override, and the automatic acceptance
//! of trusted producers' shares (`auto_accept`). An account without a policy sees the member
//! API exactly as before.

mod auto_accept;
mod facts;

pub(crate) use auto_accept::{accept_trusted, accept_trusted_after};

use glint_core::event::EventActor;
use glint_core::image::{Image, ImageId, ImageMember, MemberStatus, Visibility};
use glint_core::sharing_policy::{Finding, SharingPolicy, Verdict};
use glint_core::{AuthContext, Error, RegionName, Result, Role, Timestamp};
use glint_db::sharing_policies::{self, Scope};
use glint_db::{members, trust_reports};
use serde_json::{Map, Value};

use super::{ImageService, policy};

/// Longest reason a manager may give for an override, in characters.
pub const MAX_OVERRIDE_REASON: usize = 500;

/// A share the policy judges, with what `enforce` blocks (or would block) of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedShare {
    pub image_id: ImageId,
    pub image_name: Option<String>,
    pub region: String,
    pub producer: String,
    pub status: MemberStatus,
    pub findings: Vec<Finding>,
    /// What enforcing the refusals keeps the account from: `accept` (a pending share) and
    /// `boot`.
    pub blocks: Vec<&'static str>,
}

impl ImageService {
    /// The caller's account's policy; an account that never set one has the defaults, `off`.
    pub async fn sharing_policy(&self, ctx: &AuthContext) -> Result<SharingPolicy> {
        let stored = sharing_policies::get(&self.db, ctx.account_id.as_str()).await?;
        Ok(stored.unwrap_or_default())
    }

    /// Sets the caller's account's policy (a `manager`), then accepts the pending shares it
    /// now accepts by itself.
    #[tracing::instrument(skip(self, ctx, new), fields(account = %ctx.account_id))]
    pub async fn set_sharing_policy(
        &self,
        ctx: &AuthContext,
        new: SharingPolicy,
    ) -> Result<SharingPolicy> {
        ctx.require(Role::Manager, "set the account's sharing policy")?;
        let account = ctx.account_id.as_str();
        let now = self.clock.now();
        sharing_policies::put(&self.db, account, &new, now, ctx.username.as_str()).await?;
        tracing::info!(mode = %new.mode, trusted = new.trusted_producers.len(), "sharing policy set");
        accept_trusted_after(&self.db, &self.clock, Scope::Consumer(account)).await;
        self.sharing_policy(ctx).await
    }

    /// Drops the caller's account's policy (a `manager`): the account is back to no policy.
    pub async fn delete_sharing_policy(&self, ctx: &AuthContext) -> Result<()> {
        ctx.require(Role::Manager, "remove the account's sharing policy")?;
        if sharing_policies::delete(&self.db, ctx.account_id.as_str()).await? {
            tracing::info!(account = %ctx.account_id, "sharing policy removed");
            Ok(())
        } else {
            Err(Error::StateConflict(
                "This account has no sharing policy to remove.".into(),
            ))
        }
    }

    /// The shares offered to the caller's account that `enforce` blocks, or would block in
    /// `off` and `audit` mode (what `audit` lists): each with its findings. A share accepted
    /// with a manager's override blocks nothing.
    pub async fn sharing_policy_blocks(
        &self,
        ctx: &AuthContext,
    ) -> Result<(SharingPolicy, Vec<JudgedShare>)> {
        let policy = self.sharing_policy(ctx).await?;
        let shares = sharing_policies::shares_to(&self.db, ctx.account_id.as_str()).await?;
        let mut blocked = Vec::new();
        for share in shares {
            if share.overridden_at.is_some() {
                continue;
            }
            let verdict = facts::verdict_of(&policy, share.report.as_deref())?;
            if !policy.would_block(&verdict) {
                continue;
            }
            let status: MemberStatus = share.status.parse()?;
            let blocks = if status == MemberStatus::Pending {
                vec!["accept", "boot"]
            } else {
                vec!["boot"]
            };
            blocked.push(JudgedShare {
                image_id: ImageId::from_trusted(share.image_id),
                image_name: share.image_name,
                region: share.region,
                producer: share.producer,
                status,
                findings: verdict.findings,
                blocks,
            });
        }
        Ok((policy, blocked))
    }

    /// The caller's account's policy and its verdict on an image shared with it, for the
    /// accept dialog; `None` without a policy (or for an image that is not shared with it).
    pub async fn share_verdict(
        &self,
        ctx: &AuthContext,
        image: &Image,
    ) -> Result<Option<(SharingPolicy, Verdict)>> {
        if image.visibility != Visibility::Shared || policy::owns(ctx, image) {
            return Ok(None);
        }
        let Some(policy) = sharing_policies::rules_of(&self.db, ctx.account_id.as_str()).await?
        else {
            return Ok(None);
        };
        let verdict = self.verdict_on(&policy, &image.id).await?;
        Ok(Some((policy, verdict)))
    }

    async fn verdict_on(&self, policy: &SharingPolicy, image: &ImageId) -> Result<Verdict> {
        let stored = trust_reports::get(&self.db, image).await?;
        let report = stored.and_then(|s| {
            s.report
                .filter(|_| s.state == trust_reports::ReportState::Done)
        });
        facts::verdict_of(policy, report.as_deref())
    }

    /// The verdict that refuses `consumer`'s acceptance of (or boot from) `image` under its
    /// enforced policy; `None` when nothing refuses it.
    async fn enforced_refusal(&self, consumer: &str, image: &ImageId) -> Result<Option<Verdict>> {
        let Some(policy) = sharing_policies::rules_of(&self.db, consumer).await? else {
            return Ok(None);
        };
        if policy.mode != glint_core::sharing_policy::PolicyMode::Enforce {
            return Ok(None);
        }
        let verdict = self.verdict_on(&policy, image).await?;
        Ok(policy.blocks(&verdict).then_some(verdict))
    }

    /// The verdict of `consumer`'s enforced policy that refuses `image`, unless the share was
    /// accepted with an override (which a repeated answer keeps); `None` when nothing refuses.
    async fn refusal_standing(&self, consumer: &str, image: &ImageId) -> Result<Option<Verdict>> {
        let Some(verdict) = self.enforced_refusal(consumer, image).await? else {
            return Ok(None);
        };
        let overridden = sharing_policies::override_of(&self.db, image.as_str(), consumer).await?;
        Ok(overridden.is_none().then_some(verdict))
    }

    /// Refuses the consumer's acceptance of a share its enforced policy refuses.
    pub(super) async fn check_acceptance(&self, image: &Image, consumer: &str) -> Result<()> {
        let Some(verdict) = self.refusal_standing(consumer, &image.id).await? else {
            return Ok(());
        };
        Err(Error::Forbidden(format!(
            "This account's sharing policy refuses image {}: {}. A manager of the account may \
             accept it anyway with POST …/members/{consumer}/actions/glint-accept-override.",
            image.id,
            verdict.summary()
        )))
    }

    /// Refuses a boot from an image shared with the caller that its enforced policy refuses
    /// (a share accepted with an override boots), with the findings.
    pub async fn check_boot(&self, ctx: &AuthContext, image: &Image) -> Result<()> {
        if image.visibility != Visibility::Shared || policy::owns(ctx, image) || ctx.is_admin() {
            return Ok(());
        }
        let consumer = ctx.account_id.as_str();
        let Some(verdict) = self.refusal_standing(consumer, &image.id).await? else {
            return Ok(());
        };
        Err(Error::InvalidInput(format!(
            "Image {} is refused by this account's sharing policy: {}. It boots no servers \
             unless a manager accepts it with an override.",
            image.id,
            verdict.summary()
        )))
    }

    /// A manager accepts a share its account's enforced policy refuses, giving a reason; the
    /// override is remembered on the share (its servers boot) and recorded for the account.
    #[tracing::instrument(skip(self, ctx, reason), fields(account = %ctx.account_id))]
    pub async fn accept_with_override(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        image_id: &ImageId,
        member: &str,
        reason: Option<String>,
    ) -> Result<ImageMember> {
        let (image, share) = self.shared_image(ctx, region, image_id).await?;
        if image.visibility != Visibility::Shared || member != ctx.account_id.as_str() {
            return Err(Error::not_found(glint_core::error::Kind::Member, member));
        }
        if share.is_none() {
            return Err(Error::not_found(glint_core::error::Kind::Member, member));
        }
        ctx.require(Role::Manager, "override the account's sharing policy")?;
        let reason = override_reason(reason)?;
        let Some(verdict) = self.enforced_refusal(member, &image.id).await? else {
            return Err(Error::StateConflict(format!(
                "This account's sharing policy does not refuse image {}: accept it as any share.",
                image.id
            )));
        };
        let mut detail = Map::new();
        let findings: Vec<Value> = verdict
            .findings
            .iter()
            .map(|f| f.text.clone().into())
            .collect();
        detail.insert("findings".into(), Value::Array(findings));
        detail.insert("reason".into(), reason.map_or(Value::Null, Value::String));
        let actor = EventActor::from(ctx);
        let change = self.change_by(&actor);
        members::accept_with_override(&self.db, &image.id, member, &change, detail).await
    }

    /// Accepts the pending shares that their consumers' policies accept by themselves (the
    /// share timer's pass); returns how many.
    pub async fn accept_trusted_shares(&self) -> Result<usize> {
        accept_trusted(&self.db, &self.clock, Scope::All).await
    }

    /// When the live share of `image` with the caller was accepted with an override.
    pub async fn override_of(
        &self,
        ctx: &AuthContext,
        image: &ImageId,
    ) -> Result<Option<Timestamp>> {
        sharing_policies::override_of(&self.db, image.as_str(), ctx.account_id.as_str()).await
    }
}

fn override_reason(reason: Option<String>) -> Result<Option<String>> {
    let Some(reason) = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
    else {
        return Ok(None);
    };
    if reason.chars().count() > MAX_OVERRIDE_REASON {
        return Err(Error::InvalidInput(format!(
            "'reason' is too long: at most {MAX_OVERRIDE_REASON} characters."
        )));
    }
    Ok(Some(reason))
}
