//! The steps that sharing through a group and taking such shares back have in common: the
//! image's row locked, its shares read, one share offered (or revived) with the group's id,
//! shares removed, and the events that tell of them, recorded last.

use std::collections::HashMap;

use glint_core::event::EventKind;
use glint_core::image::{ImageId, MemberStatus};
use glint_core::{Error, Result};
use serde_json::json;

use crate::WriteTx;
use crate::events::{self, Change, Recording};
use crate::sql;

/// An image's shares as a group change sees them, its row locked.
pub(super) struct ImageShares {
    /// The image's owner (`None`: a public image without one).
    pub owner: Option<String>,
    /// How many live shares it has.
    pub live: u64,
    /// The accounts with a live share.
    pub members: HashMap<String, MemberStatus>,
}

impl ImageShares {
    /// Whether `account` may be offered the image: not its owner, not a live member already.
    pub fn may_offer(&self, account: &str) -> bool {
        self.owner.as_deref() != Some(account) && !self.members.contains_key(account)
    }
}

/// The live image `image` with its shares, its row locked until the transaction ends
/// (PostgreSQL; the SQLite transaction holds the database's write lock); `None` if it is gone.
pub(super) async fn lock_image(tx: &mut WriteTx, image: &ImageId) -> Result<Option<ImageShares>> {
    let lock = if tx.is_sqlite() { "" } else { " FOR UPDATE" };
    let row = sql::query(format!(
        "SELECT owner FROM images WHERE id = $1 AND deleted = 0{lock}"
    ))
    .bind(image.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let rows =
        sql::query("SELECT member, status FROM image_members WHERE image_id = $1 AND deleted = 0")
            .bind(image.as_str())
            .fetch_all(&mut *tx)
            .await?;
    let mut members = HashMap::with_capacity(rows.len());
    for share in &rows {
        let status: String = share.try_get("status")?;
        let status = status
            .parse()
            .map_err(|e: Error| Error::Internal(format!("stored member status: {e}")))?;
        members.insert(share.try_get("member")?, status);
    }
    Ok(Some(ImageShares {
        owner: row.try_get("owner")?,
        live: u64::try_from(members.len()).unwrap_or(u64::MAX),
        members,
    }))
}

/// The refusal of shares beyond the image's member quota.
pub(super) fn quota_exceeded(image: &ImageId, group: &str, quota: u64) -> Error {
    Error::QuotaExceeded(format!(
        "Image member limit exceeded for image {image}: sharing it with group '{group}' would \
         pass the limit of {quota} members"
    ))
}

/// Offers the image to `account` as a new `pending` share that came from `group` (or revives
/// its removed share so). The caller has checked that the account has no live share.
pub(super) async fn offer(
    tx: &mut WriteTx,
    image: &ImageId,
    account: &str,
    group: &str,
    change: &Change<'_>,
) -> Result<()> {
    sql::query(
        "INSERT INTO image_members \
         (image_id, member, status, created_at, updated_at, deleted, image_created_at, group_id) \
         SELECT $1, $2, $3, $4, $4, 0, i.created_at, $5 FROM images i WHERE i.id = $1 \
         ON CONFLICT (image_id, member) DO UPDATE SET status = excluded.status, \
         created_at = excluded.created_at, updated_at = excluded.updated_at, deleted = 0, \
         reminders_sent = 0, last_reminder_at = NULL, remove_at = NULL, \
         override_at = NULL, override_by = NULL, group_id = excluded.group_id \
         WHERE image_members.deleted <> 0",
    )
    .bind(image.as_str())
    .bind(account)
    .bind(MemberStatus::Pending.as_str())
    .bind(change.at.micros())
    .bind(group)
    .execute(tx)
    .await?;
    Ok(())
}

/// Makes the live share of `account` direct: it no longer follows the group (an accepted share
/// stays until the producer removes it).
pub(super) async fn make_direct(tx: &mut WriteTx, image: &str, account: &str) -> Result<()> {
    sql::query(
        "UPDATE image_members SET group_id = NULL \
         WHERE image_id = $1 AND member = $2 AND deleted = 0",
    )
    .bind(image)
    .bind(account)
    .execute(tx)
    .await?;
    Ok(())
}

/// Removes the live share of `account` (its row locked already).
pub(super) async fn remove(
    tx: &mut WriteTx,
    image: &str,
    account: &str,
    change: &Change<'_>,
) -> Result<()> {
    sql::query(
        "UPDATE image_members SET deleted = 1, updated_at = $1, remove_at = NULL \
         WHERE image_id = $2 AND member = $3 AND deleted = 0",
    )
    .bind(change.at.micros())
    .bind(image)
    .bind(account)
    .execute(tx)
    .await?;
    Ok(())
}

/// Records an event of `kind` for each (image, account) share, saying which group it concerns.
/// The transaction's last lock: call it after every row lock the change needs.
pub(super) async fn tell(
    tx: &mut WriteTx,
    kind: EventKind,
    shares: &[(ImageId, String)],
    group: &str,
    change: &Change<'_>,
) -> Result<()> {
    for (image, account) in shares {
        let mut detail = serde_json::Map::new();
        detail.insert("group".into(), json!(group));
        let recording = Recording::new(kind, image, change.actor, change.at)
            .for_consumer(account)
            .with_detail(detail);
        events::record(tx, &recording).await?;
    }
    Ok(())
}
