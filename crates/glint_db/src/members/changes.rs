//! The changes to a share after it is made: the consumer's answer, the producer's removal and
//! reminders, and the expiry of offers left pending. Each locks the share's row first, then
//! records its event (which takes the event writers' lock last, see `events`), then commits.

use glint_core::error::Kind;
use glint_core::event::{EventKind, ReminderAllowance};
use glint_core::image::{ImageId, ImageMember, MemberStatus};
use glint_core::{Error, Result, Timestamp};
use serde_json::json;

use super::{from_row, select_list};
use crate::events::{self, Change, Recording};
use crate::sql::{self, Row};
use crate::{Db, WriteTx};

/// The live share of `member`, its row locked until the transaction ends (on PostgreSQL; the
/// SQLite transaction holds the database's write lock).
async fn lock_share(tx: &mut WriteTx, image: &ImageId, member: &str) -> Result<ImageMember> {
    from_row(&locked_row(tx, image, member, "").await?)
}

/// The live share's row, locked as `lock_share` says: the member columns, then `more`.
pub(super) async fn locked_row(
    tx: &mut WriteTx,
    image: &ImageId,
    member: &str,
    more: &str,
) -> Result<Row> {
    let lock = if tx.is_sqlite() { "" } else { " FOR UPDATE" };
    let sql = format!(
        "SELECT {}{more} FROM image_members \
         WHERE image_id = $1 AND member = $2 AND deleted = 0{lock}",
        select_list("")
    );
    sql::query(sql)
        .bind(image.as_str())
        .bind(member)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::not_found(Kind::Member, member))
}

/// Sets a live member's status (the consumer's answer) and tells both parties when it changed;
/// `NotFound` if there is no such live member. (An `UPDATE … RETURNING` costs SQLite about four
/// times a plain update, more than the read before it.)
pub async fn set_status(
    db: &Db,
    image: &ImageId,
    member: &str,
    status: MemberStatus,
    change: &Change<'_>,
) -> Result<ImageMember> {
    let mut tx = db.begin_write().await?;
    let before = lock_share(&mut tx, image, member).await?;
    sql::query(
        "UPDATE image_members SET status = $1, updated_at = $2, \
         override_at = CASE WHEN status = $1 THEN override_at END, \
         override_by = CASE WHEN status = $1 THEN override_by END \
         WHERE image_id = $3 AND member = $4 AND deleted = 0",
    )
    .bind(status.as_str())
    .bind(change.at.micros())
    .bind(image.as_str())
    .bind(member)
    .execute(&mut tx)
    .await?;
    // The same answer again moves only `updated_at`, as in the reference, and tells no one.
    if before.status != status {
        let told = Recording::new(EventKind::of_answer(status), image, change.actor, change.at);
        events::record(&mut tx, &told.for_consumer(member)).await?;
    }
    tx.commit().await?;
    Ok(ImageMember {
        status,
        updated_at: change.at,
        ..before
    })
}

/// Removes a live member, telling both parties; `NotFound` if there is none.
pub async fn remove(db: &Db, image: &ImageId, member: &str, change: &Change<'_>) -> Result<()> {
    let mut tx = db.begin_write().await?;
    lock_share(&mut tx, image, member).await?;
    let removed = Recording::new(EventKind::Removed, image, change.actor, change.at);
    events::record(&mut tx, &removed.for_consumer(member)).await?;
    soft_delete(&mut tx, image, member, change.at).await?;
    tx.commit().await?;
    Ok(())
}

async fn soft_delete(tx: &mut WriteTx, image: &ImageId, member: &str, at: Timestamp) -> Result<()> {
    sql::query(
        "UPDATE image_members SET deleted = 1, updated_at = $1, remove_at = NULL \
         WHERE image_id = $2 AND member = $3 AND deleted = 0",
    )
    .bind(at.micros())
    .bind(image.as_str())
    .bind(member)
    .execute(tx)
    .await?;
    Ok(())
}

/// A reminder that was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reminder {
    pub sent_at: Timestamp,
    pub allowance: ReminderAllowance,
}

/// Reminds `member` of its share if `allow` agrees, given the share and the reminders sent on
/// it so far (how many, and the last one's time); records the reminder as an event for both
/// parties. `NotFound` if there is no live share.
pub async fn remind<F>(
    db: &Db,
    image: &ImageId,
    member: &str,
    change: &Change<'_>,
    allow: F,
) -> Result<Reminder>
where
    F: FnOnce(&ImageMember, u32, Option<Timestamp>) -> Result<ReminderAllowance>,
{
    let mut tx = db.begin_write().await?;
    let row = locked_row(&mut tx, image, member, ", reminders_sent, last_reminder_at").await?;
    let share = from_row(&row)?;
    let sent: i64 = row.try_get("reminders_sent")?;
    let last: Option<i64> = row.try_get("last_reminder_at")?;
    let sent = u32::try_from(sent).unwrap_or(u32::MAX);
    let last = last.map(Timestamp::from_micros);
    let allowance = allow(&share, sent, last)?;
    sql::query(
        "UPDATE image_members SET reminders_sent = reminders_sent + 1, last_reminder_at = $1 \
         WHERE image_id = $2 AND member = $3 AND deleted = 0",
    )
    .bind(change.at.micros())
    .bind(image.as_str())
    .bind(member)
    .execute(&mut tx)
    .await?;
    let mut detail = serde_json::Map::new();
    detail.insert("reminder".into(), json!(allowance.number));
    detail.insert("reminders_left".into(), json!(allowance.left));
    let reminded = Recording::new(EventKind::Reminded, image, change.actor, change.at)
        .for_consumer(member)
        .with_detail(detail);
    events::record(&mut tx, &reminded).await?;
    tx.commit().await?;
    Ok(Reminder {
        sent_at: change.at,
        allowance,
    })
}

/// A share the service removed by itself (an expired offer, a scheduled removal that came due).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedShare {
    pub image: ImageId,
    pub member: String,
}

/// Removes up to `batch` shares still `pending` that were offered before `offered_before`,
/// telling both parties of each. Safe with several nodes: each share is removed (and told) by
/// one of them. Returns the shares removed.
pub async fn expire_pending(
    db: &Db,
    offered_before: Timestamp,
    batch: u32,
    change: &Change<'_>,
) -> Result<Vec<EndedShare>> {
    let condition = "status = 'pending' AND created_at < $1 ORDER BY created_at";
    end_shares(
        db,
        condition,
        offered_before,
        batch,
        change,
        EventKind::Expired,
        None,
    )
    .await
}

/// Claims up to `batch` live shares that `condition` (SQL over `image_members` with `$1` bound
/// to `at`, then its `ORDER BY`) picks, and removes each, telling both parties with an event of
/// `kind`, in one transaction. On PostgreSQL the claim skips rows another node holds
/// (`FOR UPDATE SKIP LOCKED`); SQLite writes one transaction at a time. So with several nodes
/// each share is removed, and told, once.
pub(super) async fn end_shares(
    db: &Db,
    condition: &str,
    at: Timestamp,
    batch: u32,
    change: &Change<'_>,
    kind: EventKind,
    detail: Option<serde_json::Map<String, serde_json::Value>>,
) -> Result<Vec<EndedShare>> {
    let mut tx = db.begin_write().await?;
    let lock = if tx.is_sqlite() {
        ""
    } else {
        " FOR UPDATE SKIP LOCKED"
    };
    let sql = format!(
        "SELECT image_id, member FROM image_members WHERE deleted = 0 AND {condition}, \
         image_id, member LIMIT {batch}{lock}"
    );
    let rows = sql::query(sql).bind(at.micros()).fetch_all(&mut tx).await?;
    let mut ended = Vec::with_capacity(rows.len());
    for row in &rows {
        ended.push(EndedShare {
            image: ImageId::from_trusted(row.try_get("image_id")?),
            member: row.try_get("member")?,
        });
    }
    for share in &ended {
        let mut told =
            Recording::new(kind, &share.image, change.actor, change.at).for_consumer(&share.member);
        told.detail = detail.clone();
        events::record(&mut tx, &told).await?;
        soft_delete(&mut tx, &share.image, &share.member, change.at).await?;
    }
    tx.commit().await?;
    Ok(ended)
}
