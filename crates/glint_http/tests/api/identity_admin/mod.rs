//! Keystone's admin subset as specs, on SQLite and PostgreSQL: projects, users, the
//! self-service password change, roles, role assignments and the domain, with Glint's roles
//! (the admin administers everything, an account's manager the users of its own account) and
//! the isolation between accounts.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::Value;

use crate::app::{Setup, TestApp, TestResponse};

mod concurrency;
mod isolation;
mod operator;
mod panel;
mod projects;
mod roles;
mod users;

pub(crate) use crate::app::{Engine, on_both_engines};

pub const ACME: &str = "554433";
pub const BETA: &str = "112233";

/// acme (554433: manager mia, member alice, reader rita) and beta (112233: manager ben,
/// member bob) beside the bootstrap admin; `None` when PostgreSQL is asked for and not
/// configured.
pub async fn world(engine: Engine) -> Option<TestApp> {
    let app = TestApp::on(engine, Setup::default()).await?;
    app.account("acme", ACME, &["DFW"]).await;
    app.account("beta", BETA, &["DFW"]).await;
    app.user("mia", "acme", Role::Manager).await;
    app.user("alice", "acme", Role::Member).await;
    app.user("rita", "acme", Role::Reader).await;
    app.user("ben", "beta", Role::Manager).await;
    app.user("bob", "beta", Role::Member).await;
    Some(app)
}

/// The id of the user named `name`.
pub async fn id_of(app: &TestApp, name: &str) -> String {
    glint_db::users::find_by_name(&app.db, name)
        .await
        .expect("read")
        .expect("user")
        .user
        .id
        .as_str()
        .to_owned()
}

/// `GET` on the identity API.
pub async fn get(app: &TestApp, token: &str, path: &str) -> TestResponse {
    app.call(token, Method::GET, &format!("/identity/v3{path}"), None)
        .await
}

/// A call on the identity API.
pub async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    app.call(token, method, &format!("/identity/v3{path}"), body)
        .await
}

/// Asserts a Keystone error: the status, and `{"error": {"code", "title", "message"}}`.
pub fn assert_keystone_error(r: &TestResponse, status: StatusCode) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], status.as_u16(), "{:?}", r.body);
    assert_eq!(
        r.body["error"]["title"],
        status.canonical_reason().expect("reason"),
        "{:?}",
        r.body
    );
    assert!(r.body["error"]["message"].is_string(), "{:?}", r.body);
}

/// The `name`s of a list's items.
pub fn names(body: &Value, key: &str) -> Vec<String> {
    body[key]
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v["name"].as_str().expect("name").to_owned())
        .collect()
}
