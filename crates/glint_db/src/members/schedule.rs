//! Scheduled removals: the producer sets the time a share ends (the consumer keeps it until
//! then and is told the date), may cancel it before, and a background job removes the shares
//! that are due. Each change locks the share's row first and records its event last, as in
//! `changes`.

use glint_core::event::EventKind;
use glint_core::image::{ImageId, ImageMember};
use glint_core::{Error, Result, Timestamp};
use serde_json::json;

use super::changes::{EndedShare, end_shares, locked_row};
use super::from_row;
use crate::Db;
use crate::events::{self, Change, Recording};
use crate::sql;

/// Schedules the removal of `member`'s live share at `remove_at` (replacing any earlier
/// schedule) and tells both parties the date. `NotFound` if there is no live share.
pub async fn schedule_removal(
    db: &Db,
    image: &ImageId,
    member: &str,
    remove_at: Timestamp,
    change: &Change<'_>,
) -> Result<ImageMember> {
    let mut tx = db.begin_write().await?;
    let share = from_row(&locked_row(&mut tx, image, member, "").await?)?;
    set_remove_at(&mut tx, image, member, Some(remove_at)).await?;
    let mut detail = serde_json::Map::new();
    detail.insert("remove_at".into(), json!(remove_at.to_glance()));
    let told = Recording::new(EventKind::RemovalScheduled, image, change.actor, change.at)
        .for_consumer(member)
        .with_detail(detail);
    events::record(&mut tx, &told).await?;
    tx.commit().await?;
    Ok(share)
}

/// Cancels the scheduled removal of `member`'s live share, telling both parties.
/// `NotFound` without a live share; `StateConflict` when no removal is scheduled.
pub async fn cancel_removal(
    db: &Db,
    image: &ImageId,
    member: &str,
    change: &Change<'_>,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let row = locked_row(&mut tx, image, member, ", remove_at").await?;
    if row.try_get::<Option<i64>, _>("remove_at")?.is_none() {
        return Err(Error::StateConflict(format!(
            "No removal of member {member} is scheduled."
        )));
    }
    set_remove_at(&mut tx, image, member, None).await?;
    let told = Recording::new(EventKind::RemovalCancelled, image, change.actor, change.at);
    events::record(&mut tx, &told.for_consumer(member)).await?;
    tx.commit().await?;
    Ok(())
}

async fn set_remove_at(
    tx: &mut crate::WriteTx,
    image: &ImageId,
    member: &str,
    at: Option<Timestamp>,
) -> Result<()> {
    sql::query(
        "UPDATE image_members SET remove_at = $1 \
         WHERE image_id = $2 AND member = $3 AND deleted = 0",
    )
    .bind(at.map(Timestamp::micros))
    .bind(image.as_str())
    .bind(member)
    .execute(tx)
    .await?;
    Ok(())
}

/// When the live share of `member` is to be removed, if a removal is scheduled.
pub async fn removal_of(db: &Db, image: &ImageId, member: &str) -> Result<Option<Timestamp>> {
    let row = sql::query(
        "SELECT remove_at FROM image_members WHERE image_id = $1 AND member = $2 AND deleted = 0",
    )
    .bind(image.as_str())
    .bind(member)
    .fetch_optional(db)
    .await?;
    Ok(match row {
        Some(row) => row
            .try_get::<Option<i64>, _>("remove_at")?
            .map(Timestamp::from_micros),
        None => None,
    })
}

/// The live shares of account `member` whose removal is scheduled, with their end: one query
/// for a consumer's whole list.
pub async fn removals_for(db: &Db, member: &str) -> Result<Vec<(ImageId, Timestamp)>> {
    let rows = sql::query(
        "SELECT image_id, remove_at FROM image_members \
         WHERE member = $1 AND deleted = 0 AND remove_at IS NOT NULL ORDER BY image_id",
    )
    .bind(member)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                ImageId::from_trusted(row.try_get("image_id")?),
                Timestamp::from_micros(row.try_get("remove_at")?),
            ))
        })
        .collect()
}

/// Removes up to `batch` live shares whose scheduled removal is at or before `now`, telling both
/// parties of each (`share.removed`, with `"scheduled": true`). Safe with several nodes: each
/// share is claimed by one of them and removed once.
pub async fn remove_due(
    db: &Db,
    now: Timestamp,
    batch: u32,
    change: &Change<'_>,
) -> Result<Vec<EndedShare>> {
    // `remove_at IS NOT NULL` lets the planners use the partial index of scheduled shares.
    let condition = "remove_at IS NOT NULL AND remove_at <= $1 ORDER BY remove_at";
    let mut detail = serde_json::Map::new();
    detail.insert("scheduled".into(), json!(true));
    end_shares(
        db,
        condition,
        now,
        batch,
        change,
        EventKind::Removed,
        Some(detail),
    )
    .await
}
