//! Sharing an image with a group: every account of the group without a live share gets a new
//! `pending` one that remembers the group, within the image's member quota, in one transaction
//! with the group's and the image's rows locked; taking the group's share back removes the
//! shares it made that are still `pending` or `rejected` and keeps the accepted ones (they stay
//! until the producer removes them).

use glint_core::error::Kind;
use glint_core::event::EventKind;
use glint_core::group::{GroupId, GroupShare};
use glint_core::image::{ImageId, MemberStatus};
use glint_core::{AccountId, Error, Result, Timestamp};

use super::lock_group;
use super::offers::{self, lock_image, quota_exceeded};
use crate::events::Change;
use crate::sql;
use crate::{Db, WriteTx};

fn group_not_found(id: &GroupId) -> Error {
    Error::not_found(Kind::Group, id.as_str())
}

async fn group_accounts(tx: &mut WriteTx, group: &GroupId) -> Result<Vec<String>> {
    let rows = sql::query(
        "SELECT account FROM account_group_members WHERE group_id = $1 ORDER BY added_at, account",
    )
    .bind(group.as_str())
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|r| r.try_get("account").map_err(Error::from))
        .collect()
}

/// Shares `image` with the `owner`'s group `group`: `NotFound` for a group the owner does not
/// have, `StateConflict` if the image is shared with it already, `QuotaExceeded` (writing
/// nothing) if the new shares would pass `quota` (`None`: unlimited).
pub async fn share_image(
    db: &Db,
    owner: &AccountId,
    group: &GroupId,
    image: &ImageId,
    quota: Option<u64>,
    change: &Change<'_>,
) -> Result<GroupShare> {
    let mut tx = db.begin_write().await?;
    let name = lock_group(&mut tx, owner, group)
        .await?
        .ok_or_else(|| group_not_found(group))?;
    let shares = lock_image(&mut tx, image)
        .await?
        .ok_or_else(|| Error::not_found(Kind::Image, image.as_str()))?;
    let offered: Vec<String> = group_accounts(&mut tx, group)
        .await?
        .into_iter()
        .filter(|account| shares.may_offer(account))
        .collect();
    let new = u64::try_from(offered.len()).unwrap_or(u64::MAX);
    if let Some(limit) = quota.filter(|&q| shares.live.saturating_add(new) > q) {
        return Err(quota_exceeded(image, &name, limit));
    }
    let inserted = sql::query(
        "INSERT INTO group_shares (image_id, group_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(image.as_str())
    .bind(group.as_str())
    .bind(change.at.micros())
    .execute(&mut tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(Error::StateConflict(format!(
            "Image {image} is already shared with group {group}."
        )));
    }
    for account in &offered {
        offers::offer(&mut tx, image, account, group.as_str(), change).await?;
    }
    let told: Vec<(ImageId, String)> = offered.iter().map(|a| (image.clone(), a.clone())).collect();
    offers::tell(&mut tx, EventKind::Shared, &told, &name, change).await?;
    tx.commit().await?;
    Ok(GroupShare {
        image_id: image.clone(),
        group_id: group.clone(),
        group_name: name,
        created_at: change.at,
        accounts: offered,
    })
}

/// Takes back the share of `image` with the `owner`'s group `group`: its shares still pending
/// or rejected are removed (and told), its accepted ones become direct shares. `NotFound` if
/// the owner has no such group or the image is not shared with it.
pub async fn unshare_image(
    db: &Db,
    owner: &AccountId,
    group: &GroupId,
    image: &ImageId,
    change: &Change<'_>,
) -> Result<GroupShare> {
    let mut tx = db.begin_write().await?;
    let name = lock_group(&mut tx, owner, group)
        .await?
        .ok_or_else(|| group_not_found(group))?;
    lock_image(&mut tx, image).await?;
    let deleted = sql::query("DELETE FROM group_shares WHERE image_id = $1 AND group_id = $2")
        .bind(image.as_str())
        .bind(group.as_str())
        .execute(&mut tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(group_not_found(group));
    }
    let lock = if tx.is_sqlite() { "" } else { " FOR UPDATE" };
    let rows = sql::query(format!(
        "SELECT member, status FROM image_members \
         WHERE image_id = $1 AND group_id = $2 AND deleted = 0 ORDER BY member{lock}"
    ))
    .bind(image.as_str())
    .bind(group.as_str())
    .fetch_all(&mut tx)
    .await?;
    let mut removed = Vec::new();
    for row in &rows {
        let account: String = row.try_get("member")?;
        let status: String = row.try_get("status")?;
        if status == MemberStatus::Accepted.as_str() {
            offers::make_direct(&mut tx, image.as_str(), &account).await?;
        } else {
            removed.push(account);
        }
    }
    let told: Vec<(ImageId, String)> = removed.iter().map(|a| (image.clone(), a.clone())).collect();
    offers::tell(&mut tx, EventKind::Removed, &told, &name, change).await?;
    for account in &removed {
        offers::remove(&mut tx, image.as_str(), account, change).await?;
    }
    tx.commit().await?;
    Ok(GroupShare {
        image_id: image.clone(),
        group_id: group.clone(),
        group_name: name,
        created_at: change.at,
        accounts: removed,
    })
}

/// The groups `image` is shared with, oldest share first, with the accounts whose live share
/// came from each.
pub async fn shares_of_image(db: &Db, image: &ImageId) -> Result<Vec<GroupShare>> {
    let rows = sql::query(
        "SELECT s.group_id, g.name, s.created_at FROM group_shares s \
         JOIN account_groups g ON g.id = s.group_id \
         WHERE s.image_id = $1 ORDER BY s.created_at, s.group_id",
    )
    .bind(image.as_str())
    .fetch_all(db)
    .await?;
    let mut shares = Vec::with_capacity(rows.len());
    for row in &rows {
        let group: String = row.try_get("group_id")?;
        let members = sql::query(
            "SELECT member FROM image_members \
             WHERE image_id = $1 AND group_id = $2 AND deleted = 0 ORDER BY created_at, member",
        )
        .bind(image.as_str())
        .bind(group.as_str())
        .fetch_all(db)
        .await?;
        let accounts = members
            .iter()
            .map(|r| r.try_get("member").map_err(Error::from))
            .collect::<Result<Vec<String>>>()?;
        shares.push(GroupShare {
            image_id: image.clone(),
            group_id: GroupId::from_trusted(group),
            group_name: row.try_get("name")?,
            created_at: Timestamp::from_micros(row.try_get("created_at")?),
            accounts,
        });
    }
    Ok(shares)
}
