//! Accounts (the APIs' projects) and the regions each may use; an account is deleted only with
//! no image left, checked in the transaction that deletes it.

use glint_core::error::Kind;
use glint_core::{Account, AccountId, AccountName, Error, RegionName, Result, Timestamp};

use crate::sql::{self, Row};
use crate::{Db, WriteTx, is_unique_violation, regions};

const COLUMNS: &str = "id, name, enabled, description, created_at";

async fn regions_of(db: &Db, id: &AccountId) -> Result<Vec<RegionName>> {
    let rows =
        sql::query("SELECT region FROM account_regions WHERE account_id = $1 ORDER BY region")
            .bind(id.as_str())
            .fetch_all(db)
            .await?;
    rows.iter()
        .map(|r| {
            r.try_get::<String, _>("region")
                .map(RegionName::from_trusted)
                .map_err(Error::from)
        })
        .collect()
}

async fn from_row(db: &Db, row: &Row) -> Result<Account> {
    let id = AccountId::from_trusted(row.try_get("id")?);
    Ok(Account {
        regions: regions_of(db, &id).await?,
        name: AccountName::from_trusted(row.try_get("name")?),
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        description: row.try_get("description")?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
        id,
    })
}

async fn check_regions(db: &Db, wanted: &[RegionName]) -> Result<()> {
    match regions::missing(db, wanted).await?.first() {
        Some(unknown) => Err(Error::not_found(Kind::Region, unknown.as_str())),
        None => Ok(()),
    }
}

async fn replace_regions(tx: &mut WriteTx, id: &AccountId, regions: &[RegionName]) -> Result<()> {
    sql::query("DELETE FROM account_regions WHERE account_id = $1")
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
    for region in regions {
        sql::query(
            "INSERT INTO account_regions (account_id, region) VALUES ($1, $2) \
             ON CONFLICT (account_id, region) DO NOTHING",
        )
        .bind(id.as_str())
        .bind(region.as_str())
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Creates an enabled account with access to `regions` and no description; `Conflict` if the
/// number or name is taken, `NotFound` for an unknown region.
pub async fn create(
    db: &Db,
    id: &AccountId,
    name: &AccountName,
    regions: &[RegionName],
) -> Result<Account> {
    let account = NewAccount {
        id,
        name,
        description: "",
        enabled: true,
    };
    create_with(db, &account, regions).await
}

/// An account to create.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub id: &'a AccountId,
    pub name: &'a AccountName,
    pub description: &'a str,
    pub enabled: bool,
}

/// Creates the account with access to `regions`; `Conflict` if the number or name is taken,
/// `NotFound` for an unknown region.
pub async fn create_with(db: &Db, new: &NewAccount<'_>, regions: &[RegionName]) -> Result<Account> {
    let NewAccount { id, name, .. } = *new;
    check_regions(db, regions).await?;
    let now = Timestamp::now();
    let mut tx = db.begin_write().await?;
    sql::query(
        "INSERT INTO accounts (id, name, enabled, description, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.as_str())
    .bind(name.as_str())
    .bind(i64::from(new.enabled))
    .bind(new.description)
    .bind(now.micros())
    .execute(&mut tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Error::conflict(Kind::Account, format!("'{name}' or number {id}"))
        } else {
            Error::from(e)
        }
    })?;
    replace_regions(&mut tx, id, regions).await?;
    tx.commit().await?;
    let mut regions = regions.to_vec();
    regions.sort();
    regions.dedup();
    Ok(Account {
        id: id.clone(),
        name: name.clone(),
        regions,
        enabled: new.enabled,
        description: new.description.to_owned(),
        created_at: now,
    })
}

/// The account with this number.
pub async fn get(db: &Db, id: &AccountId) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1");
    let row = sql::query(sql).bind(id.as_str()).fetch_optional(db).await?;
    match row {
        Some(row) => Ok(Some(from_row(db, &row).await?)),
        None => Ok(None),
    }
}

/// The account with this name.
pub async fn find_by_name(db: &Db, name: &str) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE name = $1");
    let row = sql::query(sql).bind(name).fetch_optional(db).await?;
    match row {
        Some(row) => Ok(Some(from_row(db, &row).await?)),
        None => Ok(None),
    }
}

/// Every account (optionally only the one with `name`, only those `enabled` or not), by name.
pub async fn list(db: &Db, name: Option<&str>, enabled: Option<bool>) -> Result<Vec<Account>> {
    let mut conditions = Vec::new();
    let mut values: Vec<sql::Value> = Vec::new();
    if let Some(name) = name {
        values.push(name.into());
        conditions.push(format!("name = ${}", values.len()));
    }
    if let Some(enabled) = enabled {
        values.push(i64::from(enabled).into());
        conditions.push(format!("enabled = ${}", values.len()));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let mut query = sql::query(format!(
        "SELECT {COLUMNS} FROM accounts{filter} ORDER BY name"
    ));
    for value in values {
        query = query.bind(value);
    }
    let rows = query.fetch_all(db).await?;
    let mut accounts = Vec::with_capacity(rows.len());
    // One more read per account for its regions: lists of accounts are short and rare.
    for row in &rows {
        accounts.push(from_row(db, row).await?);
    }
    Ok(accounts)
}

/// Replaces the regions the account may use.
pub async fn set_regions(db: &Db, id: &AccountId, regions: &[RegionName]) -> Result<Account> {
    check_regions(db, regions).await?;
    let mut tx = db.begin_write().await?;
    let exists = sql::query("SELECT id FROM accounts WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut tx)
        .await?;
    if exists.is_none() {
        return Err(Error::not_found(Kind::Account, id.as_str()));
    }
    replace_regions(&mut tx, id, regions).await?;
    tx.commit().await?;
    get(db, id)
        .await?
        .ok_or_else(|| Error::not_found(Kind::Account, id.as_str()))
}

/// What to change in an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub name: Option<AccountName>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    /// Revoke every token scoped to the account in the same transaction.
    pub revoke_tokens: bool,
}

/// Applies `changes` to the account; the account as it is now, `None` when there is no such
/// account; `Conflict` when the new name is taken.
pub async fn update(db: &Db, id: &AccountId, changes: &AccountChanges) -> Result<Option<Account>> {
    let mut sets = Vec::new();
    let mut values: Vec<sql::Value> = Vec::new();
    if let Some(name) = &changes.name {
        values.push(name.as_str().into());
        sets.push(format!("name = ${}", values.len() + 1));
    }
    if let Some(description) = &changes.description {
        values.push(description.as_str().into());
        sets.push(format!("description = ${}", values.len() + 1));
    }
    if let Some(enabled) = changes.enabled {
        values.push(i64::from(enabled).into());
        sets.push(format!("enabled = ${}", values.len() + 1));
    }
    // Setting the id to itself keeps the statement valid (and the row locked) with no change.
    sets.push("id = $1".to_owned());
    let mut tx = db.begin_write().await?;
    let sql = format!("UPDATE accounts SET {} WHERE id = $1", sets.join(", "));
    let mut query = sql::query(sql).bind(id.as_str());
    for value in values {
        query = query.bind(value);
    }
    let done = query.execute(&mut tx).await.map_err(|e| {
        match (&changes.name, is_unique_violation(&e)) {
            (Some(name), true) => Error::conflict(Kind::Account, name.as_str()),
            _ => Error::from(e),
        }
    })?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    if changes.revoke_tokens {
        sql::query("UPDATE tokens SET revoked = 1 WHERE account_id = $1 AND revoked = 0")
            .bind(id.as_str())
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    get(db, id).await
}

/// What a delete did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// The account, its users and their tokens are gone.
    Done,
    /// There is no such account.
    NotFound,
    /// Nothing was deleted: the account owns this many images (not deleted).
    OwnsImages(i64),
}

/// Deletes the account with its users, their tokens and read marks, unless it owns images: counted in the
/// same transaction, with the account's row locked (on SQLite, under the write lock). An image
/// created at that very moment by a token of the account is not held back by the lock, since
/// image creation does not read the account row (see docs/ARCHITECTURE.md).
pub async fn delete(db: &Db, id: &AccountId) -> Result<Deleted> {
    let mut tx = db.begin_write().await?;
    let lock = if tx.is_sqlite() { "" } else { " FOR UPDATE" };
    let found = sql::query(format!("SELECT id FROM accounts WHERE id = $1{lock}"))
        .bind(id.as_str())
        .fetch_optional(&mut tx)
        .await?;
    if found.is_none() {
        return Ok(Deleted::NotFound);
    }
    let images: i64 =
        sql::query("SELECT COUNT(*) AS n FROM images WHERE owner = $1 AND deleted = 0")
            .bind(id.as_str())
            .fetch_one(&mut tx)
            .await?
            .try_get("n")?;
    if images > 0 {
        return Ok(Deleted::OwnsImages(images));
    }
    for statement in [
        "DELETE FROM tokens WHERE account_id = $1",
        "DELETE FROM tokens WHERE user_id IN (SELECT id FROM users WHERE account_id = $1)",
        "DELETE FROM share_event_reads \
         WHERE user_id IN (SELECT id FROM users WHERE account_id = $1)",
        "DELETE FROM users WHERE account_id = $1",
        "DELETE FROM account_regions WHERE account_id = $1",
        "DELETE FROM accounts WHERE id = $1",
    ] {
        sql::query(statement)
            .bind(id.as_str())
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Deleted::Done)
}
