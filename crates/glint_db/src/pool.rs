//! What an operator asks of the store's connections: whether the database answers at all
//! (`Db::ping`, for the health check and `glint check-config`) and how many connections are in
//! use and idle (`Db::pool_stats`, for the metrics). Neither changes any data.

use glint_core::{Error, Result};

use crate::sql::query;
use crate::{Db, Engine};

/// The store's connections at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections running a statement or holding a transaction.
    pub in_use: u64,
    /// Connections open and waiting for work.
    pub idle: u64,
}

impl Db {
    /// Runs `SELECT 1`: `Unavailable` when the database cannot be reached or cannot serve.
    pub async fn ping(&self) -> Result<()> {
        query("SELECT 1")
            .fetch_one(self)
            .await
            .map(|_| ())
            .map_err(Error::from)
    }

    /// How many connections are in use and idle. On SQLite, the connections this process has
    /// open on the file (statements run on the calling thread, so a connection is in use while
    /// its statement runs or its write transaction is open); on PostgreSQL, sqlx's pool.
    pub fn pool_stats(&self) -> PoolStats {
        match self.engine() {
            Engine::Sqlite(lite) => lite.stats(),
            Engine::Postgres(pool) => {
                let (size, idle) = (u64::from(pool.size()), pool.num_idle() as u64);
                PoolStats {
                    in_use: size.saturating_sub(idle),
                    idle,
                }
            }
        }
    }
}
