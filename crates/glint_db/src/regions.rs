//! Regions: the named locations images live in.

use glint_core::error::Kind;
use glint_core::{Error, Region, RegionName, Result, Timestamp};

use crate::sql::{self, Row};
use crate::{Db, is_unique_violation};

fn from_row(row: &Row) -> Result<Region> {
    Ok(Region {
        name: RegionName::from_trusted(row.try_get("name")?),
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
    })
}

/// Creates a region; `Conflict` if it exists.
pub async fn create(db: &Db, name: &RegionName) -> Result<Region> {
    let _turn = db.write_turn().await;
    let now = Timestamp::now();
    sql::query("INSERT INTO regions (name, created_at) VALUES ($1, $2)")
        .bind(name.as_str())
        .bind(now.micros())
        .execute(db)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::conflict(Kind::Region, name.as_str())
            } else {
                Error::from(e)
            }
        })?;
    Ok(Region {
        name: name.clone(),
        created_at: now,
    })
}

/// Creates the region unless it exists; returns whether it was created.
pub async fn ensure(db: &Db, name: &RegionName) -> Result<bool> {
    let _turn = db.write_turn().await;
    let done = sql::query(
        "INSERT INTO regions (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name.as_str())
    .bind(Timestamp::now().micros())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Every region, by name.
pub async fn list(db: &Db) -> Result<Vec<Region>> {
    let rows = sql::query("SELECT name, created_at FROM regions ORDER BY name")
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The names among `names` that are not regions.
pub async fn missing(db: &Db, names: &[RegionName]) -> Result<Vec<RegionName>> {
    let known = list(db).await?;
    Ok(names
        .iter()
        .filter(|n| !known.iter().any(|r| &r.name == *n))
        .cloned()
        .collect())
}

/// Whether the region exists.
pub async fn exists(db: &Db, name: &RegionName) -> Result<bool> {
    let row = sql::query("SELECT name FROM regions WHERE name = $1")
        .bind(name.as_str())
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}
