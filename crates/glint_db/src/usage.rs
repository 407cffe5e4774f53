//! What the usage report of an image reads: its shares (live and removed), its servers per
//! account and region (counts and the last boot only), and the live images saved from servers
//! built from it (their lineage property names it).

use glint_core::image::ImageId;
use glint_core::image::lineage::SOURCE_IMAGE;
use glint_core::image::usage::{ServerUse, ShareRecord};
use glint_core::{Error, Result, Timestamp};

use crate::Db;
use crate::sql;

/// Every share the image has had, live or removed.
pub async fn shares(db: &Db, image: &ImageId) -> Result<Vec<ShareRecord>> {
    let rows = sql::query(
        "SELECT member, status, created_at, updated_at, deleted, remove_at \
         FROM image_members WHERE image_id = $1",
    )
    .bind(image.as_str())
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let status: String = row.try_get("status")?;
            Ok(ShareRecord {
                account: row.try_get("member")?,
                status: status
                    .parse()
                    .map_err(|e: Error| Error::Internal(format!("stored member status: {e}")))?,
                created_at: Timestamp::from_micros(row.try_get("created_at")?),
                updated_at: Timestamp::from_micros(row.try_get("updated_at")?),
                removed: row.try_get::<i64, _>("deleted")? != 0,
                remove_at: row
                    .try_get::<Option<i64>, _>("remove_at")?
                    .map(Timestamp::from_micros),
            })
        })
        .collect()
}

/// Per account and region: the live servers whose disk was last built from the image, and the
/// last boot from it of any of that account's servers there (live or deleted).
pub async fn servers(db: &Db, image: &ImageId) -> Result<Vec<ServerUse>> {
    let rows = sql::query(
        "SELECT account_id, region, COUNT(CASE WHEN deleted = 0 THEN 1 END) AS live, \
         MAX(COALESCE(launched_at, created_at)) AS last_boot \
         FROM servers WHERE image_id = $1 GROUP BY account_id, region",
    )
    .bind(image.as_str())
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ServerUse {
                account: row.try_get("account_id")?,
                region: row.try_get("region")?,
                live: u64::try_from(row.try_get::<i64, _>("live")?).unwrap_or(0),
                last_boot_at: row
                    .try_get::<Option<i64>, _>("last_boot")?
                    .map(Timestamp::from_micros),
            })
        })
        .collect()
}

/// Per owning account: the live images saved from servers built from the image.
pub async fn copies(db: &Db, image: &ImageId) -> Result<Vec<(String, u64)>> {
    let rows = sql::query(
        "SELECT COALESCE(i.owner, '') AS owner, COUNT(*) AS copies \
         FROM image_properties p JOIN images i ON i.id = p.image_id AND i.deleted = 0 \
         WHERE p.name = $1 AND p.value = $2 GROUP BY i.owner",
    )
    .bind(SOURCE_IMAGE)
    .bind(image.as_str())
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let n: i64 = row.try_get("copies")?;
            Ok((row.try_get("owner")?, u64::try_from(n).unwrap_or(0)))
        })
        .collect()
}
