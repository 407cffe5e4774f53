//! Copying an image to another region of its owner, as specs on SQLite and PostgreSQL: the copy
//! is answered at once and becomes active with the source's exact data (same checksum and
//! SHA-512), formats, tags and properties, lineage naming the source and no deprecation; it is
//! the owner's, private to its region, and shareable there. Only the owner (a `member`) or the
//! admin copies, only an active image, only to another region the account may use; a consumer
//! is refused and a stranger learns nothing.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::{Engine, on_both_engines};
use crate::retirement::world;
use crate::spec::{Actor, Image, assert_glance_error};

on_both_engines!(
    a_copy_has_the_same_data_and_is_the_owners_in_the_target_region,
    only_the_owner_copies_an_active_image_to_a_region_it_may_use,
);

async fn copy(actor: &Actor, image: &Image, body: Value) -> crate::app::TestResponse {
    let uri = format!("{}/actions/glint-copy-to-region", image.uri());
    actor.call(Method::POST, &uri, Some(body)).await
}

async fn a_copy_has_the_same_data_and_is_the_owners_in_the_target_region(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let body = json!({"name": "web", "disk_format": "raw", "container_format": "bare",
        "visibility": "shared", "tags": ["prod"], "os_distro": "debian", "min_disk": 1});
    let source = w.producer.create_in("DFW", body).await;
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(
        w.producer.put_file(&source, data.clone()).await,
        StatusCode::NO_CONTENT
    );
    let deprecate = json!([{"op": "add", "path": "/glint_deprecated", "value": "true"}]);
    let r = w
        .producer
        .patch(
            &source,
            "application/openstack-images-v2.1-json-patch",
            deprecate,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = copy(&w.producer, &source, json!({"region": "IAD"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(
        r.header("location")
            .unwrap()
            .ends_with(&format!("/image/IAD/v2/images/{id}"))
    );
    assert!(["queued", "importing", "active"].contains(&r.body["status"].as_str().unwrap()));
    let copied = Image {
        id,
        region: "IAD".into(),
    };
    let shown = w
        .producer
        .wait_for(&copied.uri(), "/status", "active")
        .await;
    let original = w.producer.image(&source).await;
    for field in [
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "size",
        "disk_format",
        "container_format",
        "name",
        "min_disk",
        "os_distro",
        "tags",
    ] {
        assert_eq!(shown[field], original[field], "{field}");
    }
    assert_eq!(shown["visibility"], "private");
    assert_eq!(shown["owner"], original["owner"]);
    assert_eq!(shown["glint_source_image_id"], source.id.as_str());
    assert_eq!(shown["glint_source_region"], "DFW");
    assert_eq!(
        shown["glint_deprecated"],
        Value::Null,
        "the deprecation stays behind"
    );
    let (status, bytes) = w.producer.download(&copied).await;
    assert_eq!((status, bytes == data), (StatusCode::OK, true));

    // A new name, and the copy is shareable in its region.
    let r = copy(
        &w.producer,
        &source,
        json!({"region": "IAD", "name": "web-iad"}),
    )
    .await;
    assert_eq!(r.body["name"], "web-iad");
    let share = json!([{"op": "replace", "path": "/visibility", "value": "shared"}]);
    let r = w
        .producer
        .patch(
            &copied,
            "application/openstack-images-v2.1-json-patch",
            share,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let consumer = &w.consumers[0];
    w.producer.share(&copied, consumer).await;
    consumer.accept(&copied).await;
    assert_eq!(
        consumer.image(&copied).await["checksum"],
        original["checksum"]
    );
}

async fn only_the_owner_copies_an_active_image_to_a_region_it_may_use(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let source = w.shared_image("DFW", "web").await;
    let consumer = &w.consumers[0];
    let reader = w.app.actor("p-reader", "prod", Role::Reader).await;
    let cases: [(&Actor, Value, StatusCode, &str); 8] = [
        (
            &w.producer,
            json!({"region": "DFW"}),
            StatusCode::BAD_REQUEST,
            "already",
        ),
        (
            &w.producer,
            json!({"region": "LON"}),
            StatusCode::FORBIDDEN,
            "may not use region LON",
        ),
        (
            &w.producer,
            json!({"region": "MARS"}),
            StatusCode::FORBIDDEN,
            "may not use region",
        ),
        (
            &w.producer,
            json!({"zone": "IAD"}),
            StatusCode::BAD_REQUEST,
            "Unknown field 'zone'",
        ),
        (
            &w.producer,
            json!({"region": "IAD", "name": ""}),
            StatusCode::BAD_REQUEST,
            "'name'",
        ),
        (
            consumer,
            json!({"region": "IAD"}),
            StatusCode::FORBIDDEN,
            "only its owner",
        ),
        (
            &reader,
            json!({"region": "IAD"}),
            StatusCode::FORBIDDEN,
            "member",
        ),
        (
            &w.stranger,
            json!({"region": "IAD"}),
            StatusCode::NOT_FOUND,
            "",
        ),
    ];
    for (actor, body, status, says) in cases {
        let r = copy(actor, &source, body.clone()).await;
        assert_glance_error(&r, status);
        if !says.is_empty() {
            r.assert_says("/message", says);
        }
    }
    let queued = w
        .producer
        .create_in(
            "DFW",
            json!({"disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    let r = copy(&w.producer, &queued, json!({"region": "IAD"})).await;
    assert_glance_error(&r, StatusCode::CONFLICT);
    r.assert_says("/message", "only an active image");
    let listed = w.producer.list("").await;
    assert!(
        listed
            .iter()
            .all(|i| i["name"] != "web" || i["id"] == source.id.as_str()),
        "no copy was made in DFW"
    );
    let admin = w.app.cloud_admin().await;
    let r = copy(&admin, &source, json!({"region": "IAD"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["owner"], w.producer.image(&source).await["owner"]);
}
