//! This node's health as a load balancer and an operator see it: whether the metadata store
//! answers and whether each region's image store answers, plus the figures of the store that
//! the metrics show (connections in use and idle, trust reports waiting).
//!
//! Load balancers poll the health check, so it is cheap whatever their number: a report is
//! kept for a second and pollers arriving while a check runs wait for that check instead of
//! starting their own, so the store sees at most one round of checks a second. Every check is
//! bounded in time, so a store that hangs makes the node unhealthy within seconds instead of
//! holding its pollers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use glint_core::{Error, RegionName, Result, Timestamp};
use glint_db::trust_reports::{self, ReportState};
use glint_db::{Backend, Db, PoolStats, regions};
use tokio::sync::Mutex;

use crate::Stores;

/// How long a report answers for the checks (pollers within it get the same report).
const FRESH: Duration = Duration::from_secs(1);

/// The longest one check may take before it counts as failed.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// What was checked: `database`, or `store <REGION>`.
    pub name: String,
    /// Whether it answered.
    pub healthy: bool,
    /// What answered, or why it did not (for operators only: never shown without an admin
    /// token).
    pub details: String,
}

/// Every check of one round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthReport {
    pub checks: Vec<HealthCheck>,
    /// When the round ran.
    pub checked_at: Timestamp,
}

impl HealthReport {
    /// Whether every check passed.
    pub fn healthy(&self) -> bool {
        self.checks.iter().all(|c| c.healthy)
    }
}

/// The health checks and the store's figures for the metrics.
#[derive(Debug, Clone)]
pub struct HealthService {
    db: Db,
    stores: Stores,
    last: Arc<Mutex<Option<(Instant, HealthReport)>>>,
}

impl HealthService {
    pub fn new(db: Db, stores: Stores) -> Self {
        HealthService {
            db,
            stores,
            last: Arc::new(Mutex::new(None)),
        }
    }

    /// The latest report, checking again when it is older than a second.
    pub async fn check(&self) -> HealthReport {
        let mut last = self.last.lock().await;
        if let Some((at, report)) = last.as_ref()
            && at.elapsed() < FRESH
        {
            return report.clone();
        }
        let report = self.check_now().await;
        *last = Some((Instant::now(), report.clone()));
        report
    }

    /// Runs every check now: the database, then (when it answers, since it names the
    /// regions) every region's store, at the same time.
    pub async fn check_now(&self) -> HealthReport {
        let checked_at = Timestamp::now();
        let engine = match self.db.backend() {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        };
        let database = bounded(self.db.ping()).await.map(|()| engine.to_owned());
        let regions = match &database {
            Ok(_) => bounded(regions::list(&self.db))
                .await
                .map_err(|e| message(&e)),
            Err(e) => Err(message(e)),
        };
        let mut checks = vec![outcome("database", database)];
        match regions {
            Ok(regions) => {
                let names: Vec<RegionName> = regions.into_iter().map(|r| r.name).collect();
                checks.extend(check_stores(&self.stores, &names).await);
            }
            Err(why) => checks.push(outcome(
                "stores",
                Err(Error::Unavailable(format!(
                    "not checked: the regions could not be read ({why})"
                ))),
            )),
        }
        HealthReport { checks, checked_at }
    }

    /// The metadata store's connections in use and idle.
    pub fn pool(&self) -> PoolStats {
        self.db.pool_stats()
    }

    /// Trust reports waiting for a node, and being written.
    pub async fn trust_reports(&self) -> Result<(i64, i64)> {
        let waiting = trust_reports::count(&self.db, ReportState::Pending).await?;
        let running = trust_reports::count(&self.db, ReportState::Running).await?;
        Ok((waiting, running))
    }
}

/// Checks the stores of `regions`, all at the same time (also for `glint check-config`, which
/// may have no database to read the regions from).
pub async fn check_stores(stores: &Stores, regions: &[RegionName]) -> Vec<HealthCheck> {
    let mut checks = Vec::new();
    for region in regions {
        let ids: Vec<Option<String>> = if stores.is_multi() {
            stores.specs().iter().map(|s| Some(s.id.clone())).collect()
        } else {
            vec![None]
        };
        checks.extend(ids.into_iter().map(|id| (region, id)));
    }
    join_all(
        checks
            .into_iter()
            .map(|(region, id)| check_store(stores, region, id)),
    )
    .await
}

/// Checks one store of `region` (`id`: which named store; its only store when `None`).
async fn check_store(stores: &Stores, region: &RegionName, id: Option<String>) -> HealthCheck {
    let checked = bounded(async {
        let store = match &id {
            Some(id) => stores.store(region, id).await?,
            None => stores.for_region(region).await?,
        };
        store.check().await.map_err(|e| {
            Error::Unavailable(format!("{} does not answer: {e}", store.describe()))
        })?;
        Ok(store.describe())
    })
    .await;
    let name = match id {
        Some(id) => format!("store {region}/{id}"),
        None => format!("store {region}"),
    };
    outcome(&name, checked)
}

/// `work`, failed with `Unavailable` when it takes longer than a check may.
async fn bounded<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(CHECK_TIMEOUT, work)
        .await
        .unwrap_or_else(|_| {
            Err(Error::Unavailable(format!(
                "no answer within {} s",
                CHECK_TIMEOUT.as_secs()
            )))
        })
}

fn outcome(name: &str, result: Result<String>) -> HealthCheck {
    match result {
        Ok(details) => HealthCheck {
            name: name.to_owned(),
            healthy: true,
            details,
        },
        Err(e) => HealthCheck {
            name: name.to_owned(),
            healthy: false,
            details: message(&e),
        },
    }
}

/// An error's message without its kind.
fn message(e: &Error) -> String {
    match e {
        Error::Unavailable(m) | Error::Internal(m) => m.clone(),
        other => other.to_string(),
    }
}
