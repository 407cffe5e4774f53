//! One way to run a statement on either engine: `query(sql).bind(…).fetch_…(on)`, where `on` is
//! the store (`&Db`) or a write transaction (`&mut WriteTx`). PostgreSQL statements go through
//! sqlx; SQLite ones run on the calling thread (see `lite`). Statements number their parameters
//! `$1`, `$2`, … on both engines.

pub(crate) mod lite;
mod row;

use std::borrow::Cow;

use sqlx::any::AnyArguments;
use sqlx::{Any, AssertSqlSafe, Executor};

use crate::{Db, Engine, WriteTx};
pub use row::{ColumnIndex, Decode, Row};

/// A statement's failure, from either engine.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("{0}")]
    Lite(#[from] rusqlite::Error),
    #[error("{0}")]
    Decode(String),
    #[error("no rows returned by a query that expected to return at least one row")]
    RowNotFound,
    #[error("the store is closed")]
    Closed,
    /// A statement that writes was given text holding the NUL character, which PostgreSQL
    /// cannot store (SQLite could, so both refuse it alike).
    #[error("text values may not contain the NUL character")]
    NulInText,
}

impl DbError {
    /// Why the database cannot serve now, when that is the failure: it cannot write (its disk is
    /// full, it is read-only, an I/O error), it cannot be reached (a lost connection, no free
    /// connection in time, a server shutting down or out of resources), or the store is closed.
    /// Such a failure passes once the cause is fixed; retrying later is the remedy.
    pub fn unavailable_reason(&self) -> Option<&'static str> {
        use rusqlite::ErrorCode as Lite;
        match self {
            DbError::Closed => Some("the store is closed"),
            DbError::Lite(rusqlite::Error::SqliteFailure(e, _)) => match e.code {
                Lite::DiskFull => Some("the database's disk is full"),
                Lite::ReadOnly => Some("the database is read-only"),
                Lite::SystemIoFailure => Some("the database had an I/O error"),
                Lite::CannotOpen => Some("the database cannot be opened"),
                Lite::DatabaseBusy | Lite::DatabaseLocked => Some("the database is busy"),
                Lite::OutOfMemory => Some("the database ran out of memory"),
                _ => None,
            },
            DbError::Sqlx(e) => match e {
                sqlx::Error::Io(_) | sqlx::Error::Tls(_) => Some("the database connection failed"),
                sqlx::Error::PoolTimedOut => Some("no database connection was free in time"),
                sqlx::Error::PoolClosed => Some("the store is closed"),
                sqlx::Error::Protocol(_) => Some("the database connection failed"),
                sqlx::Error::Database(db) => match db.code().as_deref() {
                    // Class 08 connection exceptions, 53 insufficient resources (53100 is a
                    // full disk), 57P0x the server shutting down or starting.
                    Some(code) if code.starts_with("08") => Some("the database connection failed"),
                    Some("53100") => Some("the database's disk is full"),
                    Some(code) if code.starts_with("53") => {
                        Some("the database is out of resources")
                    }
                    Some(code) if code.starts_with("57P") => {
                        Some("the database server is not accepting work")
                    }
                    Some("25006") => Some("the database is read-only"),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether a foreign-key constraint refused the statement (what it refers to is gone).
    pub fn is_foreign_key_violation(&self) -> bool {
        match self {
            DbError::Sqlx(sqlx::Error::Database(e)) => e.is_foreign_key_violation(),
            DbError::Lite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
            }
            _ => false,
        }
    }

    /// Whether a unique or primary-key constraint refused the statement (a duplicate).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlx(sqlx::Error::Database(e)) => e.is_unique_violation(),
            DbError::Lite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            ),
            _ => false,
        }
    }
}

/// A bound value: an integer or a text, either possibly NULL (typed, as PostgreSQL wants).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(Some(n))
    }
}
impl From<Option<i64>> for Value {
    fn from(n: Option<i64>) -> Self {
        Value::Int(n)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(Some(s.to_owned()))
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(Some(s))
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(Some(s.clone()))
    }
}
impl From<Option<&str>> for Value {
    fn from(s: Option<&str>) -> Self {
        Value::Text(s.map(str::to_owned))
    }
}
impl From<Option<String>> for Value {
    fn from(s: Option<String>) -> Self {
        Value::Text(s)
    }
}

/// Where a statement runs.
pub enum On<'a> {
    Db(&'a Db),
    Tx(&'a mut WriteTx),
}

impl<'a> From<&'a Db> for On<'a> {
    fn from(db: &'a Db) -> Self {
        On::Db(db)
    }
}

impl<'a> From<&'a mut WriteTx> for On<'a> {
    fn from(tx: &'a mut WriteTx) -> Self {
        On::Tx(tx)
    }
}

/// What a statement did: rows changed (or returned), and the rows kept.
#[derive(Debug)]
pub(crate) struct Ran<R> {
    pub(crate) affected: u64,
    pub(crate) rows: Vec<R>,
}

/// What `execute` reports.
#[derive(Debug, Clone, Copy)]
pub struct Done(u64);

impl Done {
    /// Rows the statement changed.
    pub fn rows_affected(&self) -> u64 {
        self.0
    }
}

/// A statement and its arguments.
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is run"]
pub struct Query {
    sql: Cow<'static, str>,
    args: Vec<Value>,
}

/// Starts a statement.
pub fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Want {
    Nothing,
    One,
    All,
}

impl Query {
    /// Binds the next parameter (`$1`, then `$2`, …).
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Runs it for its effect.
    pub async fn execute<'a>(self, on: impl Into<On<'a>>) -> Result<Done, DbError> {
        Ok(Done(self.run(on.into(), Want::Nothing).await?.affected))
    }

    /// Runs it and keeps its first row, if any.
    pub async fn fetch_optional<'a>(self, on: impl Into<On<'a>>) -> Result<Option<Row>, DbError> {
        Ok(self
            .run(on.into(), Want::One)
            .await?
            .rows
            .into_iter()
            .next())
    }

    /// Runs it and keeps its first row, which must be there.
    pub async fn fetch_one<'a>(self, on: impl Into<On<'a>>) -> Result<Row, DbError> {
        self.fetch_optional(on).await?.ok_or(DbError::RowNotFound)
    }

    /// Runs it and keeps every row.
    pub async fn fetch_all<'a>(self, on: impl Into<On<'a>>) -> Result<Vec<Row>, DbError> {
        Ok(self.run(on.into(), Want::All).await?.rows)
    }

    async fn run(self, on: On<'_>, want: Want) -> Result<Ran<Row>, DbError> {
        if self.binds_nul() {
            // Nothing stored holds a NUL, so a read given one finds nothing (on PostgreSQL it
            // would fail); a write is refused.
            return if want != Want::Nothing && is_read(&self.sql) {
                Ok(Ran {
                    affected: 0,
                    rows: Vec::new(),
                })
            } else {
                Err(DbError::NulInText)
            };
        }
        let max = match want {
            Want::One => 1,
            Want::Nothing | Want::All => usize::MAX,
        };
        match on {
            On::Db(db) => match db.engine() {
                Engine::Sqlite(store) => {
                    let lease = store.lease()?;
                    self.on_lite(lease.conn()?, max)
                }
                Engine::Postgres(pool) => self.on_any(pool, want).await,
            },
            On::Tx(tx) => {
                // The SQLite connection is not `Sync`: no reference to it may live across an
                // await, so its arm returns before the other one awaits.
                if let Some(conn) = tx.lite_conn()? {
                    return self.on_lite(conn, max);
                }
                let conn = tx.any_conn()?;
                self.on_any(conn, want).await
            }
        }
    }

    fn binds_nul(&self) -> bool {
        self.args
            .iter()
            .any(|v| matches!(v, Value::Text(Some(s)) if s.contains('\0')))
    }

    fn on_lite(&self, conn: &rusqlite::Connection, max: usize) -> Result<Ran<Row>, DbError> {
        let ran = lite::run(conn, &self.sql, &self.args, max)?;
        Ok(Ran {
            affected: ran.affected,
            rows: ran.rows.into_iter().map(Row::lite).collect(),
        })
    }

    async fn on_any<'c, E>(&self, executor: E, want: Want) -> Result<Ran<Row>, DbError>
    where
        E: Executor<'c, Database = Any>,
    {
        let mut statement: sqlx::query::Query<'_, Any, AnyArguments> =
            sqlx::query(AssertSqlSafe(self.sql.as_ref()));
        for value in &self.args {
            statement = match value {
                Value::Int(n) => statement.bind(*n),
                Value::Text(s) => statement.bind(s.as_deref()),
            };
        }
        let (affected, rows) = match want {
            Want::Nothing => (
                statement.execute(executor).await?.rows_affected(),
                Vec::new(),
            ),
            Want::One => {
                let rows: Vec<_> = statement
                    .fetch_optional(executor)
                    .await?
                    .into_iter()
                    .collect();
                (rows.len() as u64, rows)
            }
            Want::All => {
                let rows = statement.fetch_all(executor).await?;
                (rows.len() as u64, rows)
            }
        };
        Ok(Ran {
            affected,
            rows: rows.into_iter().map(Row::any).collect(),
        })
    }
}

/// Whether a statement only reads.
fn is_read(sql: &str) -> bool {
    let head = sql.trim_start();
    ["SELECT", "WITH"].iter().any(|w| {
        head.get(..w.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(w))
    })
}

#[cfg(test)]
mod tests;
