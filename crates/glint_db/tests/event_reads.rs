//! Share events' read marks at the store: what a user has read (its marks, and the changes it
//! made itself) agrees between the feed and the unread count, per user; SQLite and PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use glint_core::event::{EventActor, EventQuery};
use glint_core::{AccountId, Timestamp, UserId, Username};
use glint_db::events::{self, Change};
use glint_db::{Db, members};

glint_testkit::on_both_engines!(a_users_own_changes_count_as_read_for_it_alone);

fn user(id: &str) -> EventActor {
    EventActor {
        user_id: UserId::from_trusted(id.into()),
        user_name: Username::from_trusted(id.into()),
    }
}

async fn a_users_own_changes_count_as_read_for_it_alone(db: &Db) {
    let image = glint_testkit::stored::shared_image(db).await;
    let (pat, sam) = (user("pat"), user("sam"));
    // pat (of the producer, account 1000) shares with 2000 and 3000; the service removes 3000.
    for consumer in ["2000", "3000"] {
        let change = Change::by(&pat, Timestamp::now());
        members::add(db, &image, consumer, None, &change)
            .await
            .unwrap();
    }
    let by_service = Change::by_service(Timestamp::now());
    members::remove(db, &image, "3000", &by_service)
        .await
        .unwrap();

    let producer = EventQuery::new(Some(AccountId::from_trusted("1000".into())), 10);
    let read_by = |reader: &EventActor| {
        let (db, producer, reader) = (db.clone(), producer.clone(), reader.user_id.clone());
        async move {
            let feed = events::list(&db, &producer, &reader).await.unwrap();
            let read: Vec<bool> = feed.iter().map(|(_, read)| *read).collect();
            let unread = events::unread(&db, &producer, &reader, 100).await.unwrap();
            (read, unread)
        }
    };
    // Newest first: the removal (by the service), then pat's two shares.
    assert_eq!(read_by(&pat).await, (vec![false, true, true], 1));
    assert_eq!(read_by(&sam).await, (vec![false, false, false], 3));

    events::mark_read(db, &producer, &sam.user_id, None)
        .await
        .unwrap();
    assert_eq!(read_by(&sam).await, (vec![true, true, true], 0));
    assert_eq!(read_by(&pat).await.1, 1, "sam's marks are sam's");
}
