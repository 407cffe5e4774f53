//! Glint's metadata store: one set of SQL statements, run on SQLite (the embedded default, on
//! the calling thread) or PostgreSQL (scale-out, through sqlx) by `sql`. One module per
//! aggregate; every function returns domain types from `glint_core`, and failures are never
//! swallowed into `None`.

pub mod account_usage;
pub mod accounts;
pub mod bulk;
mod checkpoint;
pub mod events;
pub mod groups;
pub mod image_list;
pub mod images;
pub mod leftovers;
pub mod members;
pub mod metadefs;
mod migrations;
mod pool;
pub mod region_tasks;
pub mod regions;
pub mod reports;
pub mod servers;
pub mod sharing_policies;
pub mod sql;
pub mod tasks;
pub mod tokens;
pub mod trust_reports;
pub mod usage;
pub mod users;
pub mod webhooks;
mod writes;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use glint_core::{Error, Result};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection};

pub use migrations::MIGRATION_NAMES;
pub use pool::PoolStats;
use sql::DbError;
use sql::lite::Lite;
pub use writes::WriteTx;
use writes::{WriteQueue, WriteTurn};

/// The engine behind a `Db`, with its connections.
#[derive(Debug, Clone)]
pub(crate) enum Engine {
    Sqlite(Arc<Lite>),
    Postgres(AnyPool),
}

/// Which SQL engine a `Db` talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the metadata store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    engine: Engine,
    /// SQLite only: this process's writers, one at a time (see `writes`).
    writers: Option<WriteQueue>,
    /// SQLite only: the log's background checkpoints (see `checkpoint`), while a handle lives.
    _checkpointer: Option<Arc<checkpoint::Checkpointer>>,
}

impl Db {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`) and runs pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let db = Db::connect_unmigrated(url).await?;
        db.migrate(url).await?;
        metadefs::defaults::load(&db).await?;
        Ok(db)
    }

    /// Connects to `url` without touching its schema (`glint check-config`, which must change
    /// nothing).
    pub async fn connect_unmigrated(url: &str) -> Result<Self> {
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
        let (engine, checkpointer) = match backend {
            Backend::Sqlite => {
                let store = Lite::new(url)
                    .map_err(|e| {
                        Error::InvalidInput(format!("invalid database URL '{}': {e}", redact(url)))
                    })?
                    .start()
                    .map_err(|e| {
                        Error::Internal(format!("cannot open database {}: {e}", redact(url)))
                    })?;
                let checkpointer = checkpoint::start(store.clone());
                (Engine::Sqlite(store), Some(checkpointer))
            }
            Backend::Postgres => {
                let options = AnyConnectOptions::from_str(url).map_err(|e| {
                    Error::InvalidInput(format!("invalid database URL '{}': {e}", redact(url)))
                })?;
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    // A database that cannot be reached answers 503 after this, not a minute later.
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(|e| {
                        Error::Internal(format!("cannot open database {}: {e}", redact(url)))
                    })?;
                (Engine::Postgres(pool), None)
            }
        };
        Ok(Db {
            engine,
            writers: (backend == Backend::Sqlite).then(WriteQueue::default),
            _checkpointer: checkpointer,
        })
    }

    /// Runs the pending migrations of the store at `url` (this handle's).
    async fn migrate(&self, url: &str) -> Result<()> {
        let backend = self.backend();
        match &self.engine {
            Engine::Postgres(pool) => migrations::run(pool, backend).await?,
            Engine::Sqlite(_) => {
                // The migrator keeps sqlx's own record of applied migrations, on a connection of
                // its own for the time it runs.
                let mut conn = sqlx::AnyConnection::connect(url).await.map_err(|e| {
                    Error::Internal(format!("cannot open database {}: {e}", redact(url)))
                })?;
                let applied = migrations::run(&mut conn, backend).await;
                let _ = conn.close().await;
                applied?;
            }
        }
        Ok(())
    }

    /// The SQL engine behind this handle.
    pub fn backend(&self) -> Backend {
        match self.engine {
            Engine::Sqlite(_) => Backend::Sqlite,
            Engine::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Starts a write transaction (see [`WriteTx`]).
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let turn = self.write_turn().await;
        match &self.engine {
            Engine::Sqlite(store) => WriteTx::lite(store.lease()?, turn).map_err(Error::from),
            Engine::Postgres(pool) => Ok(WriteTx::any(
                pool.begin().await.map_err(DbError::from)?,
                turn,
            )),
        }
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
        match &self.engine {
            Engine::Sqlite(store) => store.close(),
            Engine::Postgres(pool) => pool.close().await,
        }
    }
}

/// A statement's failure as the domain sees it: a database that cannot serve now is
/// `Unavailable` (503, try again later; the cause goes to the log), anything else `Internal`
/// (the detail kept for the log).
impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        if matches!(e, DbError::NulInText) {
            return Error::InvalidInput(
                "Text values may not contain the NUL character (U+0000).".into(),
            );
        }
        match e.unavailable_reason() {
            Some(reason) => {
                tracing::error!(%reason, error = %e, "database unavailable");
                Error::Unavailable(format!(
                    "The database is unavailable ({reason}); try again later."
                ))
            }
            None => Error::Internal(format!("database: {e}")),
        }
    }
}

/// Whether the failure is a unique-constraint violation (a duplicate).
pub(crate) fn is_unique_violation(e: &DbError) -> bool {
    e.is_unique_violation()
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
