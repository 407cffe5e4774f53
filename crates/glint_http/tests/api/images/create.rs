//! Creating an image: every base key with its default, the image's place (its region, any
//! version prefix), and the checks in Glance's order with Glance's error bodies.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::spec::assert_glance_error;
use crate::spec::worlds::two_accounts;

#[tokio::test]
async fn create_defaults_and_every_base_key() {
    let (_app, alice, _, _) = two_accounts().await;
    let r = alice
        .try_create(json!({"name": "web", "ramdisk_id": "00000000-1111-2222-3333-444455556666"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let id = r.body["id"].as_str().expect("id").to_owned();
    assert_eq!(
        r.header("location"),
        Some(format!("http://glint.test/image/DFW/v2/images/{id}").as_str())
    );
    let b = &r.body;
    assert_eq!(b["status"], "queued");
    assert_eq!(b["visibility"], "shared");
    assert_eq!(b["owner"], "554433");
    assert_eq!(b["protected"], false);
    assert_eq!(b["os_hidden"], false);
    assert_eq!(b["min_ram"], 0);
    assert_eq!(b["tags"], json!([]));
    assert_eq!(b["ramdisk_id"], "00000000-1111-2222-3333-444455556666");
    for key in [
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "size",
        "virtual_size",
        "disk_format",
        "container_format",
    ] {
        assert!(
            b.get(key).is_some_and(Value::is_null),
            "{key} must be present and null"
        );
    }
    assert_eq!(b["self"], format!("/v2/images/{id}"));
    assert_eq!(b["file"], format!("/v2/images/{id}/file"));
    assert_eq!(b["schema"], "/v2/schemas/image");
    assert!(
        b["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.len() == 20)
    );

    let shown = alice.get(&format!("/image/DFW/v2/images/{id}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body, r.body);
    // The image exists only in its region.
    let elsewhere = alice.get(&format!("/image/IAD/v2/images/{id}")).await;
    assert_glance_error(&elsewhere, StatusCode::NOT_FOUND);
    // The same id under a versioned prefix.
    let v21 = alice.get(&format!("/image/DFW/v2.1/images/{id}")).await;
    assert_eq!(v21.status, StatusCode::OK);
}

#[tokio::test]
async fn create_checks_in_glances_order() {
    let (app, alice, rita, _) = two_accounts().await;
    let cases = [
        (json!({"status": "active"}), StatusCode::FORBIDDEN),
        (json!({"self": "/x"}), StatusCode::FORBIDDEN),
        (
            json!({"container_format": "wrong"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"disk_format": "wrong"}), StatusCode::BAD_REQUEST),
        (json!({"protected": "yes"}), StatusCode::BAD_REQUEST),
        (json!({"os_glance_foo": "bar"}), StatusCode::FORBIDDEN),
        (json!({"deleted": "x"}), StatusCode::FORBIDDEN),
        (json!({"custom": 5}), StatusCode::BAD_REQUEST),
        (json!({"visibility": "public"}), StatusCode::FORBIDDEN),
        (json!({"owner": "999"}), StatusCode::FORBIDDEN),
        (json!({"id": "not-a-uuid"}), StatusCode::BAD_REQUEST),
    ];
    for (body, status) in cases {
        assert_glance_error(&alice.try_create(body).await, status);
    }
    let id = "11111111-2222-3333-4444-555555555555";
    alice.create(json!({"id": id})).await;
    let dup = alice.try_create(json!({"id": id})).await;
    assert_glance_error(&dup, StatusCode::CONFLICT);
    let tags: Vec<String> = (0..129).map(|n| format!("t{n}")).collect();
    let r = alice.try_create(json!({"tags": tags})).await;
    assert_glance_error(&r, StatusCode::PAYLOAD_TOO_LARGE);
    let r = rita.try_create(json!({"name": "x"})).await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    r.assert_says("/message", "'member'");
    for raw in ["", "{", "\"x\""] {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/image/DFW/v2/images")
            .header("x-auth-token", &alice.token)
            .body(Body::from(raw))
            .expect("req");
        assert_glance_error(&app.send(request).await, StatusCode::BAD_REQUEST);
    }
}
