//! The feed pages newest first with an opaque marker, and `since` gives a poller what it has
//! not seen: while eight writers add events, a pager sees every earlier event exactly once and
//! a poller every event exactly once.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{World, feed, page, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::{Actor, Image};

on_both_engines!(
    paging_and_polling_while_eight_writers_add_events_see_each_event_once,
    filters_and_bad_parameters,
);

const WRITERS: usize = 8;
const ROUNDS: usize = 6;

/// Every event id of the feed at `first`, following `next` links.
async fn all_pages(actor: &Actor, first: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut uri = Some(first.to_owned());
    while let Some(at) = uri {
        let body = page(actor, &at).await;
        for event in body["events"].as_array().cloned().unwrap_or_default() {
            ids.push(event["id"].as_str().unwrap_or_default().to_owned());
        }
        uri = body["next"].as_str().map(str::to_owned);
    }
    ids
}

/// One writer: shares its image with a new account and removes it again, `ROUNDS` times.
async fn write(producer: Arc<Actor>, image: Image, writer: usize) {
    for round in 0..ROUNDS {
        let number = format!("9{writer:02}{round:02}");
        producer
            .add_member(&image, &number)
            .await
            .expect(StatusCode::OK);
        let removed = producer.remove_member(&image, &number).await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT);
    }
}

async fn images(w: &World) -> Vec<Image> {
    let mut made = Vec::new();
    for n in 0..WRITERS {
        made.push(w.producer.create(json!({"name": format!("w{n}")})).await);
    }
    made
}

async fn paging_and_polling_while_eight_writers_add_events_see_each_event_once(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let made = images(&w).await;
    let producer = Arc::new(w.app.signed_in("p", "prod").await);
    write(producer.clone(), made[0].clone(), 99).await;
    let before: Vec<String> = all_pages(&producer, "/glint/v1/events?limit=5").await;
    assert_eq!(before.len(), 2 * ROUNDS);
    let writing = Arc::new(AtomicBool::new(true));
    let writers: Vec<_> = made
        .iter()
        .enumerate()
        .map(|(n, image)| tokio::spawn(write(producer.clone(), image.clone(), n)))
        .collect();
    let poller = tokio::spawn(poll(producer.clone(), writing.clone(), before[0].clone()));
    let paged = all_pages(&producer, "/glint/v1/events?limit=7").await;
    for writer in writers {
        writer.await.expect("writer");
    }
    writing.store(false, Ordering::SeqCst);
    let polled = poller.await.expect("poller");
    let unique: HashSet<&String> = paged.iter().collect();
    assert_eq!(unique.len(), paged.len(), "a page repeated an event");
    for id in &before {
        assert!(unique.contains(id), "paging missed event {id}");
    }
    let everything = all_pages(&producer, "/glint/v1/events?limit=200").await;
    assert_eq!(everything.len(), 2 * ROUNDS * (WRITERS + 1));
    let expected: Vec<&String> = everything.iter().take(2 * ROUNDS * WRITERS).collect();
    let mut polled_sorted: Vec<&String> = polled.iter().collect();
    polled_sorted.sort_by_key(|id| std::cmp::Reverse(id.parse::<i64>().unwrap_or(0)));
    assert_eq!(
        polled_sorted, expected,
        "the poller saw each new event exactly once"
    );
}

/// Polls with `since` until writing stops (and once more), returning every event it was given.
async fn poll(actor: Arc<Actor>, writing: Arc<AtomicBool>, mut last: String) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let done = !writing.load(Ordering::SeqCst);
        let fresh = all_pages(&actor, &format!("/glint/v1/events?limit=4&since={last}")).await;
        if let Some(newest) = fresh.first() {
            last.clone_from(newest);
        }
        seen.extend(fresh);
        if done {
            return seen;
        }
        tokio::task::yield_now().await;
    }
}

async fn filters_and_bad_parameters(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let a = w.producer.create(json!({"name": "a"})).await;
    let b = w.producer.create(json!({"name": "b"})).await;
    w.producer.share(&a, &w.consumer).await;
    w.producer.share(&b, &w.consumer).await;
    w.consumer.accept(&b).await;
    let about_b = feed(&w.consumer, &format!("image_id={}", b.id)).await;
    assert_eq!(super::types(&about_b), ["share.accepted", "share.created"]);
    let created = feed(&w.consumer, "type=share.created,share.removed").await;
    assert_eq!(created.len(), 2);
    let limited = page(&w.consumer, "/glint/v1/events?limit=1").await;
    assert_eq!(limited["events"].as_array().map(Vec::len), Some(1));
    let next = limited["next"].as_str().expect("a next link");
    assert!(next.starts_with("/glint/v1/events?marker="), "{next}");
    for bad in [
        "limit=x",
        "limit=201",
        "marker=abc",
        "since=-3",
        "type=share.sent",
        "image_id=nope",
        "sort_key=id",
    ] {
        let r = w.consumer.get(&format!("/glint/v1/events?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {:?}", r.body);
        assert!(
            r.body["message"].is_string(),
            "in the image API's error format"
        );
    }
    let accept = [("accept", "application/json")];
    let unsigned = w
        .app
        .client
        .request(Method::GET, "/glint/v1/events", &accept, None)
        .await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
}
