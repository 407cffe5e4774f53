//! Reminders keep the seed's courtesy rules: only the producer's member reminds, only a share
//! still pending, one per seven days and three per share (429 naming the next allowed time),
//! told to both parties; concurrent reminders send one.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::json;

use super::{World, feed, world, world_with};
use crate::app::{Engine, TestResponse, on_both_engines};
use crate::spec::{Actor, Image};

on_both_engines!(
    three_reminders_a_week_apart_then_no_more,
    only_the_producers_member_reminds_and_only_a_pending_share,
    concurrent_reminders_send_one,
    the_operator_sets_the_interval_and_the_limit,
);

const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

async fn remind(actor: &Actor, image: &Image, number: &str) -> TestResponse {
    let uri = format!("{}/actions/glint-remind", image.member(number));
    actor.call(Method::POST, &uri, None).await
}

async fn shared(w: &World) -> Image {
    let image = w.producer.create(json!({"name": "tuned-web-server"})).await;
    w.producer.share(&image, &w.consumer).await;
    image
}

async fn three_reminders_a_week_apart_then_no_more(engine: Engine) {
    let Some(mut w) = world(engine).await else {
        return;
    };
    let image = shared(&w).await;
    let first = remind(&w.producer, &image, "1002")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        (first["reminder"].clone(), first["reminders_left"].clone()),
        (json!(1), json!(2))
    );
    let event = w.told_to_both("share.reminder", &image.id, Some("p")).await;
    assert_eq!(event["detail"]["reminder"], 1);
    let early = remind(&w.producer, &image, "1002").await;
    assert_eq!(early.status, StatusCode::TOO_MANY_REQUESTS);
    let next = first["next_allowed_at"]
        .as_str()
        .expect("next allowed time");
    early.assert_says("/message", next);
    let wait: u64 = early
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(
        wait > WEEK.as_secs() - 60 && wait <= WEEK.as_secs(),
        "{wait}"
    );
    w.advance(WEEK).await;
    remind(&w.producer, &image, "1002")
        .await
        .expect(StatusCode::OK);
    w.advance(WEEK).await;
    let last = remind(&w.producer, &image, "1002")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        (
            last["reminders_left"].clone(),
            last["next_allowed_at"].clone()
        ),
        (json!(0), json!(null))
    );
    w.advance(WEEK * 4).await;
    let spent = remind(&w.producer, &image, "1002").await;
    assert_eq!(spent.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(spent.header("retry-after").is_none(), "never again");
    spent.assert_says("/message", "no more");
    assert_eq!(feed(&w.consumer, "type=share.reminder").await.len(), 3);
    w.producer.remove_member(&image, "1002").await;
    w.producer.share(&image, &w.consumer).await;
    remind(&w.producer, &image, "1002")
        .await
        .expect(StatusCode::OK);
}

async fn only_the_producers_member_reminds_and_only_a_pending_share(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let reader = w.app.actor("p_reader", "prod", Role::Reader).await;
    let image = shared(&w).await;
    let r = remind(&reader, &image, "1002").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_says("/message", "'member'");
    assert_eq!(
        remind(&w.consumer, &image, "1002").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        remind(&w.stranger, &image, "1002").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        remind(&w.producer, &image, "1003").await.status,
        StatusCode::NOT_FOUND
    );
    w.consumer.reject(&image).await;
    let rejected = remind(&w.producer, &image, "1002").await;
    assert_eq!(rejected.status, StatusCode::CONFLICT);
    rejected.assert_says("/message", "rejected");
    w.consumer.accept(&image).await;
    assert_eq!(
        remind(&w.producer, &image, "1002").await.status,
        StatusCode::CONFLICT
    );
    assert!(feed(&w.consumer, "type=share.reminder").await.is_empty());
    w.assert_stranger_learns_nothing(&image.id).await;
}

async fn concurrent_reminders_send_one(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = shared(&w).await;
    let producer = std::sync::Arc::new(w.producer);
    let tries: Vec<_> = (0..8)
        .map(|_| {
            let (producer, image) = (producer.clone(), image.clone());
            tokio::spawn(async move { remind(&producer, &image, "1002").await.status })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tries {
        codes.push(t.await.expect("reminder"));
    }
    codes.sort();
    let mut expected = vec![StatusCode::TOO_MANY_REQUESTS; 7];
    expected.insert(0, StatusCode::OK);
    assert_eq!(codes, expected);
    assert_eq!(feed(&w.consumer, "type=share.reminder").await.len(), 1);
}

async fn the_operator_sets_the_interval_and_the_limit(engine: Engine) {
    let tweak = |s: &mut glint_app::ImageSettings| {
        s.reminders = glint_core::event::ReminderRules {
            every_secs: 3600,
            limit: 2,
        };
    };
    let Some(mut w) = world_with(engine, tweak).await else {
        return;
    };
    let image = shared(&w).await;
    remind(&w.producer, &image, "1002")
        .await
        .expect(StatusCode::OK);
    w.advance(Duration::from_secs(3600)).await;
    let second = remind(&w.producer, &image, "1002")
        .await
        .expect(StatusCode::OK);
    assert_eq!(second["reminders_left"], 0);
    w.advance(Duration::from_secs(3600)).await;
    assert_eq!(
        remind(&w.producer, &image, "1002").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
