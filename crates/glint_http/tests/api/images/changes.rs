//! Changing an image: PATCH in both media types and what it may not change, who may see and
//! who may change (404 for strangers, 403 for seers), tags, deactivation of images without
//! data, protection and delete.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::spec::worlds::two_accounts;
use crate::spec::{V20, V21, assert_glance_error};

#[tokio::test]
async fn patch_in_both_media_types() {
    let (_app, alice, _, _) = two_accounts().await;
    let image = alice.create(json!({"name": "a", "team": "x"})).await;
    let r = alice.patch(&image, V21, json!([{"op": "replace", "path": "/name", "value": "b"}, {"op": "add", "path": "/os_distro", "value": "debian"}, {"op": "remove", "path": "/team"}])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["name"], "b");
    assert_eq!(r.body["os_distro"], "debian");
    assert!(r.body.get("team").is_none());
    let r = alice
        .patch(&image, V20, json!([{"replace": "/name", "value": "c"}]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["name"], "c");
    let refused = [
        (V20, json!([{"add": "/os_distro", "value": "again"}]), 409),
        ("application/json", json!([]), 415),
        (V20, json!([{"add": "/os_glance_foo", "value": "bar"}]), 403),
        (
            V21,
            json!([{"op": "replace", "path": "/visibility", "value": "public"}]),
            403,
        ),
        (
            V21,
            json!([{"op": "replace", "path": "/owner", "value": "1"}]),
            403,
        ),
    ];
    for (media, ops, status) in refused {
        let r = alice.patch(&image, media, ops).await;
        assert_glance_error(&r, StatusCode::from_u16(status).expect("status"));
        if status == 415 {
            assert!(
                r.header("accept-patch")
                    .is_some_and(|h| h.contains("v2.0-json-patch"))
            );
        }
    }
    let shown = alice.image(&image).await;
    assert_eq!(shown["name"], "c", "failed patches change nothing");
}

#[tokio::test]
async fn strangers_get_404_and_seers_who_may_not_change_get_403() {
    let (app, alice, rita, bob) = two_accounts().await;
    let image = alice.create(json!({"name": "mine"})).await;
    let uri = image.uri();
    for (method, path) in [
        (Method::GET, uri.clone()),
        (Method::DELETE, uri.clone()),
        (Method::PUT, format!("{uri}/tags/x")),
    ] {
        assert_glance_error(&bob.call(method, &path, None).await, StatusCode::NOT_FOUND);
    }
    let r = bob.patch(&image, V21, json!([])).await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    // A reader of the owning account sees it but may not change it.
    assert_eq!(rita.show(&image).await.status, StatusCode::OK);
    assert_glance_error(&rita.delete(&image).await, StatusCode::FORBIDDEN);
    // A public image is seen by all and changed by none but its owner.
    let admin = app.cloud_admin().await;
    let public = admin
        .create(json!({"name": "std", "visibility": "public"}))
        .await;
    assert_eq!(bob.show(&public).await.status, StatusCode::OK);
    assert_glance_error(&bob.delete(&public).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn tags_actions_and_delete() {
    let (_app, alice, _, _) = two_accounts().await;
    let image = alice.create(json!({"protected": true})).await;
    let tag = format!("{}/tags/blue", image.uri());
    for _ in 0..2 {
        let r = alice.call(Method::PUT, &tag, None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "adding a tag twice");
    }
    assert_eq!(alice.image(&image).await["tags"], json!(["blue"]));
    let r = alice.call(Method::DELETE, &tag, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = alice.call(Method::DELETE, &tag, None).await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    // Only active images can be deactivated.
    let r = alice.act(&image, "deactivate").await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    assert_glance_error(&alice.delete(&image).await, StatusCode::FORBIDDEN);
    let r = alice
        .patch(
            &image,
            V20,
            json!([{"replace": "/protected", "value": false}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(alice.delete(&image).await.status, StatusCode::NO_CONTENT);
    assert_glance_error(&alice.show(&image).await, StatusCode::NOT_FOUND);
    assert_glance_error(&alice.delete(&image).await, StatusCode::NOT_FOUND);
}
