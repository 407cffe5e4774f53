//! Accepting trusted producers' shares without a person: once a share is offered (directly or
//! through a group), once the image's trust report is written, once the consumer sets its
//! policy, and on every share timer tick (which catches whatever a node stopped before
//! doing). A share is accepted only while still pending, when its consumer's policy (not off)
//! trusts the image's owner and the report passes every rule.

use std::collections::HashMap;

use glint_core::Result;
use glint_core::image::ImageId;
use glint_core::sharing_policy::SharingPolicy;
use glint_db::Db;
use glint_db::events::Change;
use glint_db::sharing_policies::{self, Scope};
use glint_db::{members, sharing_policies::Trusting};

use super::facts::verdict_of;
use crate::Clock;

/// Most shares one pass looks at.
const BATCH: u32 = 500;

/// Accepts the pending shares in `scope` that their consumers' policies accept by
/// themselves; returns how many were accepted.
pub(crate) async fn accept_trusted(db: &Db, clock: &Clock, scope: Scope<'_>) -> Result<usize> {
    let candidates = sharing_policies::trusting(db, scope, BATCH).await?;
    if candidates.is_empty() {
        return Ok(0);
    }
    // One read of each consumer's policy per pass, however many of its shares are waiting.
    let mut policies: HashMap<&str, Option<SharingPolicy>> = HashMap::new();
    let mut accepted = 0;
    for candidate in &candidates {
        let consumer = candidate.consumer.as_str();
        if !policies.contains_key(consumer) {
            policies.insert(consumer, sharing_policies::get(db, consumer).await?);
        }
        let Some(policy) = policies.get(consumer).and_then(Option::as_ref) else {
            continue;
        };
        if accept_one(db, clock, policy, candidate).await? {
            accepted += 1;
        }
    }
    Ok(accepted)
}

async fn accept_one(
    db: &Db,
    clock: &Clock,
    policy: &SharingPolicy,
    share: &Trusting,
) -> Result<bool> {
    let verdict = verdict_of(policy, Some(&share.report))?;
    if !policy.accepts_automatically(&share.producer, &verdict) {
        return Ok(false);
    }
    let image = ImageId::from_trusted(share.image_id.clone());
    let change = Change::by_service(clock.now());
    let done = members::accept_automatically(db, &image, &share.consumer, &change).await?;
    if done {
        tracing::info!(image = %image, consumer = %share.consumer, "share accepted by the consumer's sharing policy");
    }
    Ok(done)
}

/// As [`accept_trusted`], logging instead of failing: for the moments right after another
/// change has committed, which must not fail because of this one (the timer tries again).
pub(crate) async fn accept_trusted_after(db: &Db, clock: &Clock, scope: Scope<'_>) {
    if let Err(e) = accept_trusted(db, clock, scope).await {
        tracing::warn!(error = %e, "could not accept trusted shares");
    }
}
