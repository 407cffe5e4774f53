//! Discovery of the identity API, and the catalog a token carries: exactly the account's
//! regions, every interface, and none with `?nocatalog`.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::acme;
use crate::app::{PASSWORD, TestApp, password_auth};

fn endpoints_of<'a>(token: &'a Value, service_type: &str) -> Vec<&'a Value> {
    token["token"]["catalog"]
        .as_array()
        .expect("catalog")
        .iter()
        .filter(|s| s["type"] == service_type)
        .flat_map(|s| s["endpoints"].as_array().expect("endpoints"))
        .collect()
}

fn regions_of(token: &Value, service_type: &str) -> Vec<String> {
    let mut regions: Vec<String> = endpoints_of(token, service_type)
        .iter()
        .map(|e| e["region"].as_str().expect("region").to_owned())
        .collect();
    regions.dedup();
    regions
}

#[tokio::test]
async fn discovery_lists_v3() {
    let app = TestApp::new().await;
    let r = app.request(Method::GET, "/identity", &[], None).await;
    assert_eq!(r.status, StatusCode::MULTIPLE_CHOICES);
    let v = &r.body["versions"]["values"][0];
    assert_eq!(v["id"], "v3.14");
    assert_eq!(v["status"], "stable");
    assert_eq!(v["links"][0]["href"], "http://glint.test/identity/v3/");
    let r = app.request(Method::GET, "/identity/v3", &[], None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["version"]["id"], "v3.14");
    assert!(
        r.header("x-openstack-request-id")
            .is_some_and(|id| id.starts_with("req-"))
    );
}

#[tokio::test]
async fn catalog_lists_exactly_the_accounts_regions() {
    let app = acme().await;
    let r = app.sign_in("alice", PASSWORD, "acme").await;
    assert_eq!(regions_of(&r.body, "image"), ["DFW", "IAD"]);
    assert_eq!(regions_of(&r.body, "compute"), ["DFW", "IAD"]);
    assert_eq!(regions_of(&r.body, "identity"), ["DFW", "IAD"]);
    let image = endpoints_of(&r.body, "image");
    let interfaces: Vec<_> = image
        .iter()
        .take(3)
        .map(|e| e["interface"].clone())
        .collect();
    assert_eq!(
        interfaces,
        [json!("public"), json!("internal"), json!("admin")]
    );
    assert_eq!(image[0]["url"], "http://glint.test/image/DFW");
    assert_eq!(image[0]["region_id"], "DFW");
    assert_eq!(
        endpoints_of(&r.body, "compute")[0]["url"],
        "http://glint.test/compute/DFW/v2.1"
    );
    assert!(!r.body.to_string().contains("LON"));

    let r = app.sign_in("bob", PASSWORD, "beta").await;
    assert_eq!(regions_of(&r.body, "image"), ["LON"]);

    let r = app
        .request(
            Method::POST,
            "/identity/v3/auth/tokens?nocatalog",
            &[],
            Some(password_auth("alice", PASSWORD, json!({"id": "554433"}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(r.body["token"].get("catalog").is_none());
}
