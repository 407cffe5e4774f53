//! Image API v2 records: version discovery, create with its checks, show, update with both
//! PATCH media types, tags, deactivate/reactivate, delete, and Glance's error shape.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::TestApp;

pub const V21: &str = "application/openstack-images-v2.1-json-patch";
pub const V20: &str = "application/openstack-images-v2.0-json-patch";

/// Accounts acme (554433: alice member, rita reader) and beta (112233: bob member), all in DFW.
pub async fn two_accounts() -> (TestApp, String, String, String) {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW", "IAD"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    app.user("rita", "acme", Role::Reader).await;
    app.user("bob", "beta", Role::Member).await;
    let alice = app.token("alice", "acme").await;
    let rita = app.token("rita", "acme").await;
    let bob = app.token("bob", "beta").await;
    (app, alice, rita, bob)
}

pub async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app
        .call(token, Method::POST, "/image/DFW/v2/images", Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

fn assert_glance_error(r: &crate::app::TestResponse, status: StatusCode) {
    assert_eq!(r.status, status, "{:?}", r.body);
    // WebOb's titles: the standard reason phrases but for 413 and 416.
    let reason = match status.as_u16() {
        413 => "Request Entity Too Large",
        416 => "Request Range Not Satisfiable",
        _ => status.canonical_reason().expect("reason"),
    };
    assert_eq!(r.body["code"], format!("{} {reason}", status.as_u16()));
    assert_eq!(r.body["title"], reason);
    assert!(r.body["message"].is_string());
}

#[tokio::test]
async fn versions_document_at_the_region_endpoint() {
    let app = TestApp::new().await;
    for path in ["/image/DFW", "/image/DFW/", "/image/DFW/v1/images"] {
        let r = app.request(Method::GET, path, &[], None).await;
        assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES, "{path}");
        let v = &r.body["versions"][0];
        assert_eq!(v["status"], "CURRENT");
        assert_eq!(v["links"][0]["href"], "http://glint.test/image/DFW/v2/");
    }
    let r = app
        .request(Method::GET, "/image/DFW/versions", &[], None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body["versions"]
            .as_array()
            .is_some_and(|v| v.iter().any(|v| v["id"] == "v2.0"))
    );
}

#[tokio::test]
async fn image_api_needs_a_token_and_answers_401_in_glances_shape() {
    let app = TestApp::new().await;
    let r = app
        .request(Method::GET, "/image/DFW/v2/images/x", &[], None)
        .await;
    assert_glance_error(&r, StatusCode::UNAUTHORIZED);
    assert!(
        r.header("www-authenticate")
            .is_some_and(|h| h.starts_with("Keystone uri="))
    );
    assert!(r.header("x-openstack-request-id").is_some());
}

#[tokio::test]
async fn create_defaults_and_every_base_key() {
    let (app, alice, _, _) = two_accounts().await;
    let r = app
        .call(
            &alice,
            Method::POST,
            "/image/DFW/v2/images",
            Some(json!({"name": "web", "ramdisk_id": "00000000-1111-2222-3333-444455556666"})),
        )
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

    let shown = app
        .call(
            &alice,
            Method::GET,
            &format!("/image/DFW/v2/images/{id}"),
            None,
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body, r.body);
    // The image exists only in its region.
    let elsewhere = app
        .call(
            &alice,
            Method::GET,
            &format!("/image/IAD/v2/images/{id}"),
            None,
        )
        .await;
    assert_glance_error(&elsewhere, StatusCode::NOT_FOUND);
    // The same id under a versioned prefix.
    let v21 = app
        .call(
            &alice,
            Method::GET,
            &format!("/image/DFW/v2.1/images/{id}"),
            None,
        )
        .await;
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
        let r = app
            .call(
                &alice,
                Method::POST,
                "/image/DFW/v2/images",
                Some(body.clone()),
            )
            .await;
        assert_glance_error(&r, status);
        let _ = body;
    }
    let id = "11111111-2222-3333-4444-555555555555";
    create(&app, &alice, json!({"id": id})).await;
    let dup = app
        .call(
            &alice,
            Method::POST,
            "/image/DFW/v2/images",
            Some(json!({"id": id})),
        )
        .await;
    assert_glance_error(&dup, StatusCode::CONFLICT);
    let tags: Vec<String> = (0..129).map(|n| format!("t{n}")).collect();
    let r = app
        .call(
            &alice,
            Method::POST,
            "/image/DFW/v2/images",
            Some(json!({"tags": tags})),
        )
        .await;
    assert_glance_error(&r, StatusCode::PAYLOAD_TOO_LARGE);
    let r = app
        .call(
            &rita,
            Method::POST,
            "/image/DFW/v2/images",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("'member'")),
        "names the role: {:?}",
        r.body
    );
    for raw in ["", "{", "\"x\""] {
        let r = app
            .send(
                axum::http::Request::builder()
                    .method(Method::POST)
                    .uri("/image/DFW/v2/images")
                    .header("x-auth-token", &alice)
                    .body(axum::body::Body::from(raw))
                    .expect("req"),
            )
            .await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn patch_in_both_media_types() {
    let (app, alice, _, _) = two_accounts().await;
    let image = create(&app, &alice, json!({"name": "a", "team": "x"})).await;
    let uri = format!("/image/DFW/v2/images/{}", image["id"].as_str().expect("id"));
    let r = app.patch(&alice, &uri, V21, json!([{"op": "replace", "path": "/name", "value": "b"}, {"op": "add", "path": "/os_distro", "value": "debian"}, {"op": "remove", "path": "/team"}])).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["name"], "b");
    assert_eq!(r.body["os_distro"], "debian");
    assert!(r.body.get("team").is_none());
    let r = app
        .patch(
            &alice,
            &uri,
            V20,
            json!([{"replace": "/name", "value": "c"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["name"], "c");
    let r = app
        .patch(
            &alice,
            &uri,
            V20,
            json!([{"add": "/os_distro", "value": "again"}]),
        )
        .await;
    assert_glance_error(&r, StatusCode::CONFLICT);
    let r = app.patch(&alice, &uri, "application/json", json!([])).await;
    assert_glance_error(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        r.header("accept-patch")
            .is_some_and(|h| h.contains("v2.0-json-patch"))
    );
    let r = app
        .patch(
            &alice,
            &uri,
            V20,
            json!([{"add": "/os_glance_foo", "value": "bar"}]),
        )
        .await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let r = app
        .patch(
            &alice,
            &uri,
            V21,
            json!([{"op": "replace", "path": "/visibility", "value": "public"}]),
        )
        .await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let r = app
        .patch(
            &alice,
            &uri,
            V21,
            json!([{"op": "replace", "path": "/owner", "value": "1"}]),
        )
        .await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let shown = app.call(&alice, Method::GET, &uri, None).await;
    assert_eq!(shown.body["name"], "c", "failed patches change nothing");
}

#[tokio::test]
async fn strangers_get_404_and_seers_who_may_not_change_get_403() {
    let (app, alice, rita, bob) = two_accounts().await;
    let image = create(&app, &alice, json!({"name": "mine"})).await;
    let uri = format!("/image/DFW/v2/images/{}", image["id"].as_str().expect("id"));
    for (method, path) in [
        (Method::GET, uri.clone()),
        (Method::DELETE, uri.clone()),
        (Method::PUT, format!("{uri}/tags/x")),
    ] {
        let r = app.call(&bob, method, &path, None).await;
        assert_glance_error(&r, StatusCode::NOT_FOUND);
    }
    let r = app.patch(&bob, &uri, V21, json!([])).await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    // A reader of the owning account sees it but may not change it.
    assert_eq!(
        app.call(&rita, Method::GET, &uri, None).await.status,
        StatusCode::OK
    );
    let r = app.call(&rita, Method::DELETE, &uri, None).await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    // A public image is seen by all and changed by none but its owner.
    let admin = app.token("admin", "admin").await;
    let public = create(&app, &admin, json!({"name": "std", "visibility": "public"})).await;
    let puri = format!(
        "/image/DFW/v2/images/{}",
        public["id"].as_str().expect("id")
    );
    assert_eq!(
        app.call(&bob, Method::GET, &puri, None).await.status,
        StatusCode::OK
    );
    assert_glance_error(
        &app.call(&bob, Method::DELETE, &puri, None).await,
        StatusCode::FORBIDDEN,
    );
}

#[tokio::test]
async fn tags_actions_and_delete() {
    let (app, alice, _, _) = two_accounts().await;
    let image = create(&app, &alice, json!({"protected": true})).await;
    let uri = format!("/image/DFW/v2/images/{}", image["id"].as_str().expect("id"));
    assert_eq!(
        app.call(&alice, Method::PUT, &format!("{uri}/tags/blue"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(&alice, Method::PUT, &format!("{uri}/tags/blue"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(&alice, Method::GET, &uri, None).await.body["tags"],
        json!(["blue"])
    );
    assert_eq!(
        app.call(&alice, Method::DELETE, &format!("{uri}/tags/blue"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_glance_error(
        &app.call(&alice, Method::DELETE, &format!("{uri}/tags/blue"), None)
            .await,
        StatusCode::NOT_FOUND,
    );
    // Only active images can be deactivated.
    assert_glance_error(
        &app.call(
            &alice,
            Method::POST,
            &format!("{uri}/actions/deactivate"),
            None,
        )
        .await,
        StatusCode::FORBIDDEN,
    );
    assert_glance_error(
        &app.call(&alice, Method::DELETE, &uri, None).await,
        StatusCode::FORBIDDEN,
    );
    let r = app
        .patch(
            &alice,
            &uri,
            V20,
            json!([{"replace": "/protected", "value": false}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        app.call(&alice, Method::DELETE, &uri, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_glance_error(
        &app.call(&alice, Method::GET, &uri, None).await,
        StatusCode::NOT_FOUND,
    );
    assert_glance_error(
        &app.call(&alice, Method::DELETE, &uri, None).await,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn request_ids_are_echoed_or_refused_when_too_long() {
    let app = TestApp::new().await;
    let r = app
        .request(
            Method::GET,
            "/image/DFW/versions",
            &[("x-openstack-request-id", "req-mine")],
            None,
        )
        .await;
    assert_eq!(r.header("x-openstack-request-id"), Some("req-mine"));
    let long = "x".repeat(65);
    let r = app
        .request(
            Method::GET,
            "/image/DFW/versions",
            &[("x-openstack-request-id", &long)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
}

#[tokio::test]
async fn errors_follow_the_accept_header_as_glance_does() {
    let (app, alice, _, _) = two_accounts().await;
    let uri = "/image/DFW/v2/images/11111111-2222-3333-4444-555555555555";
    let html = app
        .request(
            Method::GET,
            uri,
            &[("x-auth-token", &alice), ("accept", "*/*")],
            None,
        )
        .await;
    assert_eq!(html.status, StatusCode::NOT_FOUND);
    assert!(
        html.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert!(
        html.body
            .as_str()
            .is_some_and(|b| b.contains("<h1>404 Not Found</h1>")),
        "{:?}",
        html.body
    );
    let (_, headers, _) = app.raw(&alice, Method::GET, uri, &[], vec![]).await;
    let kind = headers.get("content-type").and_then(|v| v.to_str().ok());
    assert!(
        kind.is_some_and(|c| c.starts_with("text/html")),
        "no Accept: {kind:?}"
    );
    let plain = app
        .request(
            Method::GET,
            uri,
            &[("x-auth-token", &alice), ("accept", "text/plain")],
            None,
        )
        .await;
    assert!(
        plain
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/plain"))
    );
    let json = app
        .request(
            Method::GET,
            uri,
            &[("x-auth-token", &alice), ("accept", "application/json")],
            None,
        )
        .await;
    assert_eq!(json.body["code"], "404 Not Found");
}

#[tokio::test]
async fn routing_errors_are_json() {
    let (app, alice, _, _) = two_accounts().await;
    for method in [Method::GET, Method::DELETE] {
        let r = app
            .call(&alice, method, "/image/DFW/v2/images/", None)
            .await;
        assert_glance_error(&r, StatusCode::NOT_FOUND);
    }
    let image = create(&app, &alice, json!({})).await;
    let r = app
        .call(
            &alice,
            Method::POST,
            &format!("/image/DFW/v2/images/{}", image["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_glance_error(&r, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.header("allow")
            .is_some_and(|a| a.contains("GET") && a.contains("PATCH"))
    );
    let r = app
        .request(
            Method::GET,
            "/image/DFW/v2/images/x",
            &[("x-auth-token", &alice), ("content-length", "2")],
            Some(json!({})),
        )
        .await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
}
