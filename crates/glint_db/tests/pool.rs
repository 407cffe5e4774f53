//! What the operator's views read from the store's connections: a ping that answers while the
//! store serves and fails once it is closed, and counts of connections in use and idle that
//! follow an open write transaction; SQLite and PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use std::time::Duration;

use glint_core::Error;
use glint_db::{Db, PoolStats};

glint_testkit::on_both_engines!(
    a_ping_answers_while_the_store_serves,
    an_open_write_transaction_is_a_connection_in_use_until_it_ends,
);

async fn a_ping_answers_while_the_store_serves(db: &Db) {
    db.ping().await.unwrap();
    let other = db.clone();
    other.close().await;
    let err = db.ping().await.expect_err("a closed store does not answer");
    assert!(matches!(err, Error::Unavailable(_)), "{err:?}");
}

/// The counts settle shortly after a connection goes back (sqlx returns it in the background).
async fn settled(db: &Db, wanted: impl Fn(PoolStats) -> bool) -> PoolStats {
    let mut stats = db.pool_stats();
    for _ in 0..100 {
        if wanted(stats) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        stats = db.pool_stats();
    }
    stats
}

async fn an_open_write_transaction_is_a_connection_in_use_until_it_ends(db: &Db) {
    db.ping().await.unwrap();
    let before = settled(db, |s| s.in_use == 0).await;
    assert_eq!(before.in_use, 0, "{before:?}");
    assert!(
        before.idle >= 1,
        "the ping's connection stays open: {before:?}"
    );

    let tx = db.begin_write().await.unwrap();
    let during = db.pool_stats();
    assert_eq!(during.in_use, 1, "{during:?}");

    tx.commit().await.unwrap();
    let after = settled(db, |s| s.in_use == 0).await;
    assert_eq!(after.in_use, 0, "{after:?}");
    assert!(after.idle >= 1, "{after:?}");
}
