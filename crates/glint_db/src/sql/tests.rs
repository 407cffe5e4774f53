//! The SQLite side of `sql`: connection reuse, parameters by number, rollback of unfinished
//! writes, duplicate detection and URL checks.

use std::sync::Arc;

use super::lite::Lite;
use super::query;
use crate::Db;

fn temp_url(name: &str) -> (String, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("glint-sql-{name}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    (format!("sqlite://{}?mode=rwc", path.display()), path)
}

fn lite(name: &str) -> Arc<Lite> {
    let (url, _) = temp_url(name);
    Lite::new(&url).expect("url").start().expect("open")
}

#[test]
fn the_connection_used_last_is_used_next() {
    let store = lite("stack");
    {
        let first = store.lease().expect("lease");
        first
            .conn()
            .expect("conn")
            .execute_batch("CREATE TEMP TABLE mine (n INTEGER)")
            .expect("temp table");
        // A second statement at the same time gets a connection of its own.
        let second = store.lease().expect("lease");
        let seen = second
            .conn()
            .expect("conn")
            .prepare("SELECT n FROM temp.mine")
            .is_ok();
        assert!(!seen, "two leases shared a connection");
    }
    // Locals drop in reverse: `second` went back first, `first` last, so `first` comes next.
    let next = store.lease().expect("lease");
    let after = store.lease().expect("lease");
    let sees = |lease: &super::lite::Lease| {
        lease
            .conn()
            .expect("conn")
            .prepare("SELECT n FROM temp.mine")
            .is_ok()
    };
    assert!(
        sees(&next) && !sees(&after),
        "idle connections are not a stack"
    );
}

#[tokio::test]
async fn parameters_bind_by_number_in_any_order_and_repeated() {
    let (url, _) = temp_url("params");
    let db = Db::connect(&url).await.expect("open");
    let row = query("SELECT $2 || '-' || $1 || '-' || $2 AS s, $3 AS n, $4 AS z")
        .bind("a")
        .bind("b")
        .bind(7_i64)
        .bind(None::<i64>)
        .fetch_one(&db)
        .await
        .expect("run");
    assert_eq!(row.try_get::<String, _>("s").ok(), Some("b-a-b".into()));
    assert_eq!(row.try_get::<i64, _>("n").ok(), Some(7));
    assert_eq!(row.try_get::<Option<i64>, _>("z").ok(), Some(None));
    let missing = query("SELECT $1, $2").bind(1_i64).fetch_one(&db).await;
    assert!(missing.is_err(), "a missing argument was not refused");
    db.close().await;
}

#[tokio::test]
async fn an_unfinished_write_rolls_back_and_frees_its_connection() {
    let (url, _) = temp_url("rollback");
    let db = Db::connect(&url).await.expect("open");
    query("CREATE TABLE t (k TEXT PRIMARY KEY)")
        .execute(&db)
        .await
        .expect("table");
    {
        let mut tx = db.begin_write().await.expect("begin");
        query("INSERT INTO t (k) VALUES ($1)")
            .bind("gone")
            .execute(&mut tx)
            .await
            .expect("insert");
    }
    let mut tx = db.begin_write().await.expect("a second write begins");
    query("INSERT INTO t (k) VALUES ($1)")
        .bind("kept")
        .execute(&mut tx)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    let rows = query("SELECT k FROM t ORDER BY k")
        .fetch_all(&db)
        .await
        .expect("read");
    let keys: Vec<String> = rows.iter().filter_map(|r| r.try_get(0).ok()).collect();
    assert_eq!(keys, vec!["kept".to_owned()]);
    let again = query("INSERT INTO t (k) VALUES ($1)")
        .bind("kept")
        .execute(&db)
        .await;
    assert!(
        again
            .as_ref()
            .is_err_and(super::DbError::is_unique_violation),
        "{again:?}"
    );
    db.close().await;
}

#[test]
fn urls_are_checked() {
    assert!(Lite::new("sqlite://x.db?mode=rwc").is_ok());
    assert!(Lite::new("sqlite:x.db").is_ok());
    assert!(Lite::new("sqlite://x.db?mode=memory").is_err());
    assert!(Lite::new("sqlite::memory:").is_err());
    assert!(Lite::new("sqlite://x.db?cache=shared").is_err());
    assert!(Lite::new("postgres://x").is_err());
}
