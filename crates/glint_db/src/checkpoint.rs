//! SQLite's write-ahead log is copied back into the database file by a background task, four
//! times a second (`PRAGMA wal_checkpoint(PASSIVE)`: it waits for no reader or writer), rather
//! than by whichever write commit happens to cross SQLite's threshold, which then pays for the
//! copy and its fsync before its request can answer. SQLite's own automatic checkpoint stays
//! on, at a higher threshold, as a safety net should this task fall behind.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::sql::lite::Lite;

/// How often the log is copied back.
const EVERY: Duration = Duration::from_millis(250);

/// SQLite's own threshold, in pages: about 32 MiB of log with 4 KiB pages.
pub(crate) const SAFETY_NET_PAGES: u32 = 8_000;

/// The background task; it stops when the last handle on it is dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer(JoinHandle<()>);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts checkpointing `store`'s database, on a connection of its own, off the request
/// threads (a checkpoint writes and syncs the database file).
pub(crate) fn start(store: Arc<Lite>) -> Arc<Checkpointer> {
    Arc::new(Checkpointer(tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut conn = None;
        loop {
            every.tick().await;
            if store.is_closed() {
                break;
            }
            let (store_now, taken) = (store.clone(), conn.take());
            let done = tokio::task::spawn_blocking(move || {
                let c = match taken {
                    Some(c) => c,
                    None => store_now.connect()?,
                };
                c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
                Ok::<_, crate::sql::DbError>(c)
            })
            .await;
            match done {
                Ok(Ok(c)) => conn = Some(c),
                Ok(Err(e)) if !store.is_closed() => {
                    tracing::warn!(error = %e, "WAL checkpoint failed; SQLite's own will run instead");
                }
                _ => {}
            }
        }
    })))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use glint_core::RegionName;

    use crate::{Db, regions};

    /// The database file alone (without its log) holds a write within a second or so: the
    /// background task copied it back, far below SQLite's own threshold.
    #[tokio::test]
    async fn writes_reach_the_database_file_without_waiting_for_the_threshold() {
        let dir = std::env::temp_dir().join(format!("glint-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("folder");
        let path = dir.join("glint.db");
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("open");
        let name = RegionName::from_trusted("CKPT".into());
        regions::create(&db, &name).await.expect("write");
        let copy = dir.join("copy.db");
        let started = Instant::now();
        let mut found = false;
        while !found && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            std::fs::copy(&path, &copy).expect("copy the file alone");
            let alone = Db::connect(&format!("sqlite://{}?mode=rw", copy.display()))
                .await
                .expect("open the copy");
            found = regions::exists(&alone, &name).await.expect("read");
            alone.close().await;
            let _ = std::fs::remove_file(copy.with_extension("db-wal"));
            let _ = std::fs::remove_file(copy.with_extension("db-shm"));
        }
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        assert!(found, "the write stayed in the log");
    }
}
