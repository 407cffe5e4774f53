//! Reports of suspicious images and the operators' quarantine. A report is a row of
//! `image_reports` (one open report per image and reporting account, which a partial unique
//! index keeps on both engines); the quarantine is a fact on the image's row
//! (`quarantined_at`, `quarantine_note`), set with its status in one locked write that also
//! closes the image's open reports and tells every live share. Who may do what is `glint_app`'s.

use glint_core::error::Kind;
use glint_core::event::EventKind;
use glint_core::image::ImageId;
use glint_core::report::{ImageReport, ReportId, ReportStatus, Reporter, Resolution};
use glint_core::{Error, RegionName, Result, Timestamp};
use serde_json::{Map, Value};

use crate::events::{self, Recording};
use crate::sql::{self, Row};
use crate::{Db, is_unique_violation};

/// A report with what the store knows now of its image (for the operators).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedReport {
    pub report: ImageReport,
    /// The image's owner; `None` when it has none or the image is gone.
    pub owner: Option<String>,
    /// The image's status now; `None` once it is deleted.
    pub image_status: Option<String>,
}

/// Which reports a list shows, newest first.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter<'a> {
    /// Only in this status (`None`: any).
    pub status: Option<ReportStatus>,
    /// Only made by this account (`None`: every account, for the operators).
    pub reporter: Option<&'a str>,
    pub limit: u32,
}

const COLUMNS: &str = "r.id, r.image_id, r.region, r.image_name, r.reporter_account, \
                       r.reporter_user_id, r.reporter_user_name, r.reason, r.comment, r.status, \
                       r.created_at, r.resolved_at, r.resolved_by, r.resolution_note, \
                       i.owner, CASE WHEN i.deleted = 0 THEN i.status END AS image_status";

fn from_row(row: &Row) -> Result<ListedReport> {
    let reason: String = row.try_get("reason")?;
    let status: String = row.try_get("status")?;
    let resolved_at: Option<i64> = row.try_get("resolved_at")?;
    let resolution = match resolved_at {
        Some(at) => Some(Resolution {
            at: Timestamp::from_micros(at),
            by: row
                .try_get::<Option<String>, _>("resolved_by")?
                .unwrap_or_default(),
            note: row
                .try_get::<Option<String>, _>("resolution_note")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    let report = ImageReport {
        id: ReportId::from_trusted(row.try_get("id")?),
        image_id: ImageId::from_trusted(row.try_get("image_id")?),
        region: RegionName::from_trusted(row.try_get("region")?),
        image_name: row.try_get("image_name")?,
        reporter: Reporter {
            account: row.try_get("reporter_account")?,
            user_id: row.try_get("reporter_user_id")?,
            user_name: row.try_get("reporter_user_name")?,
        },
        reason: reason
            .parse()
            .map_err(|_| Error::Internal(format!("stored report reason {reason}")))?,
        comment: row.try_get("comment")?,
        status: status
            .parse()
            .map_err(|_| Error::Internal(format!("stored report status {status}")))?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
        resolution,
    };
    Ok(ListedReport {
        report,
        owner: row.try_get("owner")?,
        image_status: row.try_get("image_status")?,
    })
}

/// Stores a new open report. `Conflict` when the reporting account already has an open report
/// of the image.
pub async fn insert(db: &Db, report: &ImageReport) -> Result<()> {
    sql::query(
        "INSERT INTO image_reports (id, image_id, region, image_name, reporter_account, \
         reporter_user_id, reporter_user_name, reason, comment, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(report.id.as_str())
    .bind(report.image_id.as_str())
    .bind(report.region.as_str())
    .bind(report.image_name.as_deref())
    .bind(report.reporter.account.as_str())
    .bind(report.reporter.user_id.as_str())
    .bind(report.reporter.user_name.as_str())
    .bind(report.reason.as_str())
    .bind(report.comment.as_str())
    .bind(report.status.as_str())
    .bind(report.created_at.micros())
    .execute(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Error::conflict(Kind::Report, report.image_id.as_str())
        } else {
            Error::from(e)
        }
    })?;
    Ok(())
}

/// The report `id`, with its image as it is now.
pub async fn get(db: &Db, id: &ReportId) -> Result<Option<ListedReport>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM image_reports r LEFT JOIN images i ON i.id = r.image_id \
         WHERE r.id = $1"
    );
    let row = sql::query(sql).bind(id.as_str()).fetch_optional(db).await?;
    row.as_ref().map(from_row).transpose()
}

/// Reports as `filter` asks, newest first.
pub async fn list(db: &Db, filter: &ReportFilter<'_>) -> Result<Vec<ListedReport>> {
    let mut conditions = Vec::new();
    let mut binds = Vec::new();
    if let Some(status) = filter.status {
        binds.push(status.as_str().to_owned());
        conditions.push(format!("r.status = ${}", binds.len()));
    }
    if let Some(account) = filter.reporter {
        binds.push(account.to_owned());
        conditions.push(format!("r.reporter_account = ${}", binds.len()));
    }
    let filter_sql = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM image_reports r LEFT JOIN images i ON i.id = r.image_id{filter_sql} \
         ORDER BY r.created_at DESC, r.id DESC LIMIT {}",
        filter.limit
    );
    let mut query = sql::query(sql);
    for value in binds {
        query = query.bind(value);
    }
    query.fetch_all(db).await?.iter().map(from_row).collect()
}

/// Closes the open report `id` as dismissed; `false` when it is not open (any more).
pub async fn dismiss(db: &Db, id: &ReportId, resolution: &Resolution) -> Result<bool> {
    let done = sql::query(
        "UPDATE image_reports SET status = 'dismissed', resolved_at = $2, resolved_by = $3, \
         resolution_note = $4 WHERE id = $1 AND status = 'open'",
    )
    .bind(id.as_str())
    .bind(resolution.at.micros())
    .bind(resolution.by.as_str())
    .bind(resolution.note.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Quarantines image `id`: deactivated, with the operators' note, its open reports closed as
/// `quarantined`, and every live share told (`image.quarantined`, the note in its detail, by
/// the service), in one transaction. Only an active or deactivated image, not already
/// quarantined, is quarantined: `false` otherwise (or when there is no such image).
pub async fn quarantine(db: &Db, id: &ImageId, resolution: &Resolution) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let done = sql::query(
        "UPDATE images SET status = 'deactivated', quarantined_at = $2, quarantine_note = $3, \
         updated_at = $2 WHERE id = $1 AND deleted = 0 AND quarantined_at IS NULL \
         AND status IN ('active', 'deactivated')",
    )
    .bind(id.as_str())
    .bind(resolution.at.micros())
    .bind(resolution.note.as_str())
    .execute(&mut tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sql::query(
        "UPDATE image_reports SET status = 'quarantined', resolved_at = $2, resolved_by = $3, \
         resolution_note = $4 WHERE image_id = $1 AND status = 'open'",
    )
    .bind(id.as_str())
    .bind(resolution.at.micros())
    .bind(resolution.by.as_str())
    .bind(resolution.note.as_str())
    .execute(&mut tx)
    .await?;
    let mut detail = Map::new();
    detail.insert("note".into(), Value::from(resolution.note.as_str()));
    let told = Recording::new(EventKind::Quarantined, id, None, resolution.at).with_detail(detail);
    events::record(&mut tx, &told).await?;
    tx.commit().await?;
    Ok(true)
}

/// Lifts the quarantine of image `id`: active again, the note gone, every live share told
/// (`image.released`, by the service). `false` when the image is not quarantined (or is gone).
pub async fn release(db: &Db, id: &ImageId, at: Timestamp) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let done = sql::query(
        "UPDATE images SET status = 'active', quarantined_at = NULL, quarantine_note = NULL, \
         updated_at = $2 WHERE id = $1 AND deleted = 0 AND quarantined_at IS NOT NULL",
    )
    .bind(id.as_str())
    .bind(at.micros())
    .execute(&mut tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    events::record(&mut tx, &Recording::new(EventKind::Released, id, None, at)).await?;
    tx.commit().await?;
    Ok(true)
}
