//! Adding an account to a group shares the group's images with it; removing it takes back the
//! shares of those images it has not accepted (an accepted one becomes a direct share, which
//! stays until the producer removes it). One transaction each: the group's row, then the
//! images' rows by id, then the shares' rows, then the events.

use glint_core::error::Kind;
use glint_core::event::EventKind;
use glint_core::group::{GroupId, MAX_ACCOUNTS_PER_GROUP, too_many_accounts};
use glint_core::image::{ImageId, MemberStatus};
use glint_core::{AccountId, Error, Result};

use super::lock_group;
use super::offers::{self, lock_image, quota_exceeded};
use crate::events::Change;
use crate::sql;
use crate::{Db, WriteTx};

/// The live images shared with the group, by id.
async fn shared_images(tx: &mut WriteTx, group: &GroupId) -> Result<Vec<ImageId>> {
    let rows = sql::query(
        "SELECT s.image_id FROM group_shares s JOIN images i ON i.id = s.image_id \
         WHERE s.group_id = $1 AND i.deleted = 0 ORDER BY s.image_id",
    )
    .bind(group.as_str())
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|r| Ok(ImageId::from_trusted(r.try_get("image_id")?)))
        .collect()
}

/// Adds `account` to the `owner`'s group and offers it every live image shared with the group
/// that it has no live share of. Returns those images; an account already in the group changes
/// nothing (an empty list). `NotFound` for a group the owner does not have; `QuotaExceeded`,
/// naming the first image that is full, writes nothing.
pub async fn add_account(
    db: &Db,
    owner: &AccountId,
    group: &GroupId,
    account: &str,
    quota: Option<u64>,
    change: &Change<'_>,
) -> Result<Vec<ImageId>> {
    let mut tx = db.begin_write().await?;
    let name = lock_group(&mut tx, owner, group)
        .await?
        .ok_or_else(|| Error::not_found(Kind::Group, group.as_str()))?;
    let row = sql::query(
        "SELECT COUNT(*) AS n, \
         COALESCE(SUM(CASE WHEN account = $2 THEN 1 ELSE 0 END), 0) AS present \
         FROM account_group_members WHERE group_id = $1",
    )
    .bind(group.as_str())
    .bind(account)
    .fetch_one(&mut tx)
    .await?;
    let (count, present): (i64, i64) = (row.try_get("n")?, row.try_get("present")?);
    if present > 0 {
        return Ok(Vec::new());
    }
    if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_ACCOUNTS_PER_GROUP {
        return Err(too_many_accounts());
    }
    sql::query(
        "INSERT INTO account_group_members (group_id, account, added_at) VALUES ($1, $2, $3)",
    )
    .bind(group.as_str())
    .bind(account)
    .bind(change.at.micros())
    .execute(&mut tx)
    .await?;
    let mut offered = Vec::new();
    for image in shared_images(&mut tx, group).await? {
        let Some(shares) = lock_image(&mut tx, &image).await? else {
            continue;
        };
        if !shares.may_offer(account) {
            continue;
        }
        if let Some(limit) = quota.filter(|&q| shares.live >= q) {
            return Err(quota_exceeded(&image, &name, limit));
        }
        offered.push(image);
    }
    for image in &offered {
        offers::offer(&mut tx, image, account, group.as_str(), change).await?;
    }
    let told: Vec<(ImageId, String)> = offered
        .iter()
        .map(|i| (i.clone(), account.to_owned()))
        .collect();
    offers::tell(&mut tx, EventKind::Shared, &told, &name, change).await?;
    tx.commit().await?;
    Ok(offered)
}

/// Removes `account` from the `owner`'s group: its live shares that came from the group are
/// removed (and told) while `pending` or `rejected`, and become direct shares when accepted.
/// Returns the images whose shares were removed. `NotFound` if the owner has no such group or
/// the account is not in it.
pub async fn remove_account(
    db: &Db,
    owner: &AccountId,
    group: &GroupId,
    account: &str,
    change: &Change<'_>,
) -> Result<Vec<ImageId>> {
    let mut tx = db.begin_write().await?;
    let name = lock_group(&mut tx, owner, group)
        .await?
        .ok_or_else(|| Error::not_found(Kind::Group, group.as_str()))?;
    let left = sql::query("DELETE FROM account_group_members WHERE group_id = $1 AND account = $2")
        .bind(group.as_str())
        .bind(account)
        .execute(&mut tx)
        .await?;
    if left.rows_affected() == 0 {
        return Err(Error::not_found(Kind::Member, account));
    }
    for image in shared_images(&mut tx, group).await? {
        lock_image(&mut tx, &image).await?;
    }
    let lock = if tx.is_sqlite() { "" } else { " FOR UPDATE" };
    let rows = sql::query(format!(
        "SELECT image_id, status FROM image_members \
         WHERE member = $1 AND group_id = $2 AND deleted = 0 ORDER BY image_id{lock}"
    ))
    .bind(account)
    .bind(group.as_str())
    .fetch_all(&mut tx)
    .await?;
    let mut removed = Vec::new();
    for row in &rows {
        let image: String = row.try_get("image_id")?;
        let status: String = row.try_get("status")?;
        if status == MemberStatus::Accepted.as_str() {
            offers::make_direct(&mut tx, &image, account).await?;
        } else {
            removed.push(ImageId::from_trusted(image));
        }
    }
    let told: Vec<(ImageId, String)> = removed
        .iter()
        .map(|i| (i.clone(), account.to_owned()))
        .collect();
    offers::tell(&mut tx, EventKind::Removed, &told, &name, change).await?;
    for image in &removed {
        offers::remove(&mut tx, image.as_str(), account, change).await?;
    }
    tx.commit().await?;
    Ok(removed)
}
