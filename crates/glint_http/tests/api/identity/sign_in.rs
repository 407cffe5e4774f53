//! Password sign-in: the token's shape and effective roles, scopes by name, domain id and
//! project id, the one 401 for every failure, and 400 for malformed requests.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{acme, assert_keystone_401};
use crate::app::{PASSWORD, password_auth};

#[tokio::test]
async fn password_token_has_keystones_shape_and_effective_roles() {
    let app = acme().await;
    let r = app.sign_in("alice", PASSWORD, "acme").await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert!(r.header("x-subject-token").is_some_and(|t| t.len() >= 40));
    let t = &r.body["token"];
    assert_eq!(t["methods"], json!(["password"]));
    assert_eq!(t["user"]["name"], "alice");
    assert_eq!(
        t["user"]["domain"],
        json!({"id": "default", "name": "Default"})
    );
    assert_eq!(
        t["project"],
        json!({"id": "554433", "name": "acme", "domain": {"id": "default", "name": "Default"}})
    );
    for key in ["expires_at", "issued_at"] {
        let at = t[key].as_str().expect("time");
        assert!(at.ends_with('Z') && at.len() == 27, "{key}: {at}");
    }
    assert_eq!(t["audit_ids"].as_array().map(Vec::len), Some(1));
    let roles: Vec<_> = t["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(roles, [json!("member"), json!("reader")]);

    let mia = app.sign_in("mia", PASSWORD, "acme").await;
    let roles: Vec<_> = mia.body["token"]["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(roles, [json!("manager"), json!("member"), json!("reader")]);
}

#[tokio::test]
async fn scope_by_domain_id_and_by_project_id() {
    let app = acme().await;
    let by_domain_id = password_auth(
        "alice",
        PASSWORD,
        json!({"name": "acme", "domain": {"id": "default"}}),
    );
    let r = app
        .request(
            Method::POST,
            "/identity/v3/auth/tokens",
            &[],
            Some(by_domain_id),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let by_id = password_auth("alice", PASSWORD, json!({"id": "554433"}));
    let r = app
        .request(Method::POST, "/identity/v3/auth/tokens", &[], Some(by_id))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["token"]["project"]["name"], "acme");
}

#[tokio::test]
async fn every_failed_sign_in_is_the_same_401() {
    let app = acme().await;
    assert_keystone_401(&app.sign_in("alice", "wrong", "acme").await);
    assert_keystone_401(&app.sign_in("nobody", PASSWORD, "acme").await);
    assert_keystone_401(&app.sign_in("alice", PASSWORD, "no-such-project").await);
    // alice has no role in beta
    assert_keystone_401(&app.sign_in("alice", PASSWORD, "beta").await);
    let other_domain = password_auth(
        "alice",
        PASSWORD,
        json!({"name": "acme", "domain": {"name": "Elsewhere"}}),
    );
    assert_keystone_401(
        &app.request(
            Method::POST,
            "/identity/v3/auth/tokens",
            &[],
            Some(other_domain),
        )
        .await,
    );
}

#[tokio::test]
async fn malformed_sign_ins_are_400_in_keystones_shape() {
    let app = acme().await;
    let r = app
        .request(
            Method::POST,
            "/identity/v3/auth/tokens",
            &[],
            Some(json!({"auth": {}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["code"], 400);
    assert_eq!(r.body["error"]["title"], "Bad Request");
    let token_method = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "x"}}}});
    let r = app
        .request(
            Method::POST,
            "/identity/v3/auth/tokens",
            &[],
            Some(token_method),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("password")
    );
}
