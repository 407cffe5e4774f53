//! Who may deprecate an image: only those who may change it, and a caller who may not is
//! refused before the replacement it names is looked at, so the answer never tells whether
//! that id is an image of the owner.

use axum::http::StatusCode;
use glint_core::Role;
use serde_json::json;

use crate::spec::V21;
use crate::spec::worlds::producer_and_consumer;

#[tokio::test]
async fn a_consumer_naming_a_replacement_gets_403_whatever_the_replacement_is() {
    let (_app, producer, consumer) =
        producer_and_consumer(&["DFW"], Role::Member, Role::Manager).await;
    let image = producer.create(json!({"name": "old"})).await;
    let unseen = producer
        .create(json!({"name": "next", "visibility": "private"}))
        .await;
    let theirs = consumer.create(json!({"name": "own"})).await;
    producer.share(&image, &consumer).await;
    for replacement in [
        unseen.id.as_str(),
        theirs.id.as_str(),
        "11111111-2222-3333-4444-555555555555",
    ] {
        let ops = json!([
            {"op": "add", "path": "/glint_deprecated", "value": "true"},
            {"op": "add", "path": "/glint_replacement_image_id", "value": replacement},
        ]);
        let r = consumer.patch(&image, V21, ops).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{replacement}");
        r.assert_says("/message", "only its owner");
    }
    let ops = json!([
        {"op": "add", "path": "/glint_deprecated", "value": "true"},
        {"op": "add", "path": "/glint_replacement_image_id", "value": unseen.id.as_str()},
    ]);
    producer
        .patch(&image, V21, ops)
        .await
        .expect(StatusCode::OK);
}
