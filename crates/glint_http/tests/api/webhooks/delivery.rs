//! Deliveries to real receivers on 127.0.0.1: signed with the endpoint's secret (checked here
//! with HMAC-SHA256 computed independently), retried after 500s, in event order per image,
//! to the endpoints of the event's two parties only and of the types they asked for; failed
//! once the retry period is over, which lets the image's next event go; a test event reaches
//! its endpoint and no feed; and the network rule is checked again when sending. SQLite and
//! PostgreSQL.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_app::{WebhookService, WebhookSettings};
use glint_core::Role;
use serde_json::{Value, json};

use super::receiver::{Received, Receiver};
use super::{WEBHOOKS, app_on};
use crate::app::{Engine, Setup, TestApp, on_both_engines, test_webhook_settings};
use crate::spec::{Actor, Image};

on_both_engines!(
    a_delivery_is_retried_after_two_500s_and_its_log_says_so,
    deliveries_are_signed_in_order_per_image_and_only_to_the_parties,
    a_delivery_fails_after_the_retry_period_and_the_next_event_goes,
    a_test_event_reaches_its_endpoint_only_and_no_feed,
    the_network_rule_is_checked_again_when_sending,
);

/// acme (554433: alice member), beta (112233: ben manager, bob member), gamma (778899: gus
/// member), all in DFW.
struct World {
    app: TestApp,
    alice: Actor,
    ben: Actor,
    bob: Actor,
    gus: Actor,
}

async fn world(engine: Engine, setup: Setup) -> Option<World> {
    let app = app_on(engine, setup).await?;
    app.account("acme", "554433", &["DFW"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    app.account("gamma", "778899", &["DFW"]).await;
    Some(World {
        alice: app.actor("alice", "acme", Role::Member).await,
        ben: app.actor("ben", "beta", Role::Manager).await,
        bob: app.actor("bob", "beta", Role::Member).await,
        gus: app.actor("gus", "gamma", Role::Member).await,
        app,
    })
}

fn id_of(hook: &Value) -> String {
    hook["id"].as_str().expect("id").to_owned()
}

/// The delivered events' ids, in the order they were first acknowledged.
fn delivered_ids(received: &[Received]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for r in received.iter().filter(|r| r.status < 300) {
        let id = r.event_id();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Asserts that every image's requests came in event order (retries repeat the same event).
fn assert_in_order_per_image(received: &[Received]) {
    let mut last: HashMap<String, i64> = HashMap::new();
    for r in received {
        let event = r.json()["event"].clone();
        let image = event["image"]["id"].as_str().expect("image").to_owned();
        let id: i64 = event["id"].as_str().expect("id").parse().expect("number");
        let before = last.insert(image.clone(), id).unwrap_or(0);
        assert!(id >= before, "event {id} of {image} after {before}");
    }
}

async fn a_delivery_is_retried_after_two_500s_and_its_log_says_so(engine: Engine) {
    let Some(w) = world(engine, Setup::default()).await else {
        return;
    };
    let receiver = Receiver::start(2).await;
    let hook = w.alice.register(&receiver.url, &[]).await;
    w.app.webhooks.start();
    let a = w.alice.create(json!({"name": "a"})).await;
    w.alice.share(&a, &w.ben).await;
    let got = receiver.wait_for_delivered(1).await;
    let statuses: Vec<u16> = got.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 204], "retried after two 500s");
    assert!(got.iter().all(|r| r.event_id() == got[0].event_id()));
    let log = w.alice.settled_deliveries(&id_of(&hook)).await;
    assert_eq!(
        (log[0]["state"].as_str(), log[0]["attempts"].as_u64()),
        (Some("delivered"), Some(3))
    );
    let codes: Vec<&Value> = log[0]["last_attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [&json!(204), &json!(500), &json!(500)]);
    assert_eq!(
        log[0]["last_attempts"][1]["error"],
        "answered 500 Internal Server Error"
    );
}

async fn deliveries_are_signed_in_order_per_image_and_only_to_the_parties(engine: Engine) {
    let Some(w) = world(engine, Setup::default()).await else {
        return;
    };
    let (producer, consumer, stranger) = (
        Receiver::start(1).await,
        Receiver::start(0).await,
        Receiver::start(0).await,
    );
    let p_hook = w.alice.register(&producer.url, &[]).await;
    let c_hook = w
        .bob
        .register(&consumer.url, &["share.accepted", "share.rejected"])
        .await;
    let s_hook = w.gus.register(&stranger.url, &[]).await;
    w.app.webhooks.start();

    let a = w.alice.create(json!({"name": "a"})).await;
    w.alice.share(&a, &w.ben).await;
    let b: Image = w.alice.create(json!({"name": "b"})).await;
    w.ben.accept(&a).await;
    w.alice.share(&b, &w.ben).await;
    assert_eq!(w.ben.answer(&a, "rejected").await.status, StatusCode::OK);
    w.ben.accept(&b).await;

    let got = producer.wait_for_delivered(5).await;
    let secret = p_hook["secret"].as_str().expect("secret");
    for r in &got {
        assert!(r.signed_with(secret), "{:?}", r.headers);
        let body = r.json();
        assert_eq!(r.header("glint-event-id"), body["event"]["id"]);
        assert_eq!(r.header("glint-event-type"), body["event"]["type"]);
        assert_eq!(r.header("glint-delivery-id"), body["delivery_id"]);
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(body["endpoint_id"], p_hook["id"]);
    }
    assert_in_order_per_image(&got);
    let types: Vec<String> = got
        .iter()
        .filter(|r| r.status < 300)
        .map(|r| r.json()["event"]["type"].as_str().expect("type").to_owned())
        .collect();
    assert_eq!(types.len(), 5, "each event once: {types:?}");

    let got = consumer.wait_for_delivered(3).await;
    let secret = c_hook["secret"].as_str().expect("secret");
    assert!(got.iter().all(|r| r.signed_with(secret)));
    assert_in_order_per_image(&got);
    let kinds: Vec<String> = got
        .iter()
        .map(|r| r.header("glint-event-type").to_owned())
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "share.accepted").count(), 2);
    assert_eq!(kinds.iter().filter(|k| *k == "share.rejected").count(), 1);
    assert_eq!(delivered_ids(&got).len(), 3);

    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(stranger.received().is_empty(), "not a party: never called");
    assert!(w.gus.deliveries(&id_of(&s_hook)).await.is_empty());
}

async fn a_delivery_fails_after_the_retry_period_and_the_next_event_goes(engine: Engine) {
    let setup = Setup {
        webhooks: |s| s.retry.give_up_after = Duration::from_millis(250),
        ..Setup::default()
    };
    let Some(w) = world(engine, setup).await else {
        return;
    };
    let receiver = Receiver::start(2).await;
    let hook = w.alice.register(&receiver.url, &[]).await;
    w.app.webhooks.start();
    let a = w.alice.create(json!({"name": "a"})).await;
    w.alice.share(&a, &w.ben).await;
    w.ben.accept(&a).await;
    let got = receiver.wait_for_delivered(1).await;
    let seen: Vec<(String, u16)> = got
        .iter()
        .map(|r| (r.header("glint-event-type").to_owned(), r.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("share.created".to_owned(), 500),
            ("share.created".to_owned(), 500),
            ("share.accepted".to_owned(), 204),
        ],
        "tried within 250 ms, then failed; the next event went"
    );
    let log = w.alice.settled_deliveries(&id_of(&hook)).await;
    let states: Vec<(&str, u64)> = log
        .iter()
        .map(|d| {
            (
                d["event_type"].as_str().expect("type"),
                d["attempts"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(states, [("share.accepted", 1), ("share.created", 2)]);
    assert_eq!(log[1]["state"], "failed");
    assert_eq!(
        log[1]["last_attempts"][0]["error"],
        "answered 500 Internal Server Error"
    );
}

async fn a_test_event_reaches_its_endpoint_only_and_no_feed(engine: Engine) {
    let Some(w) = world(engine, Setup::default()).await else {
        return;
    };
    let (mine, other) = (Receiver::start(0).await, Receiver::start(0).await);
    let hook = w.alice.register(&mine.url, &["share.created"]).await;
    w.alice.register(&other.url, &[]).await;
    w.app.webhooks.start();
    let id = id_of(&hook);
    let queued = w
        .alice
        .call(Method::POST, &format!("{WEBHOOKS}/{id}/test"), None)
        .await
        .expect(StatusCode::ACCEPTED);
    let got = mine.wait_for_delivered(1).await;
    assert!(got[0].signed_with(hook["secret"].as_str().expect("secret")));
    let body = got[0].json();
    assert_eq!(body["delivery_id"], queued["delivery_id"]);
    assert_eq!(body["event"]["type"], "webhook.test");
    assert_eq!(body["event"]["actor"]["user_name"], "alice");
    assert_eq!(got[0].header("glint-event-id"), body["event"]["id"]);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(other.received().is_empty(), "to that endpoint only");
    let feed = w.alice.get("/glint/v1/events").await.expect(StatusCode::OK);
    assert_eq!(feed["events"], json!([]), "not a share event");
    let log = w.alice.settled_deliveries(&id).await;
    assert_eq!(
        (log[0]["state"].as_str(), log[0]["event_id"].is_null()),
        (Some("delivered"), true)
    );
}

async fn the_network_rule_is_checked_again_when_sending(engine: Engine) {
    let Some(w) = world(engine, Setup::default()).await else {
        return;
    };
    let receiver = Receiver::start(0).await;
    let hook = w.alice.register(&receiver.url, &[]).await;
    w.alice
        .share(&w.alice.create(json!({"name": "a"})).await, &w.ben)
        .await;
    // Another node, whose operator allows no private network.
    let strict = WebhookService::new(
        w.app.db.clone(),
        WebhookSettings {
            node_id: "strict-node".into(),
            networks: Default::default(),
            ..test_webhook_settings()
        },
    )
    .expect("service");
    assert_eq!(strict.deliver_due().await.expect("a round"), 1);
    assert!(receiver.received().is_empty(), "nothing was sent");
    let log = w.alice.deliveries(&id_of(&hook)).await;
    assert_eq!(log[0]["state"], "pending", "tried again later");
    let attempt = &log[0]["last_attempts"][0];
    assert_eq!(attempt["status_code"], Value::Null);
    let error = attempt["error"].as_str().expect("error");
    assert!(error.contains("may not be at 127.0.0.1"), "{error}");
}
