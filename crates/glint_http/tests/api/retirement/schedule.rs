//! Scheduled removal of a share: the producer sets a time to come, the consumer keeps the share
//! until then and is told the date; at the time the share goes, once, whichever of several
//! nodes runs the job; a cancelled removal never happens.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_app::{ImageService, Stores};
use serde_json::{Value, json};

use super::world;
use crate::app::{Engine, TestResponse, on_both_engines};
use crate::events::feed;
use crate::spec::{Actor, Image, assert_glance_error};

on_both_engines!(
    a_removal_is_scheduled_by_the_producer_and_told_with_its_date,
    the_share_is_removed_once_at_its_time_with_two_nodes_running,
    a_cancelled_removal_does_not_happen,
);

const DAY: Duration = Duration::from_secs(24 * 3600);

fn schedule_uri(image: &Image, member: &str) -> String {
    format!(
        "{}/members/{member}/actions/glint-schedule-removal",
        image.uri()
    )
}

async fn schedule(actor: &Actor, image: &Image, member: &str, body: Value) -> TestResponse {
    actor
        .call(Method::POST, &schedule_uri(image, member), Some(body))
        .await
}

async fn cancel(actor: &Actor, image: &Image, member: &str) -> TestResponse {
    actor
        .call(Method::DELETE, &schedule_uri(image, member), None)
        .await
}

async fn a_removal_is_scheduled_by_the_producer_and_told_with_its_date(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.shared_image("DFW", "web").await;
    let c = &w.consumers[0];
    for bad in [
        json!({}),
        json!({"remove_at": 5}),
        json!({"remove_at": "soon"}),
    ] {
        let r = schedule(&w.producer, &image, "1002", bad).await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
    }
    let past = schedule(
        &w.producer,
        &image,
        "1002",
        json!({"remove_at": "2020-01-01"}),
    )
    .await;
    assert_glance_error(&past, StatusCode::BAD_REQUEST);
    let by_consumer = schedule(c, &image, "1002", json!({"remove_at": "2099-01-15"})).await;
    assert_glance_error(&by_consumer, StatusCode::FORBIDDEN);
    let by_stranger = schedule(
        &w.stranger,
        &image,
        "1002",
        json!({"remove_at": "2099-01-15"}),
    )
    .await;
    assert_glance_error(&by_stranger, StatusCode::NOT_FOUND);
    let no_share = schedule(
        &w.producer,
        &image,
        "1005",
        json!({"remove_at": "2099-01-15"}),
    )
    .await;
    assert_glance_error(&no_share, StatusCode::NOT_FOUND);

    let r = schedule(
        &w.producer,
        &image,
        "1002",
        json!({"remove_at": "2099-01-15"}),
    )
    .await;
    let body = r.expect(StatusCode::OK);
    assert_eq!(body["remove_at"], "2099-01-15T00:00:00Z");
    c.member(&image, "1002").await.expect(StatusCode::OK);
    let told = feed(c, "type=share.removal_scheduled").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["detail"]["remove_at"], "2099-01-15T00:00:00Z");
    assert_eq!(
        feed(&w.producer, "type=share.removal_scheduled")
            .await
            .len(),
        1
    );
    assert_eq!(
        feed(&w.consumers[1], "type=share.removal_scheduled")
            .await
            .len(),
        0,
        "another consumer is not told"
    );
    assert_eq!(feed(&w.stranger, "").await, Vec::<Value>::new());
    let report = super::usage_of(&w.producer, &image)
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        super::consumer_row(&report, "1002")["removal_scheduled_at"],
        "2099-01-15T00:00:00Z"
    );
}

async fn the_share_is_removed_once_at_its_time_with_two_nodes_running(engine: Engine) {
    let Some(mut w) = world(engine).await else {
        return;
    };
    let image = w.shared_image("DFW", "web").await;
    let at = w.app.clock.now().plus_seconds(3 * 86_400).to_glance();
    schedule(&w.producer, &image, "1002", json!({"remove_at": at}))
        .await
        .expect(StatusCode::OK);
    // A second node: its own service over the same database, on the same clock.
    let template = format!("file://{}/{{region}}", w.app.blobs.path().display());
    let second = ImageService::new(
        w.app.db.clone(),
        Stores::new(template, Default::default()),
        w.app.images.settings().clone(),
    )
    .with_clock(w.app.clock.clone());
    w.advance(DAY * 2).await;
    assert_eq!(
        w.app.images.remove_due_shares().await.expect("job"),
        0,
        "not yet"
    );
    w.consumers[0].image(&image).await;
    w.advance(DAY * 2).await;
    let (a, b) = tokio::join!(w.app.images.remove_due_shares(), second.remove_due_shares());
    assert_eq!(a.expect("job") + b.expect("job"), 1, "removed once");
    let gone = w.consumers[0].member(&image, "1002").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(
        w.consumers[0].show(&image).await.status,
        StatusCode::NOT_FOUND
    );
    w.consumers[1]
        .member(&image, "1003")
        .await
        .expect(StatusCode::OK);
    let removed = feed(&w.consumers[0], "type=share.removed").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0]["detail"]["scheduled"], true);
    assert_eq!(removed[0]["actor"], Value::Null, "the service removed it");
    assert_eq!(feed(&w.producer, "type=share.removed").await.len(), 1);
    assert_eq!(
        second.remove_due_shares().await.expect("job"),
        0,
        "nothing left"
    );
}

async fn a_cancelled_removal_does_not_happen(engine: Engine) {
    let Some(mut w) = world(engine).await else {
        return;
    };
    let image = w.shared_image("DFW", "web").await;
    let none = cancel(&w.producer, &image, "1002").await;
    assert_glance_error(&none, StatusCode::CONFLICT);
    let at = w.app.clock.now().plus_seconds(86_400).to_glance();
    schedule(&w.producer, &image, "1002", json!({"remove_at": at}))
        .await
        .expect(StatusCode::OK);
    assert_glance_error(
        &cancel(&w.consumers[0], &image, "1002").await,
        StatusCode::FORBIDDEN,
    );
    assert_glance_error(
        &cancel(&w.stranger, &image, "1002").await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(
        cancel(&w.producer, &image, "1002").await.status,
        StatusCode::NO_CONTENT
    );
    w.advance(DAY * 2).await;
    assert_eq!(w.app.images.remove_due_shares().await.expect("job"), 0);
    w.consumers[0]
        .member(&image, "1002")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        feed(&w.consumers[0], "type=share.removal_cancelled")
            .await
            .len(),
        1
    );
    // A share removed and offered again starts without a schedule.
    schedule(
        &w.producer,
        &image,
        "1002",
        json!({"remove_at": "2099-01-01"}),
    )
    .await
    .expect(StatusCode::OK);
    w.producer.remove_member(&image, "1002").await;
    w.producer.share(&image, &w.consumers[0]).await;
    assert_glance_error(
        &cancel(&w.producer, &image, "1002").await,
        StatusCode::CONFLICT,
    );
}
