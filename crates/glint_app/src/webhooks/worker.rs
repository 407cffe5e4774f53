//! The delivery worker, one per node: fans out the share events committed since each
//! endpoint's cursor, claims the due deliveries (in event order per image; one node at a time
//! each), sends them side by side, and records each outcome: delivered on a 2xx, otherwise
//! retried with exponential backoff until the retry period ends, then failed. Its state is all in
//! the store, so it survives restarts (a node puts back its own claims when it starts) and
//! shares the work with the other nodes of one database.

use std::time::{Duration, Instant};

use glint_core::webhook::{Attempt, delivery_body};
use glint_core::{Error, Result};
use glint_db::events;
use glint_db::webhooks::deliveries::{self, DeliveryJob, Outcome};
use glint_db::webhooks::fan_out::fan_out;

use super::WebhookService;

/// Events fanned out per endpoint per round.
const FAN_OUT_BATCH: u32 = 500;
/// Deliveries claimed (and sent side by side) per round.
const CLAIM_BATCH: u32 = 16;
/// Attempts the log keeps per endpoint.
pub(crate) const LOG_ATTEMPTS: u32 = 100;
/// How long a claim lasts beyond the request's own timeout before another node may take over.
const LEASE_MARGIN: Duration = Duration::from_secs(60);
/// Finished deliveries are kept this long, then pruned.
const KEEP_FINISHED_SECS: i64 = 7 * 24 * 3600;
/// Time between two prunes.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

impl WebhookService {
    /// Puts back the deliveries this node was sending when it stopped; returns how many.
    pub async fn recover(&self) -> Result<u64> {
        deliveries::release_node(&self.db, &self.settings.node_id).await
    }

    /// Starts this node's delivery worker; it runs until the runtime stops.
    pub fn start(&self) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut pruned: Option<Instant> = None;
            loop {
                if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
                    service.prune().await;
                    pruned = Some(Instant::now());
                }
                match service.deliver_due().await {
                    Ok(0) => {
                        let idle = service.settings.poll_interval;
                        let _ = tokio::time::timeout(idle, service.wake.notified()).await;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook worker");
                        tokio::time::sleep(
                            service.settings.poll_interval.max(Duration::from_secs(1)),
                        )
                        .await;
                    }
                }
            }
        })
    }

    /// One round: fans out new events, then claims and sends what is due. Returns how many
    /// deliveries it sent.
    pub async fn deliver_due(&self) -> Result<usize> {
        let now = self.clock.now();
        let new_id = || uuid::Uuid::new_v4().to_string();
        fan_out(&self.db, FAN_OUT_BATCH, now, &new_id).await?;
        let lease = self.settings.timeout + LEASE_MARGIN;
        let stale = i64::try_from(lease.as_secs()).unwrap_or(i64::MAX);
        let node = &self.settings.node_id;
        let jobs =
            deliveries::claim_due(&self.db, node, now, now.plus_seconds(-stale), CLAIM_BATCH)
                .await?;
        let sent = futures::future::join_all(jobs.iter().map(|job| self.deliver(job))).await;
        for (job, done) in jobs.iter().zip(sent) {
            if let Err(e) = done {
                tracing::warn!(error = %e, delivery = %job.id, "webhook delivery not recorded");
            }
        }
        Ok(jobs.len())
    }

    /// Sends one claimed delivery and records how it went.
    async fn deliver(&self, job: &DeliveryJob) -> Result<()> {
        let node = &self.settings.node_id;
        let Some(event) = self.event_of(job).await? else {
            let gone = Attempt {
                at: self.clock.now(),
                status_code: None,
                latency_ms: 0,
                error: Some("the event no longer exists".into()),
            };
            deliveries::finish(&self.db, job, node, &gone, Outcome::Failed, LOG_ATTEMPTS).await?;
            return Ok(());
        };
        let body = delivery_body(&job.id, &job.endpoint_id, job.attempt, event);
        let body =
            serde_json::to_vec(&body).map_err(|e| Error::Internal(format!("webhook body: {e}")))?;
        let attempt = self.sender.send(job, body, self.clock.now()).await;
        let outcome = if attempt.error.is_none() {
            Outcome::Delivered
        } else {
            let ended = self.clock.now();
            match self
                .settings
                .retry
                .next_attempt(job.attempt, job.first_attempt_at, ended)
            {
                Some(at) => Outcome::RetryAt(at),
                None => Outcome::Failed,
            }
        };
        tracing::debug!(delivery = %job.id, attempt = job.attempt, ?outcome, "webhook attempt");
        deliveries::finish(&self.db, job, node, &attempt, outcome, LOG_ATTEMPTS).await?;
        Ok(())
    }

    /// The event a delivery carries, in its wire form.
    async fn event_of(&self, job: &DeliveryJob) -> Result<Option<serde_json::Value>> {
        match (job.event_id, &job.payload) {
            (Some(id), _) => Ok(events::get(&self.db, id).await?.map(|e| e.to_wire())),
            (None, Some(payload)) => serde_json::from_str(payload)
                .map(Some)
                .map_err(|e| Error::Internal(format!("stored test event: {e}"))),
            (None, None) => Ok(None),
        }
    }

    /// Removes deliveries that finished a week ago.
    async fn prune(&self) {
        let before = self.clock.now().plus_seconds(-KEEP_FINISHED_SECS);
        match deliveries::prune(&self.db, before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, "old webhook deliveries removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove old webhook deliveries"),
        }
    }
}
