//! The counts behind `GET /v2/info/usage`: an account's images in one region, their data, the
//! data staged or being imported, and the images receiving data, as Glance's database counts
//! them (`user_get_storage_usage`, `…_staging_usage`, `…_image_count`, `…_uploading_count`).

use glint_core::image::account_usage::AccountUsage;
use glint_core::{RegionName, Result};

use crate::Db;
use crate::sql;

/// Statuses that hold no data and count for nothing.
const GONE: &str = "('killed', 'deleted', 'pending_delete')";

/// Statuses whose data is in the region's store (Glance counts an image's size once per
/// location, and only these have one).
const STORED: &str = "('active', 'deactivated')";

/// Whether an image is being copied or imported to a store (Glance's
/// `os_glance_importing_to_stores` not empty).
const COPYING: &str = "EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = images.id \
                       AND p.name = 'os_glance_importing_to_stores' AND p.value <> '')";

/// The usage of `owner` in `region`.
pub async fn of_account(db: &Db, region: &RegionName, owner: &str) -> Result<AccountUsage> {
    let text = format!(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN size > 0 AND status IN {STORED} THEN size ELSE 0 END), 0) AS BIGINT) \
             AS stored, \
           CAST(COALESCE(SUM(CASE WHEN size > 0 AND (status IN ('uploading', 'importing') \
             OR (status NOT IN {GONE} AND {COPYING})) THEN size ELSE 0 END), 0) AS BIGINT) AS staged, \
           CAST(COALESCE(SUM(CASE WHEN status NOT IN {GONE} THEN 1 ELSE 0 END), 0) AS BIGINT) AS images, \
           CAST(COALESCE(SUM(CASE WHEN status IN ('saving', 'uploading', 'importing') \
             OR (status NOT IN {GONE} AND {COPYING}) THEN 1 ELSE 0 END), 0) AS BIGINT) AS uploading \
         FROM images WHERE region = $1 AND owner = $2 AND deleted = 0"
    );
    let row = sql::query(text)
        .bind(region.as_str())
        .bind(owner)
        .fetch_one(db)
        .await?;
    let count = |name: &str| -> Result<u64> {
        let n: i64 = row.try_get(name)?;
        Ok(u64::try_from(n).unwrap_or_default())
    };
    Ok(AccountUsage {
        stored_bytes: count("stored")?,
        staged_bytes: count("staged")?,
        images: count("images")?,
        uploading: count("uploading")?,
    })
}
