//! Shares at the store under contention: concurrent adds never pass the quota or duplicate a
//! member, and a removed member can be added again; a share keeps its image's created_at for
//! the consumers' lists; an account's scheduled removals are read in one query; SQLite and
//! PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use glint_core::Error;
use glint_core::image::ImageId;
use glint_db::{Db, members, sql};

glint_testkit::on_both_engines!(
    concurrent_adds_keep_the_quota_and_never_duplicate,
    a_share_keeps_its_images_created_at,
    an_accounts_scheduled_removals_are_its_live_shares_with_a_date
);

/// A change the service makes now.
fn now() -> glint_db::events::Change<'static> {
    glint_db::events::Change::by_service(glint_core::Timestamp::now())
}

async fn image(db: &Db) -> ImageId {
    glint_testkit::stored::shared_image(db).await
}

async fn concurrent_adds_keep_the_quota_and_never_duplicate(db: &Db) {
    let id = image(db).await;
    // 24 adds at once, 3 of each of 8 accounts, under a quota of 5.
    let adds = (0..24).map(|n| {
        let (db, id) = (db.clone(), id.clone());
        tokio::spawn(async move {
            members::add(&db, &id, &format!("{}", 5000 + n % 8), Some(5), &now()).await
        })
    });
    let mut added = Vec::new();
    let (mut over_quota, mut duplicates) = (0, 0);
    for add in adds {
        match add.await.unwrap() {
            Ok(member) => added.push(member.member_id),
            Err(Error::QuotaExceeded(_)) => over_quota += 1,
            Err(Error::StateConflict(_)) => duplicates += 1,
            Err(e) => panic!("unexpected: {e:?}"),
        }
    }
    added.sort();
    let before = added.len();
    added.dedup();
    assert_eq!(
        (before, added.len()),
        (5, 5),
        "five distinct members: {added:?}"
    );
    assert_eq!(over_quota + duplicates, 19);
    assert_eq!(members::list(db, &id).await.unwrap().len(), 5);

    // A removed member comes back as a new pending share, within the quota.
    members::remove(db, &id, &added[0], &now()).await.unwrap();
    members::add(db, &id, &added[0], Some(5), &now())
        .await
        .unwrap();
    let again = members::add(db, &id, &added[0], Some(6), &now()).await;
    assert!(matches!(again, Err(Error::StateConflict(_))), "{again:?}");
    let full = members::add(db, &id, "9999", Some(5), &now()).await;
    assert!(matches!(full, Err(Error::QuotaExceeded(_))), "{full:?}");
}

async fn a_share_keeps_its_images_created_at(db: &Db) {
    let id = image(db).await;
    members::add(db, &id, "6001", None, &now()).await.unwrap();
    members::add(db, &id, "6002", None, &now()).await.unwrap();
    members::remove(db, &id, "6002", &now()).await.unwrap();
    members::add(db, &id, "6002", None, &now()).await.unwrap();
    let rows = sql::query(
        "SELECT m.image_created_at, i.created_at FROM image_members m \
         JOIN images i ON i.id = m.image_id WHERE m.image_id = $1 ORDER BY m.member",
    )
    .bind(id.as_str())
    .fetch_all(db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let copy: i64 = row.try_get(0).unwrap();
        let created: i64 = row.try_get(1).unwrap();
        assert!(created > 0);
        assert_eq!(copy, created, "the share's copy of the image's created_at");
    }
}

async fn an_accounts_scheduled_removals_are_its_live_shares_with_a_date(db: &Db) {
    let (first, second, third) = (image(db).await, image(db).await, image(db).await);
    for id in [&first, &second, &third] {
        members::add(db, id, "7001", None, &now()).await.unwrap();
    }
    members::add(db, &first, "7002", None, &now())
        .await
        .unwrap();
    let at = glint_core::Timestamp::now().plus_seconds(86_400);
    members::schedule_removal(db, &first, "7001", at, &now())
        .await
        .unwrap();
    members::schedule_removal(db, &first, "7002", at, &now())
        .await
        .unwrap();
    members::schedule_removal(db, &third, "7001", at.plus_seconds(60), &now())
        .await
        .unwrap();
    members::remove(db, &third, "7001", &now()).await.unwrap();

    let found = members::removals_for(db, "7001").await.unwrap();
    assert_eq!(
        found,
        vec![(first.clone(), at)],
        "not the unscheduled nor the removed share"
    );
    assert!(members::removals_for(db, "7003").await.unwrap().is_empty());
}
