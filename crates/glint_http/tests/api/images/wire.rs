//! The Image API's wire around its records: version discovery and negotiation, the 401 without
//! a token, request ids, error bodies that follow `Accept` as Glance's do, and the router's own
//! 404 and 405 in Glance's JSON shape.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::{Setup, TestApp};
use crate::spec::assert_glance_error;
use crate::spec::worlds::two_accounts;

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

/// The ids the versions document lists, in order.
fn listed(body: &serde_json::Value) -> Vec<String> {
    body["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_versions_follow_the_stores_and_the_cache_as_glance_lists_them() {
    let plain = TestApp::new().await;
    let r = plain.request(Method::GET, "/image/DFW", &[], None).await;
    let ids = listed(&r.body);
    assert_eq!(ids[0], "v2.15", "{ids:?}");
    assert!(ids.contains(&"v2.9".to_owned()), "{ids:?}");
    for absent in ["v2.8", "v2.12", "v2.14", "v2.16", "v2.17"] {
        assert!(!ids.contains(&absent.to_owned()), "{absent}: {ids:?}");
    }
    let r = plain
        .request(Method::GET, "/image/DFW/v2.12/images", &[], None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::MULTIPLE_CHOICES,
        "not listed, not served"
    );

    let full = TestApp::with(Setup {
        named_stores: &[("fast", 100, true), ("cheap", 10, false)],
        image_cache: Some(1 << 20),
        ..Setup::default()
    })
    .await;
    let r = full
        .request(Method::GET, "/image/DFW/versions", &[], None)
        .await;
    let ids = listed(&r.body);
    let expected = [
        "v2.16", "v2.15", "v2.14", "v2.13", "v2.12", "v2.11", "v2.10", "v2.9", "v2.8", "v2.7",
        "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0",
    ];
    assert_eq!(ids, expected);
    assert_eq!(r.body["versions"][0]["status"], "CURRENT");
    assert_eq!(r.body["versions"][1]["status"], "SUPPORTED");
    let r = full
        .request(Method::GET, "/image/DFW/v2.12/images", &[], None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "served as /v2/: {:?}",
        r.body
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
    let alice = alice.token.as_str();
    let uri = "/image/DFW/v2/images/11111111-2222-3333-4444-555555555555";
    let html = app
        .request(
            Method::GET,
            uri,
            &[("x-auth-token", alice), ("accept", "*/*")],
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
    let (_, headers, _) = app.raw(alice, Method::GET, uri, &[], vec![]).await;
    let kind = headers.get("content-type").and_then(|v| v.to_str().ok());
    assert!(
        kind.is_some_and(|c| c.starts_with("text/html")),
        "no Accept: {kind:?}"
    );
    let plain = app
        .request(
            Method::GET,
            uri,
            &[("x-auth-token", alice), ("accept", "text/plain")],
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
            &[("x-auth-token", alice), ("accept", "application/json")],
            None,
        )
        .await;
    assert_eq!(json.body["code"], "404 Not Found");
}

#[tokio::test]
async fn routing_errors_are_json() {
    let (app, alice, _, _) = two_accounts().await;
    for method in [Method::GET, Method::DELETE] {
        let r = alice.call(method, "/image/DFW/v2/images/", None).await;
        assert_glance_error(&r, StatusCode::NOT_FOUND);
    }
    let image = alice.create(json!({})).await;
    let r = alice.call(Method::POST, &image.uri(), None).await;
    assert_glance_error(&r, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        r.header("allow")
            .is_some_and(|a| a.contains("GET") && a.contains("PATCH"))
    );
    let r = app
        .request(
            Method::GET,
            "/image/DFW/v2/images/x",
            &[("x-auth-token", &alice.token), ("content-length", "2")],
            Some(json!({})),
        )
        .await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
}
