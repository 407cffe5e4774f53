//! Share events at the store: an event is written for each live share the change concerns and
//! only when the change commits (an outbox), a feed's scope keeps other accounts' events out,
//! and a deleted user's read marks go with it; SQLite and PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use glint_core::event::{EventKind, EventQuery};
use glint_core::image::ImageId;
use glint_core::{AccountId, Timestamp, UserId};
use glint_db::events::{self, Change, Recording};
use glint_db::{Db, members, sql, users};

glint_testkit::on_both_engines!(
    an_event_is_written_per_live_share_and_only_when_the_change_commits,
    a_deleted_users_read_marks_go_with_it,
);

fn now() -> Change<'static> {
    Change::by_service(Timestamp::now())
}

async fn event_count(db: &Db) -> i64 {
    sql::query("SELECT COUNT(*) AS n FROM share_events")
        .fetch_one(db)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

/// An image shared with 2001 and 2002, whose share with 2003 was removed.
async fn shared_three_ways(db: &Db) -> ImageId {
    let id = glint_testkit::stored::shared_image(db).await;
    for member in ["2001", "2002", "2003"] {
        members::add(db, &id, member, None, &now()).await.unwrap();
    }
    members::remove(db, &id, "2003", &now()).await.unwrap();
    id
}

async fn an_event_is_written_per_live_share_and_only_when_the_change_commits(db: &Db) {
    let id = shared_three_ways(db).await;
    assert_eq!(event_count(db).await, 4, "three shares and a removal");
    let told = Recording::new(EventKind::Deactivated, &id, None, Timestamp::now());
    let mut tx = db.begin_write().await.unwrap();
    assert_eq!(events::record(&mut tx, &told).await.unwrap(), 2);
    drop(tx);
    assert_eq!(
        event_count(db).await,
        4,
        "a rolled-back change tells no one"
    );
    let mut tx = db.begin_write().await.unwrap();
    events::record(&mut tx, &told).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(event_count(db).await, 6);
    let reader = UserId::from_trusted("reader".into());
    let of = |account: &str| EventQuery::new(Some(AccountId::from_trusted(account.into())), 50);
    let seen = events::list(db, &of("2003"), &reader).await.unwrap();
    let kinds: Vec<EventKind> = seen.iter().map(|(e, _)| e.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::Removed, EventKind::Shared],
        "a removed consumer hears no more"
    );
    assert_eq!(
        events::list(db, &of("1000"), &reader).await.unwrap().len(),
        6
    );
    assert!(
        events::list(db, &of("2999"), &reader)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_deleted_users_read_marks_go_with_it(db: &Db) {
    shared_three_ways(db).await;
    let user = UserId::from_trusted("gone".into());
    let scope = EventQuery::new(Some(AccountId::from_trusted("1000".into())), 0);
    assert_eq!(events::mark_read(db, &scope, &user, None).await.unwrap(), 4);
    users::delete(db, &user).await.unwrap();
    let marks: i64 = sql::query("SELECT COUNT(*) AS n FROM share_event_reads WHERE user_id = $1")
        .bind(user.as_str())
        .fetch_one(db)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(marks, 0);
}
