//! Sharing an image with one more consumer: the quota and duplicate checks, the new (or
//! revived) `pending` share and its `share.created` event, in one write transaction. A consumer
//! whose live share came from a group (`crate::groups`) is not a duplicate: the add makes that
//! share direct, so that it no longer follows the group.

use glint_core::event::EventKind;
use glint_core::image::{ImageId, ImageMember, MemberStatus};
use glint_core::{Error, Result, Timestamp};

use super::{from_row, select_list};
use crate::events::{self, Change, Recording};
use crate::sql;
use crate::{Backend, Db, WriteTx, is_unique_violation};

/// What an add did.
enum Added {
    /// A new (or revived) `pending` share.
    New,
    /// The member's live share from a group, now direct, unchanged otherwise.
    MadeDirect(ImageMember),
}

/// Adds `member` to the image as a new `pending` share. The quota (`None`: unlimited) is
/// checked before the duplicate check, as the reference does: `QuotaExceeded`, then `Conflict`.
/// A live share that came from a group is made direct instead (and returned as it is).
pub async fn add(
    db: &Db,
    image: &ImageId,
    member: &str,
    quota: Option<u64>,
    change: &Change<'_>,
) -> Result<ImageMember> {
    let mut tx = db.begin_write().await?;
    let added = if db.backend() == Backend::Sqlite {
        add_in_one_statement(&mut tx, image, member, quota, change.at).await?
    } else {
        add_after_checks(&mut tx, image, member, quota, change.at).await?
    };
    if let Added::MadeDirect(share) = added {
        tx.commit().await?;
        return Ok(share);
    }
    let shared = Recording::new(EventKind::Shared, image, change.actor, change.at);
    events::record(&mut tx, &shared.for_consumer(member)).await?;
    tx.commit().await?;
    Ok(pending(image, member, change.at))
}

fn quota_exceeded(image: &ImageId, quota: Option<u64>) -> Error {
    Error::QuotaExceeded(format!(
        "Image member limit exceeded for image {image}: the limit is {}",
        quota.unwrap_or_default()
    ))
}

fn duplicated(image: &ImageId, member: &str) -> Error {
    Error::StateConflict(format!("Member {member} is duplicated for image {image}"))
}

/// The live share of `member` if it came from a group, made direct (its group forgotten);
/// `None` if the member has no live share from a group.
async fn make_direct(
    tx: &mut WriteTx,
    image: &ImageId,
    member: &str,
) -> Result<Option<ImageMember>> {
    let sql = format!(
        "SELECT {} FROM image_members \
         WHERE image_id = $1 AND member = $2 AND deleted = 0 AND group_id IS NOT NULL",
        select_list("")
    );
    let row = sql::query(sql)
        .bind(image.as_str())
        .bind(member)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    sql::query(
        "UPDATE image_members SET group_id = NULL \
         WHERE image_id = $1 AND member = $2 AND deleted = 0",
    )
    .bind(image.as_str())
    .bind(member)
    .execute(tx)
    .await?;
    Ok(Some(from_row(&row)?))
}

/// PostgreSQL: adds the share after reading the image's shares with the image's row locked, so
/// the quota and duplicate checks see every earlier add.
async fn add_after_checks(
    tx: &mut WriteTx,
    image: &ImageId,
    member: &str,
    quota: Option<u64>,
    now: Timestamp,
) -> Result<Added> {
    sql::query("SELECT id FROM images WHERE id = $1 FOR UPDATE")
        .bind(image.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    let (live, existing) = shares_of(tx, image, member).await?;
    if existing == Some(0)
        && let Some(share) = make_direct(tx, image, member).await?
    {
        return Ok(Added::MadeDirect(share));
    }
    if quota.is_some_and(|q| live + 1 > q) {
        return Err(quota_exceeded(image, quota));
    }
    let sql = match existing {
        Some(0) => return Err(duplicated(image, member)),
        Some(_) => {
            "UPDATE image_members SET status = $3, created_at = $4, updated_at = $4, deleted = 0, \
             reminders_sent = 0, last_reminder_at = NULL, remove_at = NULL, group_id = NULL, \
             override_at = NULL, override_by = NULL \
             WHERE image_id = $1 AND member = $2"
        }
        None => {
            "INSERT INTO image_members (image_id, member, status, created_at, updated_at, deleted) \
             VALUES ($1, $2, $3, $4, $4, 0)"
        }
    };
    sql::query(sql)
        .bind(image.as_str())
        .bind(member)
        .bind(MemberStatus::Pending.as_str())
        .bind(now.micros())
        .execute(tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                duplicated(image, member)
            } else {
                Error::from(e)
            }
        })?;
    Ok(Added::New)
}

/// How many live shares the image has, and whether `member` has one (`Some(0)`), had one
/// that was removed (`Some(1)`) or never had one (`None`).
async fn shares_of(tx: &mut WriteTx, image: &ImageId, member: &str) -> Result<(u64, Option<i64>)> {
    let rows = sql::query("SELECT member, deleted FROM image_members WHERE image_id = $1")
        .bind(image.as_str())
        .fetch_all(&mut *tx)
        .await?;
    let mut live = 0_u64;
    let mut existing: Option<i64> = None;
    for row in &rows {
        let deleted: i64 = row.try_get("deleted")?;
        let name: String = row.try_get("member")?;
        if deleted == 0 {
            live += 1;
        }
        if name == member {
            existing = Some(deleted);
        }
    }
    Ok((live, existing))
}

fn pending(image: &ImageId, member: &str, now: Timestamp) -> ImageMember {
    ImageMember {
        image_id: image.clone(),
        member_id: member.to_owned(),
        status: MemberStatus::Pending,
        created_at: now,
        updated_at: now,
    }
}

/// SQLite: one statement inserts the share (or revives a removed one) only while the quota
/// allows and the member is not live already (the transaction holds the database's write
/// lock); when it writes nothing, the member's live share from a group is made direct, or a
/// read of the image's shares says which check refused the add.
async fn add_in_one_statement(
    tx: &mut WriteTx,
    image: &ImageId,
    member: &str,
    quota: Option<u64>,
    now: Timestamp,
) -> Result<Added> {
    let limit = quota.map_or(i64::MAX, |q| i64::try_from(q).unwrap_or(i64::MAX));
    let written = sql::query(
        "INSERT INTO image_members \
         (image_id, member, status, created_at, updated_at, deleted, image_created_at) \
         SELECT $1, $2, $3, $4, $4, 0, i.created_at FROM images i WHERE i.id = $1 \
         AND (SELECT COUNT(*) FROM image_members WHERE image_id = $1 AND deleted = 0) < $5 \
         ON CONFLICT (image_id, member) DO UPDATE SET status = excluded.status, \
         created_at = excluded.created_at, updated_at = excluded.updated_at, deleted = 0, \
         reminders_sent = 0, last_reminder_at = NULL, remove_at = NULL, group_id = NULL, \
             override_at = NULL, override_by = NULL \
         WHERE image_members.deleted <> 0",
    )
    .bind(image.as_str())
    .bind(member)
    .bind(MemberStatus::Pending.as_str())
    .bind(now.micros())
    .bind(limit)
    .execute(&mut *tx)
    .await?;
    if written.rows_affected() == 1 {
        return Ok(Added::New);
    }
    if let Some(share) = make_direct(tx, image, member).await? {
        return Ok(Added::MadeDirect(share));
    }
    let live: i64 =
        sql::query("SELECT COUNT(*) AS n FROM image_members WHERE image_id = $1 AND deleted = 0")
            .bind(image.as_str())
            .fetch_one(tx)
            .await?
            .try_get("n")?;
    if live >= limit {
        return Err(quota_exceeded(image, quota));
    }
    Err(duplicated(image, member))
}
