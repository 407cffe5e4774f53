//! Trust reports of images: queued when an image gets its data, claimed by one node at a time
//! (a claim goes stale when its node stops), and kept with the image once written. The report
//! itself is opaque JSON here; `glint_app` knows its shape.

use glint_core::event::EventKind;
use glint_core::image::ImageId;
use glint_core::{Result, Timestamp};

use crate::Db;
use crate::events::{self, Change, Recording};
use crate::sql::{self, Row};

/// Where an image's report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportState {
    /// Waiting for a node to read the image.
    Pending,
    /// A node is reading the image.
    Running,
    /// Written.
    Done,
}

impl ReportState {
    fn as_str(self) -> &'static str {
        match self {
            ReportState::Pending => "pending",
            ReportState::Running => "running",
            ReportState::Done => "done",
        }
    }

    fn parse(value: &str) -> Result<Self> {
        match value {
            "pending" => Ok(ReportState::Pending),
            "running" => Ok(ReportState::Running),
            "done" => Ok(ReportState::Done),
            other => Err(glint_core::Error::Internal(format!(
                "unknown trust report state {other}"
            ))),
        }
    }
}

/// One image's report, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReport {
    pub image_id: String,
    pub state: ReportState,
    /// The format the data was found to be in (the inspector's name, e.g. `qcow2`, `gpt`).
    pub detected_format: String,
    /// Times a node started on it.
    pub attempts: i64,
    /// The report as JSON, once done.
    pub report: Option<String>,
    pub queued_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// A report a node has claimed and must now write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportJob {
    pub image_id: ImageId,
    pub detected_format: String,
    /// Including this one.
    pub attempts: i64,
}

const COLUMNS: &str = "image_id, state, detected_format, attempts, report, queued_at, finished_at";

fn from_row(row: &Row) -> Result<StoredReport> {
    let state: String = row.try_get("state")?;
    Ok(StoredReport {
        image_id: row.try_get("image_id")?,
        state: ReportState::parse(&state)?,
        detected_format: row.try_get("detected_format")?,
        attempts: row.try_get("attempts")?,
        report: row.try_get("report")?,
        queued_at: Timestamp::from_micros(row.try_get("queued_at")?),
        finished_at: row
            .try_get::<Option<i64>, _>("finished_at")?
            .map(Timestamp::from_micros),
    })
}

/// Queues (or queues again, forgetting any earlier report) the report of an image whose data
/// was found to be in `detected_format`.
pub async fn queue(db: &Db, image: &ImageId, detected_format: &str) -> Result<()> {
    let _turn = db.write_turn().await;
    sql::query(
        "INSERT INTO trust_reports (image_id, state, detected_format, attempts, queued_at) \
         VALUES ($1, 'pending', $2, 0, $3) \
         ON CONFLICT (image_id) DO UPDATE SET state = 'pending', detected_format = $2, \
         attempts = 0, claimed_by = NULL, claimed_at = NULL, report = NULL, queued_at = $3, \
         finished_at = NULL",
    )
    .bind(image.as_str())
    .bind(detected_format)
    .bind(Timestamp::now().micros())
    .execute(db)
    .await?;
    Ok(())
}

/// Claims the longest-waiting report for `node`: a pending one, or one whose node's claim is
/// older than `stale_before`. `None` when there is nothing to do.
pub async fn claim_next(db: &Db, node: &str, stale_before: Timestamp) -> Result<Option<ReportJob>> {
    let _turn = db.write_turn().await;
    // Two nodes may pick the same row; the conditional update lets exactly one have it.
    for _ in 0..8 {
        let candidate = sql::query(
            "SELECT image_id FROM trust_reports \
             WHERE state = 'pending' OR (state = 'running' AND claimed_at < $1) \
             ORDER BY queued_at, image_id LIMIT 1",
        )
        .bind(stale_before.micros())
        .fetch_optional(db)
        .await?;
        let Some(row) = candidate else {
            return Ok(None);
        };
        let id: String = row.try_get("image_id")?;
        let claimed = sql::query(
            "UPDATE trust_reports SET state = 'running', claimed_by = $1, claimed_at = $2, \
             attempts = attempts + 1 \
             WHERE image_id = $3 AND (state = 'pending' OR (state = 'running' AND claimed_at < $4)) \
             RETURNING detected_format, attempts",
        )
        .bind(node)
        .bind(Timestamp::now().micros())
        .bind(&id)
        .bind(stale_before.micros())
        .fetch_optional(db)
        .await?;
        if let Some(row) = claimed {
            return Ok(Some(ReportJob {
                image_id: ImageId::parse(&id)?,
                detected_format: row.try_get("detected_format")?,
                attempts: row.try_get("attempts")?,
            }));
        }
    }
    Ok(None)
}

/// Writes the report `node` claimed, telling the image's consumers and its producer that it is
/// ready, with its number of `warnings`; false if the claim was lost meanwhile (another node
/// took it over, or the image got new data and its report was queued again).
pub async fn finish(
    db: &Db,
    image: &ImageId,
    node: &str,
    report_json: &str,
    warnings: usize,
    change: &Change<'_>,
) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let done = sql::query(
        "UPDATE trust_reports SET state = 'done', report = $1, finished_at = $2, \
         claimed_by = NULL, claimed_at = NULL \
         WHERE image_id = $3 AND state = 'running' AND claimed_by = $4",
    )
    .bind(report_json)
    .bind(change.at.micros())
    .bind(image.as_str())
    .bind(node)
    .execute(&mut tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let mut detail = serde_json::Map::new();
    detail.insert("warnings".into(), serde_json::json!(warnings));
    let ready = Recording::new(EventKind::TrustReportReady, image, change.actor, change.at)
        .with_detail(detail);
    events::record(&mut tx, &ready).await?;
    tx.commit().await?;
    Ok(true)
}

/// Puts back every report `node` was writing when it stopped; returns how many.
pub async fn release_node(db: &Db, node: &str) -> Result<u64> {
    let _turn = db.write_turn().await;
    let done = sql::query(
        "UPDATE trust_reports SET state = 'pending', claimed_by = NULL, claimed_at = NULL \
         WHERE state = 'running' AND claimed_by = $1",
    )
    .bind(node)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Drops the report of an image (its data is gone).
pub async fn forget(db: &Db, image: &ImageId) -> Result<()> {
    let _turn = db.write_turn().await;
    sql::query("DELETE FROM trust_reports WHERE image_id = $1")
        .bind(image.as_str())
        .execute(db)
        .await?;
    Ok(())
}

/// The image's report, if one was ever queued.
pub async fn get(db: &Db, image: &ImageId) -> Result<Option<StoredReport>> {
    let sql = format!("SELECT {COLUMNS} FROM trust_reports WHERE image_id = $1");
    sql::query(sql)
        .bind(image.as_str())
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// How many reports are in `state`.
pub async fn count(db: &Db, state: ReportState) -> Result<i64> {
    sql::query("SELECT COUNT(*) AS n FROM trust_reports WHERE state = $1")
        .bind(state.as_str())
        .fetch_one(db)
        .await?
        .try_get("n")
        .map_err(glint_core::Error::from)
}
