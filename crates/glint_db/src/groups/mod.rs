//! Groups of accounts and the shares made through them. A group belongs to one account (its
//! owner) and every read or change names that owner, so another account's group is never
//! found. The group's CRUD is here; adding and removing an account, which share and unshare
//! the group's images with it, is `accounts`; sharing an image with a group and taking the
//! share back is `shares`, with the steps both use in `offers`. Lock order, on PostgreSQL: the
//! group's row, then the images' rows (by id), then the shares' rows, then (last, see
//! `events`) the event writers' lock.

mod accounts;
mod offers;
mod shares;

pub use accounts::{add_account, remove_account};
pub use shares::{share_image, shares_of_image, unshare_image};

use std::collections::HashMap;

use glint_core::group::{AccountGroup, GroupId, MAX_ACCOUNTS_PER_GROUP, too_many_groups};
use glint_core::{AccountId, Error, Result, Timestamp};

use crate::sql::{self, Row};
use crate::{Db, WriteTx, is_unique_violation};

fn name_taken(name: &str) -> Error {
    Error::StateConflict(format!("This account already has a group named '{name}'."))
}

fn group_from(row: &Row, accounts: Vec<String>) -> Result<AccountGroup> {
    Ok(AccountGroup {
        id: GroupId::from_trusted(row.try_get("id")?),
        owner: AccountId::from_trusted(row.try_get("owner")?),
        name: row.try_get("name")?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
        accounts,
    })
}

/// Creates a group with its accounts, unless the owner already has `max_groups` groups or one
/// of the same name (`StateConflict`).
pub async fn create(db: &Db, group: &AccountGroup, max_groups: u32) -> Result<()> {
    if group.accounts.len() > MAX_ACCOUNTS_PER_GROUP {
        return Err(glint_core::group::too_many_accounts());
    }
    let mut tx = db.begin_write().await?;
    if !tx.is_sqlite() {
        // Creations by one account take turns, so that the count below holds.
        sql::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(group.owner.as_str())
            .fetch_optional(&mut tx)
            .await?;
    }
    let count: i64 = sql::query("SELECT COUNT(*) AS n FROM account_groups WHERE owner = $1")
        .bind(group.owner.as_str())
        .fetch_one(&mut tx)
        .await?
        .try_get("n")?;
    if count >= i64::from(max_groups) {
        return Err(too_many_groups(u64::try_from(count).unwrap_or_default()));
    }
    let inserted = sql::query(
        "INSERT INTO account_groups (id, owner, name, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind(group.id.as_str())
    .bind(group.owner.as_str())
    .bind(group.name.as_str())
    .bind(group.created_at.micros())
    .execute(&mut tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(name_taken(&group.name));
    }
    for account in &group.accounts {
        sql::query(
            "INSERT INTO account_group_members (group_id, account, added_at) VALUES ($1, $2, $3)",
        )
        .bind(group.id.as_str())
        .bind(account.as_str())
        .bind(group.created_at.micros())
        .execute(&mut tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn accounts_of(db: &Db, group: &str) -> Result<Vec<String>> {
    let rows = sql::query(
        "SELECT account FROM account_group_members WHERE group_id = $1 ORDER BY added_at, account",
    )
    .bind(group)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| r.try_get("account").map_err(Error::from))
        .collect()
}

/// The owner's groups, by name: two statements, whatever the number of groups.
pub async fn list(db: &Db, owner: &AccountId) -> Result<Vec<AccountGroup>> {
    let rows = sql::query(
        "SELECT id, owner, name, created_at FROM account_groups WHERE owner = $1 ORDER BY name",
    )
    .bind(owner.as_str())
    .fetch_all(db)
    .await?;
    let members = sql::query(
        "SELECT m.group_id, m.account FROM account_group_members m \
         JOIN account_groups g ON g.id = m.group_id \
         WHERE g.owner = $1 ORDER BY m.added_at, m.account",
    )
    .bind(owner.as_str())
    .fetch_all(db)
    .await?;
    let mut accounts: HashMap<String, Vec<String>> = HashMap::new();
    for member in &members {
        let group: String = member.try_get("group_id")?;
        accounts
            .entry(group)
            .or_default()
            .push(member.try_get("account")?);
    }
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            group_from(row, accounts.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// The owner's group `id`, if it has one.
pub async fn get(db: &Db, owner: &AccountId, id: &GroupId) -> Result<Option<AccountGroup>> {
    let row = sql::query(
        "SELECT id, owner, name, created_at FROM account_groups WHERE id = $1 AND owner = $2",
    )
    .bind(id.as_str())
    .bind(owner.as_str())
    .fetch_optional(db)
    .await?;
    match row {
        Some(row) => Ok(Some(group_from(&row, accounts_of(db, id.as_str()).await?)?)),
        None => Ok(None),
    }
}

/// Renames the owner's group; `false` if it has no such group, `StateConflict` if the name is
/// another group's.
pub async fn rename(db: &Db, owner: &AccountId, id: &GroupId, name: &str) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let renamed = sql::query("UPDATE account_groups SET name = $1 WHERE id = $2 AND owner = $3")
        .bind(name)
        .bind(id.as_str())
        .bind(owner.as_str())
        .execute(&mut tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                name_taken(name)
            } else {
                Error::from(e)
            }
        })?;
    tx.commit().await?;
    Ok(renamed.rows_affected() == 1)
}

/// Deletes the owner's group with its list of accounts; `false` if it has no such group.
/// A group that still shares a live image is kept (`StateConflict`): unshare it first, so
/// that no share is left pointing at a group that is gone.
pub async fn delete(db: &Db, owner: &AccountId, id: &GroupId) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    if lock_group(&mut tx, owner, id).await?.is_none() {
        return Ok(false);
    }
    let shared: i64 = sql::query(
        "SELECT COUNT(*) AS n FROM group_shares g JOIN images i ON i.id = g.image_id \
         WHERE g.group_id = $1 AND i.deleted = 0",
    )
    .bind(id.as_str())
    .fetch_one(&mut tx)
    .await?
    .try_get("n")?;
    if shared > 0 {
        return Err(Error::StateConflict(format!(
            "Group {id} still shares {shared} image(s); unshare them before deleting the group."
        )));
    }
    for statement in [
        "DELETE FROM group_shares WHERE group_id = $1",
        "DELETE FROM account_group_members WHERE group_id = $1",
        "DELETE FROM account_groups WHERE id = $1",
    ] {
        sql::query(statement)
            .bind(id.as_str())
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The owner's group's name, its row locked until the transaction ends (PostgreSQL; the SQLite
/// transaction holds the database's write lock): the first lock of every change of the group
/// or of its shares. `None` if the owner has no such group.
pub(crate) async fn lock_group(
    tx: &mut WriteTx,
    owner: &AccountId,
    id: &GroupId,
) -> Result<Option<String>> {
    let lock = if tx.is_sqlite() { "" } else { " FOR UPDATE" };
    let row = sql::query(format!(
        "SELECT name FROM account_groups WHERE id = $1 AND owner = $2{lock}"
    ))
    .bind(id.as_str())
    .bind(owner.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|r| r.try_get("name").map_err(Error::from))
        .transpose()
}
