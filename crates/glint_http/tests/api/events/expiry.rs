//! Offers left pending expire when the operator says so: the share is removed and both parties
//! are told; answered shares stay; two sweeps at once remove each share once.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;

use super::{feed, world, world_with};
use crate::app::{Engine, on_both_engines};

on_both_engines!(
    a_share_left_pending_past_the_expiry_is_removed_and_told,
    without_an_expiry_offers_stay,
);

const DAY: Duration = Duration::from_secs(24 * 3600);

async fn a_share_left_pending_past_the_expiry_is_removed_and_told(engine: Engine) {
    let tweak = |s: &mut glint_app::ImageSettings| s.pending_expiry = Some(DAY * 30);
    let Some(mut w) = world_with(engine, tweak).await else {
        return;
    };
    let waiting = w.producer.create(json!({"name": "waiting"})).await;
    let taken = w.producer.create(json!({"name": "taken"})).await;
    w.producer.share(&waiting, &w.consumer).await;
    w.producer.share(&taken, &w.consumer).await;
    w.consumer.accept(&taken).await;
    w.advance(DAY * 29).await;
    assert_eq!(
        w.app.images.expire_pending_shares().await.expect("sweep"),
        0
    );
    w.advance(DAY * 2).await;
    let (a, b) = tokio::join!(
        w.app.images.expire_pending_shares(),
        w.app.images.expire_pending_shares()
    );
    assert_eq!(
        a.expect("sweep") + b.expect("sweep"),
        1,
        "each share expires once"
    );
    let gone = w.producer.member(&waiting, "1002").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    w.producer
        .member(&taken, "1002")
        .await
        .expect(StatusCode::OK);
    w.told_to_both("share.expired", &waiting.id, None).await;
    assert_eq!(feed(&w.consumer, "type=share.expired").await.len(), 1);
    let again = w.producer.add_member(&waiting, "1002").await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the producer may offer it again"
    );
}

async fn without_an_expiry_offers_stay(engine: Engine) {
    let Some(mut w) = world(engine).await else {
        return;
    };
    let image = w.producer.create(json!({"name": "waiting"})).await;
    w.producer.share(&image, &w.consumer).await;
    w.advance(DAY * 3650).await;
    assert_eq!(
        w.app.images.expire_pending_shares().await.expect("sweep"),
        0
    );
    w.producer
        .member(&image, "1002")
        .await
        .expect(StatusCode::OK);
}
