//! The member API's codes as the reference answers them, call by call, and its quota, which is
//! checked before duplicates.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::json;

use super::reference_world;
use crate::app::TestApp;
use crate::spec::V21;

#[tokio::test]
async fn member_api_codes_follow_the_reference() {
    let w = reference_world(TestApp::new().await).await;
    let (t1, t2, t3, image) = (&w.t1, &w.t2, &w.t3, &w.shared);
    let r = t1.add_member(image, "1003").await;
    assert_eq!(r.status, StatusCode::OK);
    let keys: Vec<&str> = r
        .body
        .as_object()
        .expect("member")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["schema"], "/v2/schemas/member");
    assert_eq!(
        t1.add_member(image, "1003").await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(t1.add_member(image, "1004").await.status, StatusCode::OK);
    let r = t1
        .call(Method::POST, &image.members(), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        t1.add_member(image, "").await.status,
        StatusCode::BAD_REQUEST
    );
    // The owner lists both; a member sees only its own row; a stranger gets 404.
    let listed = t1.members(image).await;
    assert_eq!(listed.body["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed.body["schema"], "/v2/schemas/members");
    let own = t3.members(image).await;
    assert_eq!(own.body["members"].as_array().map(Vec::len), Some(1));
    assert_eq!(t3.member(image, "1004").await.status, StatusCode::NOT_FOUND);
    assert_eq!(t2.members(image).await.status, StatusCode::NOT_FOUND);
    // The owner may not answer for the consumer; a bad status is 400.
    let r = t1.answer_for(image, "1003", "accepted").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t3.answer(image, "notavalidstatus").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Any transition: rejected, then accepted, then pending again.
    for status in ["rejected", "accepted", "pending"] {
        assert_eq!(t3.answer(image, status).await.body["status"], status);
    }
    // The member may not remove itself; removing and re-adding makes a new pending share.
    assert_eq!(
        t3.remove_member(image, "1003").await.status,
        StatusCode::FORBIDDEN
    );
    t3.reject(image).await;
    assert_eq!(
        t1.remove_member(image, "1003").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t1.remove_member(image, "1003").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t3.show(image).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t1.add_member(image, "1003").await.body["status"], "pending");
    // Only shared images have members; visibility changes keep the rows.
    let private = json!([{"op": "replace", "path": "/visibility", "value": "private"}]);
    assert_eq!(t1.patch(image, V21, private).await.status, StatusCode::OK);
    let r = t1.members(image).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_says("/message", "Only shared images have members");
    assert_eq!(
        t1.add_member(image, "1002").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t1.member(image, "1004").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t1.remove_member(image, "1004").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t3.show(image).await.status, StatusCode::NOT_FOUND);
    let shared = json!([{"op": "replace", "path": "/visibility", "value": "shared"}]);
    t1.patch(image, V21, shared).await;
    let r = t1.members(image).await;
    assert_eq!(
        r.body["members"].as_array().map(Vec::len),
        Some(2),
        "rows survive: {:?}",
        r.body
    );
    assert_eq!(t3.show(image).await.status, StatusCode::OK);
}

#[tokio::test]
async fn member_quota_is_checked_before_duplicates() {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let image = alice.create(json!({})).await;
    for n in 0..128 {
        let number = format!("{}", 9000 + n);
        assert_eq!(
            alice.add_member(&image, &number).await.status,
            StatusCode::OK
        );
    }
    let r = alice.add_member(&image, "9000").await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", r.body);
}
