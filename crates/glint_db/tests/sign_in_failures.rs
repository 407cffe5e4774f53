//! Failed sign-ins on the users row, for the lockout: read with the user, counted by one
//! statement so that failures at the same time all count, restarted at one after a served
//! lock, and cleared; SQLite and PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use glint_core::{AccountId, AccountName, RegionName, Role, Timestamp, User, UserId, Username};
use glint_db::users::FailedSignIns;
use glint_db::{Db, accounts, regions, users};

glint_testkit::on_both_engines!(
    failures_are_read_with_the_user_counted_and_cleared,
    concurrent_failures_all_count,
    a_failure_after_a_served_lock_counts_from_one,
);

const THRESHOLD: i64 = 6;

async fn alice(db: &Db) -> UserId {
    let dfw = RegionName::parse("DFW").unwrap();
    regions::ensure(db, &dfw).await.unwrap();
    let account = AccountId::parse("554433").unwrap();
    accounts::create(db, &account, &AccountName::parse("acme").unwrap(), &[dfw])
        .await
        .unwrap();
    let user = User {
        id: UserId::parse("a11ce").unwrap(),
        name: Username::parse("alice").unwrap(),
        account_id: account,
        role: Some(Role::Member),
        enabled: true,
        created_at: Timestamp::now(),
    };
    users::create(db, &user, "hash").await.unwrap();
    user.id
}

async fn failures(db: &Db, id: &UserId) -> FailedSignIns {
    users::get(db, id.as_str())
        .await
        .unwrap()
        .unwrap()
        .failed_sign_ins
}

/// Long ago, so that no lock counts as served.
fn never() -> Timestamp {
    Timestamp::from_micros(0)
}

async fn failures_are_read_with_the_user_counted_and_cleared(db: &Db) {
    let id = alice(db).await;
    let none = failures(db, &id).await;
    assert_eq!((none.count, none.last_at.micros()), (0, 0));
    let at = Timestamp::from_micros(1_000_000);
    for _ in 0..3 {
        users::record_failed_sign_in(db, &id, at, THRESHOLD, never())
            .await
            .unwrap();
    }
    let by_name = users::find_by_name(db, "alice").await.unwrap().unwrap();
    assert_eq!(
        by_name.failed_sign_ins,
        FailedSignIns {
            count: 3,
            last_at: at
        }
    );
    assert!(users::clear_failed_sign_ins(db, &id).await.unwrap());
    assert!(
        !users::clear_failed_sign_ins(db, &id).await.unwrap(),
        "nothing left to clear"
    );
    assert_eq!(failures(db, &id).await.count, 0);
}

async fn concurrent_failures_all_count(db: &Db) {
    let id = alice(db).await;
    let at = Timestamp::now();
    let attempts: Vec<_> = (0..32)
        .map(|_| {
            let (db, id) = (db.clone(), id.clone());
            tokio::spawn(async move {
                users::record_failed_sign_in(&db, &id, at, THRESHOLD, never()).await
            })
        })
        .collect();
    for attempt in attempts {
        attempt.await.unwrap().unwrap();
    }
    assert_eq!(failures(db, &id).await.count, 32);
}

async fn a_failure_after_a_served_lock_counts_from_one(db: &Db) {
    let id = alice(db).await;
    let locked_at = Timestamp::from_micros(1_000_000);
    for _ in 0..THRESHOLD {
        users::record_failed_sign_in(db, &id, locked_at, THRESHOLD, never())
            .await
            .unwrap();
    }
    let still_locked = Timestamp::from_micros(locked_at.micros() - 1);
    let later = locked_at.plus_seconds(60);
    users::record_failed_sign_in(db, &id, later, THRESHOLD, still_locked)
        .await
        .unwrap();
    assert_eq!(
        failures(db, &id).await.count,
        THRESHOLD + 1,
        "not served yet"
    );
    let much_later = later.plus_seconds(3600);
    users::record_failed_sign_in(db, &id, much_later, THRESHOLD, later)
        .await
        .unwrap();
    let after = failures(db, &id).await;
    assert_eq!(
        after,
        FailedSignIns {
            count: 1,
            last_at: much_later
        }
    );
}
