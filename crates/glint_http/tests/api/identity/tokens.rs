//! Tokens: validation and its check, who may inspect whose token, revocation, and the 401 of
//! an expired, missing or made-up token.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_core::Role;

use super::{acme, assert_keystone_401};
use crate::app::TestApp;

#[tokio::test]
async fn tokens_validate_check_and_revoke() {
    let app = acme().await;
    let alice = app.token("alice", "acme").await;
    let headers = [
        ("x-auth-token", alice.as_str()),
        ("x-subject-token", alice.as_str()),
    ];
    let r = app
        .request(Method::GET, "/identity/v3/auth/tokens", &headers, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["token"]["user"]["name"], "alice");
    assert_eq!(r.header("x-subject-token"), Some(alice.as_str()));
    let r = app
        .request(Method::HEAD, "/identity/v3/auth/tokens", &headers, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // Another user's token is not alice's to inspect; the admin may.
    let bob = app.token("bob", "beta").await;
    let r = app
        .request(
            Method::GET,
            "/identity/v3/auth/tokens",
            &[("x-auth-token", &alice), ("x-subject-token", &bob)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = app.token("admin", "admin").await;
    let r = app
        .request(
            Method::GET,
            "/identity/v3/auth/tokens",
            &[("x-auth-token", &admin), ("x-subject-token", &bob)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let r = app
        .request(
            Method::DELETE,
            "/identity/v3/auth/tokens",
            &[("x-auth-token", &admin), ("x-subject-token", &alice)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .request(
            Method::GET,
            "/identity/v3/auth/tokens",
            &[("x-auth-token", &admin), ("x-subject-token", &alice)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error"]["code"], 404);
    // The revoked token no longer authenticates anything.
    let r = app
        .request(
            Method::GET,
            "/identity/v3/projects/554433",
            &[("x-auth-token", &alice)],
            None,
        )
        .await;
    assert_keystone_401(&r);
}

#[tokio::test]
async fn expired_and_missing_tokens_are_401() {
    let app = TestApp::with_token_lifetime(Duration::ZERO).await;
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    let expired = app.token("alice", "acme").await;
    let r = app
        .request(
            Method::GET,
            "/identity/v3/projects/554433",
            &[("x-auth-token", &expired)],
            None,
        )
        .await;
    assert_keystone_401(&r);
    let r = app
        .request(Method::GET, "/identity/v3/projects/554433", &[], None)
        .await;
    assert_keystone_401(&r);
    let r = app
        .request(
            Method::GET,
            "/identity/v3/projects/554433",
            &[("x-auth-token", "made-up")],
            None,
        )
        .await;
    assert_keystone_401(&r);
}
