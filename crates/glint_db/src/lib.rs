//! Glint's metadata store: one set of SQL statements, run on SQLite (the embedded default) or
//! PostgreSQL (scale-out) through sqlx's Any driver. One module per aggregate; every function
//! returns domain types from `glint_core`, and failures are never swallowed into `None`.

pub mod accounts;
pub mod bulk;
mod checkpoint;
pub mod image_list;
pub mod images;
pub mod members;
mod migrations;
pub mod regions;
pub mod servers;
pub mod tokens;
pub mod trust_reports;
pub mod users;
mod writes;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use glint_core::{Error, Result};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use migrations::MIGRATION_NAMES;
pub use writes::WriteTx;
use writes::{WriteQueue, WriteTurn};

/// Which SQL engine a `Db` talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the metadata store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: this process's writers, one at a time (see `writes`).
    writers: Option<WriteQueue>,
    /// SQLite only: the log's background checkpoints (see `checkpoint`), while a handle lives.
    _checkpointer: Option<Arc<checkpoint::Checkpointer>>,
}

impl Db {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`) and runs pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::InvalidInput(format!(
                "database URL must start with sqlite: or postgres:, got '{}'",
                redact(url)
            )));
        };
        let options = AnyConnectOptions::from_str(url).map_err(|e| {
            Error::InvalidInput(format!("invalid database URL '{}': {e}", redact(url)))
        })?;
        let pool_options = match backend {
            Backend::Sqlite => {
                // An embedded engine's connection cannot go stale; not pinging it before each
                // use saves a round trip to its worker thread per statement.
                AnyPoolOptions::new()
                    .max_connections(8)
                    .test_before_acquire(false)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            let pragmas = format!(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON; \
                                 PRAGMA wal_autocheckpoint = {};",
                                checkpoint::SAFETY_NET_PAGES
                            );
                            conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                            Ok(())
                        })
                    })
            }
            Backend::Postgres => AnyPoolOptions::new().max_connections(16),
        };
        let pool = pool_options
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(|e| Error::Internal(format!("cannot open database {}: {e}", redact(url))))?;
        let sqlite = backend == Backend::Sqlite;
        let writers = sqlite.then(WriteQueue::default);
        let checkpointer = sqlite.then(|| checkpoint::start(pool.clone()));
        let db = Db {
            pool,
            backend,
            writers,
            _checkpointer: checkpointer,
        };
        migrations::run(&db).await?;
        Ok(db)
    }

    /// The SQL engine behind this handle.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for read queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction (see [`WriteTx`]).
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let turn = self.write_turn().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        Ok(WriteTx::new(tx.map_err(internal)?, turn))
    }

    /// Waits for this process's turn to write one statement outside a transaction (SQLite; on
    /// PostgreSQL there is no wait and no turn). Hold it until the statement has run.
    pub(crate) async fn write_turn(&self) -> Option<WriteTurn> {
        match &self.writers {
            Some(queue) => Some(queue.turn().await),
            None => None,
        }
    }

    /// Closes every connection; waits for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Turns a database failure into the domain's internal error, keeping the detail for logs.
pub(crate) fn internal(e: sqlx::Error) -> Error {
    Error::Internal(format!("database: {e}"))
}

/// Whether the failure is a unique-constraint violation (a duplicate).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}

/// Hides a password in a database URL before it is shown.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact("postgres://glint:s3cret@db:5432/glint"),
            "postgres://glint:***@db:5432/glint"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(redact("sqlite://glint.db"), "sqlite://glint.db");
    }
}
