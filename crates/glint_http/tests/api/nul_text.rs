//! Text holding the NUL character, which PostgreSQL cannot store: on both engines alike, a
//! write of it is 400, a lookup by it finds nothing (404, an empty list), and a sign-in with it
//! is the same 401 as any failed sign-in; never 500.

use axum::http::StatusCode;
use glint_core::Role;
use serde_json::json;

use crate::app::{PASSWORD, TestApp};
use crate::spec::V21;

async fn run(app: TestApp) {
    app.account("acme", "554433", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let r = alice.try_create(json!({"name": "a\u{0}b"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    let image = alice.create(json!({"name": "fine"})).await;
    let note = json!([{"op": "add", "path": "/note", "value": "x\u{0}"}]);
    let r = alice.patch(&image, V21, note).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    for uri in [
        format!("{}%00", image.uri()),
        format!("{}%00/members", image.uri()),
        "/compute/DFW/v2.1/servers/%00".to_owned(),
    ] {
        let r = alice.get(&uri).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}: {:?}", r.body);
    }
    let r = alice.get("/image/DFW/v2/images?name=fine%00").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["images"], json!([]));
    let r = alice.add_member(&image, "11\u{0}22").await;
    assert!(!r.status.is_server_error(), "{:?}", r.body);
    let wrong = app.sign_in("alice", "wrong password", "acme").await;
    let nul = app.sign_in("ali\u{0}ce", PASSWORD, "acme").await;
    assert_eq!(nul.status, StatusCode::UNAUTHORIZED, "{:?}", nul.body);
    assert_eq!(nul.body, wrong.body);
}

#[tokio::test]
async fn nul_characters_are_refused_or_match_nothing_on_sqlite() {
    run(TestApp::new().await).await;
}

#[tokio::test]
async fn nul_characters_are_refused_or_match_nothing_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    run(app).await;
}
