//! Lineage: a server saved as an image records the image it was built from (and the producer,
//! for a share); only the saved image's owner reads it, no client writes it, and the source's
//! usage report counts the copy.

use axum::http::StatusCode;
use serde_json::json;

use super::{consumer_row, server_in, servers, usage_of, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::{Image, V21, assert_glance_error};

on_both_engines!(
    a_saved_server_records_its_source_for_its_owner_only,
    clients_cannot_write_lineage,
);

async fn a_saved_server_records_its_source_for_its_owner_only(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let source = w.shared_image("DFW", "web").await;
    let c = &w.consumers[0];
    let server = server_in(c, "DFW", &source.id).await;
    let uri = format!("{}/{server}", servers("DFW"));
    let r = c.save_server(&uri, json!({"name": "my-web"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let saved = Image {
        id: r.body["image_id"].as_str().expect("image_id").to_owned(),
        region: "DFW".into(),
    };
    let body = c.wait_for(&saved.uri(), "/status", "active").await;
    assert_eq!(body["glint_source_image_id"], source.id.as_str());
    assert_eq!(body["glint_source_region"], "DFW");
    assert_eq!(body["glint_source_owner"], "1001");
    // Shared on, the copy shows its lineage to no one but its owner (and the admin).
    let patch = json!([{"op": "replace", "path": "/visibility", "value": "shared"}]);
    c.patch(&saved, V21, patch).await.expect(StatusCode::OK);
    c.share(&saved, &w.stranger).await;
    let seen = w.stranger.image(&saved).await;
    for key in [
        "glint_source_image_id",
        "glint_source_region",
        "glint_source_owner",
    ] {
        assert!(seen.get(key).is_none(), "{key} in {seen}");
    }
    let listed = w.stranger.list("?member_status=all").await;
    assert!(listed.iter().all(|i| i.get("glint_source_owner").is_none()));
    let admin = w.app.cloud_admin().await;
    assert_eq!(admin.image(&saved).await["glint_source_owner"], "1001");
    // The producer's report counts the copy for the consumer.
    let report = usage_of(&w.producer, &source).await.expect(StatusCode::OK);
    assert_eq!(consumer_row(&report, "1002")["copies"], 1);
    assert_eq!(c.delete(&saved).await.status, StatusCode::NO_CONTENT);
    let after = usage_of(&w.producer, &source).await.expect(StatusCode::OK);
    assert_eq!(
        consumer_row(&after, "1002")["copies"],
        0,
        "a deleted copy no longer counts"
    );
}

async fn clients_cannot_write_lineage(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let source = w.shared_image("DFW", "web").await;
    let forged = w.consumers[0]
        .try_create(json!({"name": "fake", "glint_source_image_id": source.id}))
        .await;
    assert_glance_error(&forged, StatusCode::FORBIDDEN);
    let mine = w.consumers[0].create(json!({"name": "mine"})).await;
    for op in ["add", "replace"] {
        let patch = json!([{"op": op, "path": "/glint_source_image_id", "value": source.id}]);
        let r = w.consumers[0].patch(&mine, V21, patch).await;
        assert_glance_error(&r, StatusCode::FORBIDDEN);
    }
    let report = usage_of(&w.producer, &source).await.expect(StatusCode::OK);
    assert_eq!(consumer_row(&report, "1002")["copies"], 0);
    let server = server_in(&w.consumers[0], "DFW", &source.id).await;
    let uri = format!("{}/{server}", servers("DFW"));
    let r = w.consumers[0]
        .save_server(
            &uri,
            json!({"name": "x", "metadata": {"glint_source_owner": "9"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
}
