//! Writers take turns: on SQLite, every write of this process waits for the one before it in a
//! queue here, instead of colliding on the database's write lock, where SQLite's busy handler
//! sleeps 1, 2, 5, 10, 15, 20… ms between tries however soon the lock is free again. Under a
//! few concurrent writers those sleeps were most of the slowest requests' time (the 99th
//! percentile of creates at 4 and 16 clients sat on their sums, 18 and 53 ms). PostgreSQL
//! locks rows, not the database, and takes no turns.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The right to write now; writing ends when it is dropped.
#[derive(Debug)]
pub(crate) struct WriteTurn {
    _guard: OwnedMutexGuard<()>,
}

/// The queue of this process's writers on one SQLite database.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteQueue(Arc<Mutex<()>>);

impl WriteQueue {
    /// Waits for the turn (first come, first served).
    pub(crate) async fn turn(&self) -> WriteTurn {
        WriteTurn {
            _guard: self.0.clone().lock_owned().await,
        }
    }
}

/// A write transaction. On SQLite it holds this process's write turn and the database's write
/// lock from its first statement (`BEGIN IMMEDIATE`) until it ends.
pub struct WriteTx {
    // Declared first, so a transaction dropped without commit starts its rollback before the
    // turn passes on.
    tx: Transaction<'static, Any>,
    _turn: Option<WriteTurn>,
}

impl WriteTx {
    pub(crate) fn new(tx: Transaction<'static, Any>, turn: Option<WriteTurn>) -> Self {
        WriteTx { tx, _turn: turn }
    }

    /// Commits, then lets the next writer go.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

#[cfg(test)]
mod tests {
    use super::WriteQueue;

    #[tokio::test]
    async fn a_writer_waits_until_the_turn_before_it_ends() {
        let queue = WriteQueue::default();
        let first = queue.turn().await;
        let waiting = tokio::spawn({
            let queue = queue.clone();
            async move { queue.turn().await }
        });
        tokio::task::yield_now().await;
        assert!(
            !waiting.is_finished(),
            "the second writer went while the first wrote"
        );
        drop(first);
        let second = waiting.await;
        assert!(second.is_ok());
    }
}
