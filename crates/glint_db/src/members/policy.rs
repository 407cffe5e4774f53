//! The acceptances a consumer's sharing policy makes or overrides: a trusted producer's share
//! accepted by the service (only while it is still pending), and a manager's acceptance
//! against an enforced refusal, remembered on the share and recorded for the consumer alone.

use glint_core::Result;
use glint_core::event::EventKind;
use glint_core::image::{ImageId, ImageMember, MemberStatus};
use serde_json::{Map, Value};

use super::changes::locked_row;
use super::read_at;
use crate::events::{self, Change, Recording};
use crate::sql;

/// Accepts the live share of `member` if it is still pending, as the service (told to both
/// parties as `share.accepted` with `detail.automatic`); false if it was no longer pending.
pub async fn accept_automatically(
    db: &crate::Db,
    image: &ImageId,
    member: &str,
    change: &Change<'_>,
) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let share = match locked_row(&mut tx, image, member, "").await {
        Ok(row) => read_at(&row, 0)?,
        Err(glint_core::Error::NotFound { .. }) => return Ok(false),
        Err(e) => return Err(e),
    };
    if share.status != MemberStatus::Pending {
        return Ok(false);
    }
    set_accepted(&mut tx, image, member, change, None).await?;
    let mut detail = Map::new();
    detail.insert("automatic".into(), Value::Bool(true));
    let told = Recording::new(EventKind::Accepted, image, change.actor, change.at)
        .for_consumer(member)
        .with_detail(detail);
    events::record(&mut tx, &told).await?;
    tx.commit().await?;
    Ok(true)
}

/// Accepts the live share of `member` against its policy's refusal, remembering the override;
/// both parties are told of the acceptance (if the status changed), the consumer alone of the
/// override with `detail` (the reason and the findings). `NotFound` without a live share.
pub async fn accept_with_override(
    db: &crate::Db,
    image: &ImageId,
    member: &str,
    change: &Change<'_>,
    detail: Map<String, Value>,
) -> Result<ImageMember> {
    let mut tx = db.begin_write().await?;
    let before = read_at(&locked_row(&mut tx, image, member, "").await?, 0)?;
    let by = change.actor.map(|a| a.user_name.as_str().to_owned());
    set_accepted(&mut tx, image, member, change, Some(by.unwrap_or_default())).await?;
    if before.status != MemberStatus::Accepted {
        let told = Recording::new(EventKind::Accepted, image, change.actor, change.at);
        events::record(&mut tx, &told.for_consumer(member)).await?;
    }
    let overridden = Recording::new(EventKind::PolicyOverride, image, change.actor, change.at)
        .for_consumer(member)
        .with_detail(detail);
    events::record(&mut tx, &overridden).await?;
    tx.commit().await?;
    Ok(ImageMember {
        status: MemberStatus::Accepted,
        updated_at: change.at,
        ..before
    })
}

async fn set_accepted(
    tx: &mut crate::WriteTx,
    image: &ImageId,
    member: &str,
    change: &Change<'_>,
    override_by: Option<String>,
) -> Result<()> {
    let override_at = override_by.as_ref().map(|_| change.at.micros());
    sql::query(
        "UPDATE image_members SET status = $1, updated_at = $2, override_at = $3, \
         override_by = $4 WHERE image_id = $5 AND member = $6 AND deleted = 0",
    )
    .bind(MemberStatus::Accepted.as_str())
    .bind(change.at.micros())
    .bind(override_at)
    .bind(override_by)
    .bind(image.as_str())
    .bind(member)
    .execute(tx)
    .await?;
    Ok(())
}
