//! Lineage of a saved server: its `glint_source_` properties are for the copy's owner (and the
//! admin) alone. An account the copy is shared with neither reads them nor finds the copy by
//! filtering a list on them.

use axum::http::StatusCode;
use glint_core::Role;
use serde_json::json;

use crate::app::TestApp;
use crate::spec::{Image, SERVERS, V21, pattern};

#[tokio::test]
async fn an_account_a_copy_is_shared_with_neither_reads_nor_filters_on_its_lineage() {
    let app = TestApp::new().await;
    for (name, number) in [("prod", "1001"), ("cons", "1002"), ("third", "1003")] {
        app.account(name, number, &["DFW"]).await;
    }
    let producer = app.actor("p", "prod", Role::Member).await;
    let consumer = app.actor("c", "cons", Role::Manager).await;
    let third = app.actor("t", "third", Role::Manager).await;
    let base = producer.upload("base", pattern(4096)).await;
    producer.share(&base, &consumer).await;
    let server = format!("{SERVERS}/{}", consumer.server(&base.id).await);
    let r = consumer.save_server(&server, json!({"name": "copy"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let copy = Image {
        id: r.body["image_id"].as_str().expect("image_id").to_owned(),
        region: "DFW".into(),
    };
    let seen = consumer.wait_for(&copy.uri(), "/status", "active").await;
    assert_eq!(seen["glint_source_owner"], "1001");
    let shared = json!([{"op": "replace", "path": "/visibility", "value": "shared"}]);
    consumer
        .patch(&copy, V21, shared)
        .await
        .expect(StatusCode::OK);
    consumer.share(&copy, &third).await;

    let seen = third.image(&copy).await;
    assert!(seen.get("glint_source_owner").is_none(), "{seen}");
    let all = "?member_status=all";
    assert_eq!(third.ids(all).await, [copy.id.as_str()]);
    for filter in [
        format!("glint_source_image_id={}", base.id),
        "glint_source_owner=1001".to_owned(),
        "glint_source_region=DFW".to_owned(),
    ] {
        let query = format!("{all}&{filter}");
        assert_eq!(third.count(&query).await, 0, "{filter}");
        assert_eq!(consumer.ids(&query).await, [copy.id.as_str()], "{filter}");
    }
}
