//! Identity v3: discovery and the catalog, password sign-in and its refusals, token
//! validation, revocation and expiry, and projects, in the shapes Keystone's clients parse.

mod catalog;
mod projects;
mod sign_in;
mod tokens;

use axum::http::StatusCode;
use glint_core::Role;

use crate::app::{TestApp, TestResponse};

/// Accounts acme (554433: alice member, mia manager; DFW and IAD) and beta (112233: bob
/// reader; LON).
async fn acme() -> TestApp {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW", "IAD"]).await;
    app.account("beta", "112233", &["LON"]).await;
    app.user("alice", "acme", Role::Member).await;
    app.user("mia", "acme", Role::Manager).await;
    app.user("bob", "beta", Role::Reader).await;
    app
}

#[track_caller]
fn assert_keystone_401(r: &TestResponse) {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], 401);
    assert_eq!(r.body["error"]["title"], "Unauthorized");
    assert_eq!(
        r.body["error"]["message"],
        "The request you have made requires authentication."
    );
    assert_eq!(
        r.header("www-authenticate"),
        Some("Keystone uri=\"http://glint.test/identity/v3\"")
    );
}
