//! The sweep of leftovers: image data, staged data and server disks that nothing needs any
//! more, because a crash (or a failed removal) came between deleting a record and removing its
//! data. It lists each store of each region, asks the metadata store who owns each object, and
//! removes the data of deleted owners at once and data no record names at all once it is older
//! than a grace period (a record may be on its way on another node). Data of live images and of
//! images that live servers were built from is never touched. Several nodes may sweep at once:
//! every step is a check followed by an idempotent removal.

use std::time::{Duration, SystemTime};

use futures::StreamExt;
use glint_blob::{BlobStore, StoredObject};
use glint_core::Result;
use glint_db::leftovers::{DataKind, Owner, owners};
use glint_db::{Db, regions};

use crate::Stores;

/// Objects whose owners are looked up with one statement.
const BATCH: usize = 500;

/// What one sweep found and did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    /// Objects looked at.
    pub examined: u64,
    /// Objects removed.
    pub removed: u64,
    /// Objects no record names that are still inside the grace period.
    pub young_unowned: u64,
    /// Removals that failed (tried again by the next sweep).
    pub failed: u64,
}

/// Sweeps the stores of every region.
#[derive(Debug, Clone)]
pub struct Sweeper {
    db: Db,
    stores: Stores,
    grace: Duration,
}

impl Sweeper {
    /// A sweeper that removes data no record names once it is `grace` old.
    pub fn new(db: Db, stores: Stores, grace: Duration) -> Self {
        Sweeper { db, stores, grace }
    }

    /// One sweep of every region's store.
    pub async fn sweep(&self) -> Result<SweepReport> {
        let mut report = SweepReport::default();
        for region in regions::list(&self.db).await? {
            for store in self.stores.every_in_region(&region.name).await? {
                for (folder, kind) in [
                    ("images", DataKind::ImageData),
                    ("staging", DataKind::StagedData),
                    ("disks", DataKind::ServerDisk),
                ] {
                    self.sweep_folder(&store.blob, folder, kind, &mut report)
                        .await?;
                }
            }
        }
        if report.removed > 0 || report.failed > 0 {
            tracing::info!(?report, "leftover data swept");
        }
        Ok(report)
    }

    async fn sweep_folder(
        &self,
        store: &BlobStore,
        folder: &'static str,
        kind: DataKind,
        report: &mut SweepReport,
    ) -> Result<()> {
        let mut listing = store.list(folder).chunks(BATCH);
        while let Some(batch) = listing.next().await {
            let batch: Vec<StoredObject> = batch
                .into_iter()
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| glint_core::Error::Unavailable(format!("listing {folder}: {e}")))?;
            let ids: Vec<String> = batch.iter().map(|o| o.key.id().to_owned()).collect();
            let found = owners(&self.db, kind, &ids).await?;
            for object in &batch {
                report.examined += 1;
                let owner = found
                    .get(object.key.id())
                    .copied()
                    .unwrap_or(Owner::Unknown);
                let remove = match owner {
                    Owner::Live => false,
                    Owner::Deleted => true,
                    Owner::Unknown => self.past_grace(object.modified),
                };
                if owner == Owner::Unknown && !remove {
                    report.young_unowned += 1;
                }
                if !remove {
                    continue;
                }
                match store.delete(&object.key).await {
                    Ok(()) => {
                        report.removed += 1;
                        tracing::info!(key = %object.key, ?owner, "removed leftover data");
                    }
                    Err(e) => {
                        report.failed += 1;
                        tracing::warn!(key = %object.key, error = %e, "could not remove leftover data");
                    }
                }
            }
        }
        Ok(())
    }

    fn past_grace(&self, modified: SystemTime) -> bool {
        SystemTime::now()
            .duration_since(modified)
            .is_ok_and(|age| age >= self.grace)
    }

    /// Sweeps now and then every `every`, in the background.
    pub fn start(self, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every.max(Duration::from_secs(1)));
            loop {
                ticks.tick().await;
                if let Err(e) = self.sweep().await {
                    tracing::warn!(error = %e, "the sweep of leftover data failed; it runs again later");
                }
            }
        })
    }
}
