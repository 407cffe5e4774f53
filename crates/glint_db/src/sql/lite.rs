//! SQLite run on the calling thread. A statement here takes tens of microseconds; handing each
//! one to a connection's own worker thread and back (as sqlx's driver does, plus a ping whenever
//! a connection returns to its pool) cost more than the statement, and a first-in-first-out pool
//! handed every statement the connection idle longest, whose page cache the latest write had
//! made stale. Here idle connections are a stack: the one just used is used next, its cache warm.
//! Writers never wait on SQLite's lock inside this process (they take turns first, see
//! `writes`), so a statement does not block its thread for long.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Statement};

use super::row::{LiteRow, LiteValue};
use super::{DbError, Ran, Value};
use crate::checkpoint;

/// Idle connections kept; more may be open while many statements run at once.
const MAX_IDLE: usize = 8;

/// Prepared statements kept per connection (the store has about seventy distinct ones).
const STATEMENT_CACHE: usize = 128;

/// Where the database is and how to open it, and its idle connections.
#[derive(Debug)]
pub(crate) struct Lite {
    path: PathBuf,
    flags: OpenFlags,
    read_only: bool,
    idle: Mutex<Vec<Connection>>,
    /// Connections out of the stack now (see [`Lite::stats`]).
    leased: AtomicU64,
    closed: AtomicBool,
}

impl Lite {
    /// Parses `sqlite://PATH?mode=rwc|rw|ro` (or `sqlite:PATH`); nothing is opened yet.
    pub(crate) fn new(url: &str) -> Result<Lite, String> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or("not a sqlite: URL")?;
        let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
        let mut mode = "rwc";
        for param in params.split('&').filter(|p| !p.is_empty()) {
            match param.split_once('=') {
                Some(("mode", value)) => mode = value,
                _ => return Err(format!("unsupported parameter '{param}'")),
            }
        }
        let access = match mode {
            "rwc" => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            "rw" => OpenFlags::SQLITE_OPEN_READ_WRITE,
            "ro" => OpenFlags::SQLITE_OPEN_READ_ONLY,
            other => return Err(format!("unsupported mode '{other}' (rwc, rw or ro)")),
        };
        if path.is_empty() || path == ":memory:" {
            return Err("a file path is needed (an in-memory database is not shared)".into());
        }
        Ok(Lite {
            path: PathBuf::from(path),
            flags: access | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            read_only: mode == "ro",
            idle: Mutex::new(Vec::new()),
            leased: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        })
    }

    /// Opens a first connection, so that a wrong path fails here.
    pub(crate) fn start(self) -> Result<Arc<Lite>, DbError> {
        let first = self.connect()?;
        self.shelve(first);
        Ok(Arc::new(self))
    }

    /// A new connection with the store's settings.
    pub(crate) fn connect(&self) -> Result<Connection, DbError> {
        let conn = Connection::open_with_flags(&self.path, self.flags)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let journal = if self.read_only {
            String::new()
        } else {
            format!(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA wal_autocheckpoint = {};",
                checkpoint::SAFETY_NET_PAGES
            )
        };
        conn.execute_batch(&format!("{journal} PRAGMA foreign_keys = ON;"))?;
        Ok(conn)
    }

    /// The connection used last if one is idle, else a new one.
    pub(crate) fn lease(self: &Arc<Self>) -> Result<Lease, DbError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(DbError::Closed);
        }
        let idle = self.idle.lock().map_err(|_| DbError::Closed)?.pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        self.leased.fetch_add(1, Ordering::Relaxed);
        Ok(Lease {
            lite: self.clone(),
            conn: Some(conn),
        })
    }

    fn shelve(&self, conn: Connection) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }

    /// Closes the idle connections; leased ones close when they come back.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Connections running a statement or holding a transaction now, and connections idle.
    pub(crate) fn stats(&self) -> crate::PoolStats {
        let idle = self.idle.lock().map_or(0, |idle| idle.len());
        crate::PoolStats {
            in_use: self.leased.load(Ordering::Relaxed),
            idle: u64::try_from(idle).unwrap_or(u64::MAX),
        }
    }
}

/// A connection out of the idle stack; it goes back on top when dropped.
#[derive(Debug)]
pub(crate) struct Lease {
    lite: Arc<Lite>,
    conn: Option<Connection>,
}

impl Lease {
    pub(crate) fn conn(&self) -> Result<&Connection, DbError> {
        self.conn.as_ref().ok_or(DbError::Closed)
    }

    /// Closes the connection instead of putting it back.
    pub(crate) fn discard(&mut self) {
        self.conn = None;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.lite.leased.fetch_sub(1, Ordering::Relaxed);
        if let Some(conn) = self.conn.take() {
            self.lite.shelve(conn);
        }
    }
}

/// Runs one statement with `args` for `$1`, `$2`, …, keeping at most `max_rows` rows.
pub(crate) fn run(
    conn: &Connection,
    sql: &str,
    args: &[Value],
    max_rows: usize,
) -> Result<Ran<LiteRow>, DbError> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, args)?;
    let width = statement.column_count();
    if width == 0 {
        let affected = statement.raw_execute()?;
        return Ok(Ran {
            affected: u64::try_from(affected).unwrap_or(u64::MAX),
            rows: Vec::new(),
        });
    }
    let columns = columns_of(sql, &statement);
    let mut found = Vec::new();
    let mut rows = statement.raw_query();
    while found.len() < max_rows {
        let Some(row) = rows.next()? else { break };
        let mut values = Vec::with_capacity(width);
        for at in 0..width {
            values.push(match row.get_ref(at)? {
                ValueRef::Null => LiteValue::Null,
                ValueRef::Integer(n) => LiteValue::Int(n),
                ValueRef::Real(x) => LiteValue::Real(x),
                ValueRef::Text(bytes) => LiteValue::Text(
                    String::from_utf8(bytes.to_vec())
                        .map_err(|e| DbError::Decode(format!("stored text: {e}")))?,
                ),
                ValueRef::Blob(bytes) => LiteValue::Blob(bytes.to_vec()),
            });
        }
        found.push(LiteRow {
            columns: columns.clone(),
            values,
        });
    }
    Ok(Ran {
        affected: u64::try_from(found.len()).unwrap_or(u64::MAX),
        rows: found,
    })
}

/// Column names of the statements run so far, by their SQL: rows share them instead of each
/// run copying them (a few thousand instructions a statement). The store runs a few hundred
/// distinct statements; the map starts again if it ever holds more than `MAX_SHAPES`.
static COLUMNS: LazyLock<Mutex<HashMap<String, Arc<[String]>>>> = LazyLock::new(Default::default);
const MAX_SHAPES: usize = 2048;

fn columns_of(sql: &str, statement: &Statement<'_>) -> Arc<[String]> {
    let mut known = COLUMNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(columns) = known.get(sql) {
        return columns.clone();
    }
    let columns: Arc<[String]> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    if known.len() >= MAX_SHAPES {
        known.clear();
    }
    known.insert(sql.to_owned(), columns.clone());
    columns
}

/// Binds `$n` to `args[n - 1]`, by each parameter's name, so a statement may use `$1` twice or
/// out of order as on PostgreSQL.
fn bind(statement: &mut Statement<'_>, args: &[Value]) -> Result<(), DbError> {
    for at in 1..=statement.parameter_count() {
        let number = match statement.parameter_name(at) {
            Some(name) => name
                .strip_prefix('$')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| DbError::Decode(format!("parameter {name}: use $1, $2, …")))?,
            None => at,
        };
        let value = number
            .checked_sub(1)
            .and_then(|i| args.get(i))
            .ok_or_else(|| DbError::Decode(format!("no value for parameter ${number}")))?;
        match value {
            Value::Int(n) => statement.raw_bind_parameter(at, n)?,
            Value::Text(s) => statement.raw_bind_parameter(at, s.as_deref())?,
        }
    }
    Ok(())
}
