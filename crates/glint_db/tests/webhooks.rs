//! Webhook deliveries at the store: fan-out gives each endpoint exactly its account's events
//! after its registration (in its regions, of its types), claims go in event order per image and
//! to one node at a time, stale claims are taken over and a restart releases its own, the log
//! keeps the latest attempts, and nodes working at once deliver each event once; SQLite and
//! PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use glint_core::event::EventKind;
use glint_core::image::{ImageId, MemberStatus};
use glint_core::webhook::{Attempt, Webhook, WebhookId};
use glint_core::{AccountId, AccountName, Error, RegionName, Timestamp, UserId, Username};
use glint_db::events::Change;
use glint_db::webhooks::deliveries::{self, DeliveryJob, Outcome};
use glint_db::webhooks::{self, NewEndpoint, fan_out::fan_out};
use glint_db::{Db, accounts, members, regions};

glint_testkit::on_both_engines!(
    fan_out_gives_each_endpoint_its_accounts_events_after_registration,
    deliveries_go_in_event_order_per_image_and_to_one_node_at_a_time,
    a_stale_claim_is_taken_over_and_a_restart_releases_its_own,
    the_log_keeps_the_latest_attempts_and_deleting_removes_everything,
    nodes_working_at_once_deliver_each_event_once,
);

/// Accounts 1000 (the producer of `shared_image`s), 2000 and 3000 in DFW, 4000 in IAD only.
async fn world(db: &Db) {
    for region in ["DFW", "IAD"] {
        regions::ensure(db, &RegionName::parse(region).unwrap())
            .await
            .unwrap();
    }
    for (number, name, region) in [
        ("1000", "prod", "DFW"),
        ("2000", "cons", "DFW"),
        ("3000", "other", "DFW"),
        ("4000", "faraway", "IAD"),
    ] {
        accounts::create(
            db,
            &AccountId::parse(number).unwrap(),
            &AccountName::parse(name).unwrap(),
            &[RegionName::parse(region).unwrap()],
        )
        .await
        .unwrap();
    }
}

async fn image(db: &Db) -> ImageId {
    glint_testkit::stored::shared_image(db).await
}

fn now() -> Change<'static> {
    Change::by_service(Timestamp::now())
}

async fn share(db: &Db, image: &ImageId, with: &str) {
    members::add(db, image, with, None, &now()).await.unwrap();
}

async fn answer(db: &Db, image: &ImageId, with: &str, status: MemberStatus) {
    members::set_status(db, image, with, status, &now())
        .await
        .unwrap();
}

/// Registers an endpoint of `account` for `types`; its id.
async fn endpoint(db: &Db, account: &str, types: &[EventKind]) -> WebhookId {
    let id = WebhookId::random(&uuid::Uuid::new_v4().to_string());
    let hook = Webhook {
        id: id.clone(),
        account: AccountId::parse(account).unwrap(),
        url: "http://127.0.0.1:9/hook".into(),
        event_types: types.to_vec(),
        description: String::new(),
        created_by: UserId::parse("abc").unwrap(),
        created_by_name: Username::parse("someone").unwrap(),
        created_at: Timestamp::now(),
    };
    let new = NewEndpoint {
        webhook: &hook,
        secret: "whsec_test",
    };
    webhooks::create(db, &new, 20).await.unwrap();
    id
}

async fn fan(db: &Db) -> u64 {
    let new_id = || uuid::Uuid::new_v4().to_string();
    fan_out(db, 500, Timestamp::now(), &new_id).await.unwrap()
}

fn long_ago() -> Timestamp {
    Timestamp::now().plus_seconds(-3600)
}

async fn claim(db: &Db, node: &str) -> Vec<DeliveryJob> {
    deliveries::claim_due(db, node, Timestamp::now(), long_ago(), 50)
        .await
        .unwrap()
}

fn attempt(code: u16) -> Attempt {
    Attempt {
        at: Timestamp::now(),
        status_code: Some(code),
        latency_ms: 3,
        error: (code >= 300).then(|| format!("answered {code}")),
    }
}

async fn finish(db: &Db, job: &DeliveryJob, node: &str, outcome: Outcome) -> bool {
    let code = if outcome == Outcome::Delivered {
        200
    } else {
        500
    };
    deliveries::finish(db, job, node, &attempt(code), outcome, 100)
        .await
        .unwrap()
}

fn types_of(jobs: &[DeliveryJob]) -> Vec<&str> {
    jobs.iter().map(|j| j.event_type.as_str()).collect()
}

async fn fan_out_gives_each_endpoint_its_accounts_events_after_registration(db: &Db) {
    world(db).await;
    let before = image(db).await;
    share(db, &before, "2000").await;
    let producer = endpoint(db, "1000", &[]).await;
    let consumer = endpoint(db, "2000", &[EventKind::Accepted]).await;
    let stranger = endpoint(db, "3000", &[]).await;
    let faraway = endpoint(db, "4000", &[]).await;

    let after = image(db).await;
    share(db, &after, "2000").await;
    answer(db, &after, "2000", MemberStatus::Accepted).await;
    share(db, &after, "4000").await;
    assert_eq!(fan(db).await, 4, "producer 3, consumer 1");
    assert_eq!(fan(db).await, 0, "the cursors moved on");

    let log = |id: WebhookId| async move {
        let mut types: Vec<String> = deliveries::log(db, &id, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.event_type)
            .collect();
        types.sort();
        types
    };
    assert_eq!(
        log(producer).await,
        ["share.accepted", "share.created", "share.created"]
    );
    assert_eq!(log(consumer).await, ["share.accepted"]);
    assert!(log(stranger).await.is_empty(), "not a party");
    assert!(
        log(faraway).await.is_empty(),
        "a party, but the region is not the account's: its feed does not show it either"
    );
}

async fn deliveries_go_in_event_order_per_image_and_to_one_node_at_a_time(db: &Db) {
    world(db).await;
    endpoint(db, "1000", &[]).await;
    let (a, b) = (image(db).await, image(db).await);
    share(db, &a, "2000").await;
    answer(db, &a, "2000", MemberStatus::Accepted).await;
    answer(db, &a, "2000", MemberStatus::Rejected).await;
    share(db, &b, "2000").await;
    fan(db).await;

    let first = claim(db, "node-a").await;
    assert_eq!(types_of(&first), ["share.created", "share.created"]);
    assert_eq!(first[0].attempt, 1);
    assert!(claim(db, "node-b").await.is_empty(), "claimed, or waiting");
    let a_created = &first[0];
    assert!(finish(db, &first[1], "node-a", Outcome::Delivered).await);

    let later = Timestamp::now().plus_seconds(60);
    assert!(finish(db, a_created, "node-a", Outcome::RetryAt(later)).await);
    assert!(
        claim(db, "node-b").await.is_empty(),
        "the retry is not due, and the image's later events wait for it"
    );
    let due = Timestamp::now().plus_seconds(-1);
    let again = deliveries::claim_due(db, "node-b", later, long_ago(), 50)
        .await
        .unwrap();
    assert_eq!(types_of(&again), ["share.created"]);
    assert_eq!(again[0].attempt, 2);
    assert!(finish(db, &again[0], "node-b", Outcome::RetryAt(due)).await);
    let third = claim(db, "node-a").await;
    assert_eq!(
        (types_of(&third), third[0].attempt),
        (vec!["share.created"], 3)
    );
    assert!(finish(db, &third[0], "node-a", Outcome::Failed).await);

    let next = claim(db, "node-b").await;
    assert_eq!(
        types_of(&next),
        ["share.accepted"],
        "a failed event lets the next go"
    );
    assert!(finish(db, &next[0], "node-b", Outcome::Delivered).await);
    let last = claim(db, "node-a").await;
    assert_eq!(types_of(&last), ["share.rejected"]);
}

async fn a_stale_claim_is_taken_over_and_a_restart_releases_its_own(db: &Db) {
    world(db).await;
    endpoint(db, "1000", &[]).await;
    share(db, &image(db).await, "2000").await;
    fan(db).await;
    let job = claim(db, "node-a").await.remove(0);
    let soon = Timestamp::now().plus_seconds(1);
    let taken = deliveries::claim_due(db, "node-b", soon, soon, 50)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1, "node a's claim went stale");
    assert_eq!(
        (taken[0].id.as_str(), taken[0].attempt),
        (job.id.as_str(), 2)
    );
    assert_eq!(taken[0].first_attempt_at, job.first_attempt_at);
    assert!(
        !finish(db, &job, "node-a", Outcome::Delivered).await,
        "lost"
    );
    assert_eq!(deliveries::release_node(db, "node-b").await.unwrap(), 1);
    let resumed = claim(db, "node-c").await;
    assert_eq!(resumed.len(), 1, "released at node b's restart");
    assert!(finish(db, &resumed[0], "node-c", Outcome::Delivered).await);
    assert_eq!(deliveries::release_node(db, "node-c").await.unwrap(), 0);
}

async fn the_log_keeps_the_latest_attempts_and_deleting_removes_everything(db: &Db) {
    world(db).await;
    let id = endpoint(db, "1000", &[]).await;
    let delivery = uuid::Uuid::new_v4().to_string();
    deliveries::queue_test(db, &id, &delivery, "{}", Timestamp::now())
        .await
        .unwrap();
    for n in 0..5 {
        let job = claim(db, "node-a").await.remove(0);
        assert_eq!((job.event_id, job.payload.as_deref()), (None, Some("{}")));
        let outcome = Outcome::RetryAt(Timestamp::now().plus_seconds(-1));
        let tried = attempt(500 + n);
        let logged = deliveries::finish(db, &job, "node-a", &tried, outcome, 3);
        assert!(logged.await.unwrap());
    }
    let log = deliveries::log(db, &id, 10).await.unwrap();
    assert_eq!((log.len(), log[0].attempts), (1, 5));
    let codes: Vec<Option<u16>> = log[0].log.iter().map(|a| a.status_code).collect();
    assert_eq!(
        codes,
        [Some(504), Some(503), Some(502)],
        "the latest 3, newest first"
    );

    let account = AccountId::parse("1000").unwrap();
    let other = AccountId::parse("2000").unwrap();
    assert!(webhooks::get(db, &other, &id).await.unwrap().is_none());
    assert!(!webhooks::delete(db, &other, &id).await.unwrap());
    assert!(webhooks::delete(db, &account, &id).await.unwrap());
    assert!(webhooks::get(db, &account, &id).await.unwrap().is_none());
    assert!(deliveries::log(db, &id, 10).await.unwrap().is_empty());
    assert!(claim(db, "node-a").await.is_empty());

    endpoint(db, "3000", &[]).await;
    let hook = Webhook {
        id: WebhookId::random(&uuid::Uuid::new_v4().to_string()),
        ..webhooks::list(db, &AccountId::parse("3000").unwrap())
            .await
            .unwrap()[0]
            .clone()
    };
    let full = webhooks::create(
        db,
        &NewEndpoint {
            webhook: &hook,
            secret: "s",
        },
        1,
    )
    .await;
    assert!(matches!(full, Err(Error::InvalidInput(m)) if m.contains("most")));
}

async fn nodes_working_at_once_deliver_each_event_once(db: &Db) {
    world(db).await;
    endpoint(db, "1000", &[]).await;
    for _ in 0..8 {
        let id = image(db).await;
        share(db, &id, "2000").await;
        for status in [MemberStatus::Accepted, MemberStatus::Rejected] {
            answer(db, &id, "2000", status).await;
        }
    }
    let delivered = Arc::new(AtomicUsize::new(0));
    let nodes = (0..4).map(|n| {
        let (db, delivered) = (db.clone(), delivered.clone());
        tokio::spawn(async move {
            let node = format!("node-{n}");
            let mut sent = Vec::new();
            for _ in 0..500 {
                if delivered.load(Ordering::SeqCst) >= 24 {
                    break;
                }
                fan(&db).await;
                for job in claim(&db, &node).await {
                    assert!(finish(&db, &job, &node, Outcome::Delivered).await);
                    delivered.fetch_add(1, Ordering::SeqCst);
                    sent.push(job.id);
                }
                tokio::task::yield_now().await;
            }
            sent
        })
    });
    let mut all = Vec::new();
    for node in nodes {
        all.extend(node.await.unwrap());
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (24, 24), "each event once");
}
