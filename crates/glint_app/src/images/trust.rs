//! Trust reports: once an image has its data, a background worker reads the image's
//! filesystems (never running anything from it) and keeps a report of who could log in to a
//! server built from it. One report at a time per node, each bounded in time, bytes and files;
//! reports survive restarts (a node's unfinished ones go back to the queue, a dead node's are
//! taken over once stale) and an image that kept a node from finishing three times gets a
//! report saying so instead of a fourth try. Owners and whoever may see the image read it.

use std::str::FromStr;
use std::time::Duration;

use glint_core::image::{Image, ImageId, ImageStatus};
use glint_core::{AuthContext, Error, RegionName, Result, Timestamp};
use glint_db::images;
use glint_db::trust_reports::{self, ReportJob, ReportState};
use glint_inspect::{DetectedFormat, Limits, TrustReport, inspect_filesystems};

use super::ImageService;
use super::data::key;

/// Tries before an image is reported as one that could not be inspected.
const MAX_ATTEMPTS: i64 = 3;
/// How long the worker sleeps when it was not woken by new work.
const IDLE: Duration = Duration::from_secs(15);
/// Time a report may take beyond its own deadline before the worker stops waiting for it.
const GRACE: Duration = Duration::from_secs(30);

/// Where an image's trust report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustReportState {
    /// The image has no data yet, so nothing to inspect.
    NoData,
    /// Queued or being written.
    Pending,
    /// Written.
    Complete,
}

impl TrustReportState {
    /// The wire name: `no_data`, `pending` or `complete`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustReportState::NoData => "no_data",
            TrustReportState::Pending => "pending",
            TrustReportState::Complete => "complete",
        }
    }
}

/// An image's trust report as its readers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustReportView {
    pub image_id: ImageId,
    pub state: TrustReportState,
    /// The format the data was found to be in (`raw`, `gpt`, `mbr`, `qcow2`, …).
    pub detected_format: Option<String>,
    pub queued_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// The findings, once complete.
    pub report: Option<TrustReport>,
    /// Short findings, most important first; empty while pending and for a clean image.
    pub warnings: Vec<String>,
}

impl ImageService {
    /// Queues the trust report of an image that just got its data, and wakes the worker.
    pub(crate) async fn queue_trust_report(
        &self,
        image: &ImageId,
        detected: Option<DetectedFormat>,
    ) {
        let format = detected.unwrap_or(DetectedFormat::Raw);
        match trust_reports::queue(&self.db, image, format.name()).await {
            Ok(()) => self.reports_wake.notify_one(),
            Err(e) => {
                tracing::warn!(error = %e, image = %image, "could not queue the trust report")
            }
        }
    }

    /// The trust report of image `id` in `region`, for anyone who may see the image
    /// (`NotFound` otherwise, as for the image itself).
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn trust_report(
        &self,
        ctx: &AuthContext,
        region: &RegionName,
        id: &ImageId,
    ) -> Result<TrustReportView> {
        let image = self.get(ctx, region, id).await?;
        let stored = trust_reports::get(&self.db, &image.id).await?;
        let Some(stored) = stored else {
            let state = if has_data(&image) {
                TrustReportState::Pending
            } else {
                TrustReportState::NoData
            };
            return Ok(TrustReportView {
                image_id: image.id,
                state,
                detected_format: None,
                queued_at: None,
                finished_at: None,
                report: None,
                warnings: Vec::new(),
            });
        };
        let report = match (&stored.state, &stored.report) {
            (ReportState::Done, Some(json)) => Some(
                serde_json::from_str::<TrustReport>(json)
                    .map_err(|e| Error::Internal(format!("stored trust report: {e}")))?,
            ),
            _ => None,
        };
        Ok(TrustReportView {
            image_id: image.id,
            state: if report.is_some() {
                TrustReportState::Complete
            } else {
                TrustReportState::Pending
            },
            detected_format: Some(stored.detected_format),
            queued_at: Some(stored.queued_at),
            finished_at: stored.finished_at,
            warnings: report
                .as_ref()
                .map(TrustReport::warnings)
                .unwrap_or_default(),
            report,
        })
    }

    /// Puts back the reports this node was writing when it stopped; returns how many.
    pub async fn recover_trust_reports(&self) -> Result<u64> {
        trust_reports::release_node(&self.db, &self.settings.node_id).await
    }

    /// Starts this node's report worker; it runs until the runtime stops.
    pub fn start_trust_reports(&self) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            loop {
                match service.write_next_report().await {
                    Ok(true) => {}
                    Ok(false) => {
                        let _ = tokio::time::timeout(IDLE, service.reports_wake.notified()).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "trust report worker");
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                }
            }
        })
    }

    /// Claims and writes one report; false when there was none waiting.
    pub async fn write_next_report(&self) -> Result<bool> {
        let timeout = self.settings.trust_report_timeout;
        let stale = i64::try_from((timeout + GRACE * 4).as_secs()).unwrap_or(i64::MAX);
        let stale_before = Timestamp::now().plus_seconds(-stale);
        let node = &self.settings.node_id;
        let Some(job) = trust_reports::claim_next(&self.db, node, stale_before).await? else {
            return Ok(false);
        };
        let Some(image) = images::get(&self.db, job.image_id.as_str()).await? else {
            trust_reports::forget(&self.db, &job.image_id).await?;
            return Ok(true);
        };
        let report = if job.attempts > MAX_ATTEMPTS {
            could_not(format!(
                "the inspection was started {MAX_ATTEMPTS} times and never finished"
            ))
        } else {
            self.inspect(&image, &job).await
        };
        let json = serde_json::to_string(&report)
            .map_err(|e| Error::Internal(format!("trust report: {e}")))?;
        let warnings = report.warnings().len();
        let change = glint_db::events::Change::by_service(self.clock.now());
        if trust_reports::finish(&self.db, &image.id, node, &json, warnings, &change).await? {
            tracing::info!(image = %image.id, warnings = report.warnings().len(), "trust report written");
            let scope = glint_db::sharing_policies::Scope::Image(image.id.as_str());
            super::accept_trusted_after(&self.db, &self.clock, scope).await;
        }
        Ok(true)
    }

    /// Reads the stored image on a blocking thread, within the configured time.
    async fn inspect(&self, image: &Image, job: &ReportJob) -> TrustReport {
        let format = DetectedFormat::from_str(&job.detected_format).unwrap_or(DetectedFormat::Raw);
        let reader = match self.first_store(image).await {
            Ok(store) => match key(image) {
                Ok(key) => store.reader(&key).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.to_string()),
        };
        let reader = match reader {
            Ok(reader) => reader,
            Err(why) => return could_not(format!("the image's data could not be read: {why}")),
        };
        let timeout = self.settings.trust_report_timeout;
        let limits = Limits::with_timeout(timeout);
        let work =
            tokio::task::spawn_blocking(move || inspect_filesystems(reader, format, &limits));
        match tokio::time::timeout(timeout + GRACE, work).await {
            Ok(Ok(report)) => report,
            Ok(Err(e)) => could_not(format!("the inspection failed: {e}")),
            Err(_) => could_not(format!(
                "the inspection did not finish within {} s",
                timeout.as_secs()
            )),
        }
    }
}

fn has_data(image: &Image) -> bool {
    matches!(image.status, ImageStatus::Active | ImageStatus::Deactivated)
}

/// A report that says only why the image could not be inspected.
fn could_not(why: String) -> TrustReport {
    TrustReport {
        not_inspected: vec![why],
        ..TrustReport::default()
    }
}
