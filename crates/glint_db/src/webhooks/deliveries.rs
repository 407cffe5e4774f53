//! Deliveries: claimed by one node at a time (a claim older than the lease is stale, its node
//! presumed dead, and may be taken over), in event order per endpoint and image (a delivery
//! waits while an earlier one for the same image is pending), then finished with the attempt's
//! outcome, which the endpoint's log keeps (its latest attempts only).

use glint_core::event::EventId;
use glint_core::image::ImageId;
use glint_core::webhook::{Attempt, Delivery, DeliveryState, TEST_EVENT_TYPE, WebhookId};
use glint_core::{Result, Timestamp};

use crate::Db;
use crate::sql::{self, Row};

/// A delivery a node has claimed and must now send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryJob {
    pub id: String,
    pub endpoint_id: WebhookId,
    pub url: String,
    pub secret: String,
    /// The share event to send; `None` for a test delivery.
    pub event_id: Option<EventId>,
    pub event_type: String,
    /// A test delivery's event, as JSON.
    pub payload: Option<String>,
    /// This attempt's number, from 1.
    pub attempt: u32,
    pub first_attempt_at: Timestamp,
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Tried again at this time.
    RetryAt(Timestamp),
    /// Given up.
    Failed,
}

/// Claims up to `limit` due deliveries for `node`: pending ones whose time has come, unclaimed
/// or claimed before `stale_before`, with no earlier delivery pending for the same endpoint and
/// image. Returns them oldest due first.
pub async fn claim_due(
    db: &Db,
    node: &str,
    now: Timestamp,
    stale_before: Timestamp,
    limit: u32,
) -> Result<Vec<DeliveryJob>> {
    let _turn = db.write_turn().await;
    let sql = format!(
        "SELECT d.id, d.endpoint_id, d.event_id, d.event_type, d.payload, w.url, w.secret \
         FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id \
         WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
         AND (d.claimed_by IS NULL OR d.claimed_at < $2) \
         AND (d.image_id IS NULL OR NOT EXISTS (SELECT 1 FROM webhook_deliveries p \
              WHERE p.endpoint_id = d.endpoint_id AND p.image_id = d.image_id \
              AND p.state = 'pending' AND p.event_id < d.event_id)) \
         ORDER BY d.next_attempt_at, d.event_id, d.id LIMIT {limit}"
    );
    let candidates = sql::query(sql)
        .bind(now.micros())
        .bind(stale_before.micros())
        .fetch_all(db)
        .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for row in &candidates {
        // Another node may have picked the same row: the conditional update lets one have it.
        let id: String = row.try_get("id")?;
        let taken = sql::query(
            "UPDATE webhook_deliveries SET claimed_by = $1, claimed_at = $2, \
             attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, $2) \
             WHERE id = $3 AND state = 'pending' AND (claimed_by IS NULL OR claimed_at < $4) \
             RETURNING attempts, first_attempt_at",
        )
        .bind(node)
        .bind(now.micros())
        .bind(id.as_str())
        .bind(stale_before.micros())
        .fetch_optional(db)
        .await?;
        if let Some(taken) = taken {
            claimed.push(job(row, &taken)?);
        }
    }
    Ok(claimed)
}

fn job(candidate: &Row, taken: &Row) -> Result<DeliveryJob> {
    let attempts: i64 = taken.try_get("attempts")?;
    Ok(DeliveryJob {
        id: candidate.try_get("id")?,
        endpoint_id: WebhookId::from_trusted(candidate.try_get("endpoint_id")?),
        url: candidate.try_get("url")?,
        secret: candidate.try_get("secret")?,
        event_id: candidate
            .try_get::<Option<i64>, _>("event_id")?
            .map(EventId::from_stored),
        event_type: candidate.try_get("event_type")?,
        payload: candidate.try_get("payload")?,
        attempt: u32::try_from(attempts).unwrap_or(u32::MAX),
        first_attempt_at: Timestamp::from_micros(taken.try_get("first_attempt_at")?),
    })
}

/// Ends `node`'s attempt at `job` with `outcome`, and logs the attempt, keeping the endpoint's
/// latest `keep` attempts; false when the claim was lost (taken over, or the endpoint deleted).
pub async fn finish(
    db: &Db,
    job: &DeliveryJob,
    node: &str,
    attempt: &Attempt,
    outcome: Outcome,
    keep: u32,
) -> Result<bool> {
    let (state, next, finished) = match outcome {
        Outcome::Delivered => (DeliveryState::Delivered, attempt.at, Some(attempt.at)),
        Outcome::RetryAt(at) => (DeliveryState::Pending, at, None),
        Outcome::Failed => (DeliveryState::Failed, attempt.at, Some(attempt.at)),
    };
    let mut tx = db.begin_write().await?;
    let done = sql::query(
        "UPDATE webhook_deliveries SET state = $1, next_attempt_at = $2, finished_at = $3, \
         claimed_by = NULL, claimed_at = NULL \
         WHERE id = $4 AND claimed_by = $5 AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(next.micros())
    .bind(finished.map(Timestamp::micros))
    .bind(job.id.as_str())
    .bind(node)
    .execute(&mut tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sql::query(
        "INSERT INTO webhook_attempts (endpoint_id, delivery_id, at, status_code, latency_ms, \
         error) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(job.endpoint_id.as_str())
    .bind(job.id.as_str())
    .bind(attempt.at.micros())
    .bind(attempt.status_code.map(i64::from))
    .bind(i64::try_from(attempt.latency_ms).unwrap_or(i64::MAX))
    .bind(attempt.error.as_deref())
    .execute(&mut tx)
    .await?;
    let trim = format!(
        "DELETE FROM webhook_attempts WHERE endpoint_id = $1 AND id <= (SELECT id FROM \
         webhook_attempts WHERE endpoint_id = $1 ORDER BY id DESC LIMIT 1 OFFSET {keep})"
    );
    sql::query(trim)
        .bind(job.endpoint_id.as_str())
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Puts back every delivery `node` was sending when it stopped; returns how many.
pub async fn release_node(db: &Db, node: &str) -> Result<u64> {
    let _turn = db.write_turn().await;
    let done = sql::query(
        "UPDATE webhook_deliveries SET claimed_by = NULL, claimed_at = NULL \
         WHERE claimed_by = $1 AND state = 'pending'",
    )
    .bind(node)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Queues a test delivery `id` of `payload` (an event as JSON) to `endpoint`, due at once.
pub async fn queue_test(
    db: &Db,
    endpoint: &WebhookId,
    id: &str,
    payload: &str,
    now: Timestamp,
) -> Result<()> {
    let _turn = db.write_turn().await;
    sql::query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, image_id, \
         payload, state, attempts, created_at, next_attempt_at) \
         VALUES ($1, $2, NULL, $3, NULL, $4, 'pending', 0, $5, $5)",
    )
    .bind(id)
    .bind(endpoint.as_str())
    .bind(TEST_EVENT_TYPE)
    .bind(payload)
    .bind(now.micros())
    .execute(db)
    .await?;
    Ok(())
}

/// The latest `limit` deliveries to `endpoint`, newest first, each with the attempts the log
/// still holds.
pub async fn log(db: &Db, endpoint: &WebhookId, limit: u32) -> Result<Vec<Delivery>> {
    let sql = format!(
        "SELECT id, endpoint_id, event_id, event_type, image_id, state, attempts, created_at, \
         next_attempt_at, finished_at FROM webhook_deliveries WHERE endpoint_id = $1 \
         ORDER BY created_at DESC, event_id DESC, id LIMIT {limit}"
    );
    let rows = sql::query(sql)
        .bind(endpoint.as_str())
        .fetch_all(db)
        .await?;
    let mut deliveries = rows.iter().map(delivery).collect::<Result<Vec<_>>>()?;
    let attempts = sql::query(
        "SELECT delivery_id, at, status_code, latency_ms, error FROM webhook_attempts \
         WHERE endpoint_id = $1 ORDER BY id DESC",
    )
    .bind(endpoint.as_str())
    .fetch_all(db)
    .await?;
    for row in &attempts {
        let of: String = row.try_get("delivery_id")?;
        if let Some(d) = deliveries.iter_mut().find(|d| d.id == of) {
            d.log.push(Attempt {
                at: Timestamp::from_micros(row.try_get("at")?),
                status_code: row
                    .try_get::<Option<i64>, _>("status_code")?
                    .and_then(|c| u16::try_from(c).ok()),
                latency_ms: u64::try_from(row.try_get::<i64, _>("latency_ms")?).unwrap_or(0),
                error: row.try_get("error")?,
            });
        }
    }
    Ok(deliveries)
}

fn delivery(row: &Row) -> Result<Delivery> {
    let state = DeliveryState::from_stored(&row.try_get::<String, _>("state")?)?;
    let attempts: i64 = row.try_get("attempts")?;
    Ok(Delivery {
        id: row.try_get("id")?,
        endpoint_id: WebhookId::from_trusted(row.try_get("endpoint_id")?),
        event_id: row
            .try_get::<Option<i64>, _>("event_id")?
            .map(EventId::from_stored),
        event_type: row.try_get("event_type")?,
        image_id: row
            .try_get::<Option<String>, _>("image_id")?
            .map(ImageId::from_trusted),
        state,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
        next_attempt_at: (state == DeliveryState::Pending)
            .then(|| row.try_get::<i64, _>("next_attempt_at"))
            .transpose()?
            .map(Timestamp::from_micros),
        finished_at: row
            .try_get::<Option<i64>, _>("finished_at")?
            .map(Timestamp::from_micros),
        log: Vec::new(),
    })
}

/// Removes deliveries delivered or failed before `finished_before`, with their attempts;
/// returns how many.
pub async fn prune(db: &Db, finished_before: Timestamp) -> Result<u64> {
    let _turn = db.write_turn().await;
    let done =
        sql::query("DELETE FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < $1")
            .bind(finished_before.micros())
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}
