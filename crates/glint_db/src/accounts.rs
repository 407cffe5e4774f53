//! Accounts (the APIs' projects) and the regions each may use.

use glint_core::error::Kind;
use glint_core::{Account, AccountId, AccountName, Error, RegionName, Result, Timestamp};

use crate::sql::{self, Row};
use crate::{Db, WriteTx, is_unique_violation, regions};

const COLUMNS: &str = "id, name, created_at";

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

/// Creates an account with access to `regions`; `Conflict` if the number or name is taken,
/// `NotFound` for an unknown region.
pub async fn create(
    db: &Db,
    id: &AccountId,
    name: &AccountName,
    regions: &[RegionName],
) -> Result<Account> {
    check_regions(db, regions).await?;
    let now = Timestamp::now();
    let mut tx = db.begin_write().await?;
    sql::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(id.as_str())
        .bind(name.as_str())
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

/// Every account (optionally only the one with `name`), by name.
pub async fn list(db: &Db, name: Option<&str>) -> Result<Vec<Account>> {
    let rows = match name {
        Some(name) => {
            let sql = format!("SELECT {COLUMNS} FROM accounts WHERE name = $1 ORDER BY name");
            sql::query(sql).bind(name).fetch_all(db).await
        }
        None => {
            let sql = format!("SELECT {COLUMNS} FROM accounts ORDER BY name");
            sql::query(sql).fetch_all(db).await
        }
    }?;
    let mut accounts = Vec::with_capacity(rows.len());
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
