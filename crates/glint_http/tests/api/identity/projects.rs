//! Projects: every user sees its own account's, the admin any.

use axum::http::StatusCode;
use serde_json::json;

use super::acme;

#[tokio::test]
async fn projects_own_for_everyone_any_for_admin() {
    let app = acme().await;
    let alice = app.signed_in("alice", "acme").await;
    let r = alice.get("/identity/v3/projects/554433").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["project"]["name"], "acme");
    assert_eq!(r.body["project"]["domain_id"], "default");
    for other in ["112233", "999999", "beta"] {
        let r = alice.get(&format!("/identity/v3/projects/{other}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{other}");
        assert_eq!(r.body["error"]["code"], 403);
    }
    let r = alice.get("/identity/v3/projects?name=beta").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let admin = app.cloud_admin().await;
    let r = admin.get("/identity/v3/projects/112233").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = admin.get("/identity/v3/projects/999999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = admin.get("/identity/v3/projects?name=beta").await;
    assert_eq!(r.status, StatusCode::OK);
    let names: Vec<_> = r.body["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(names, [json!("112233")]);
    let r = admin.get("/identity/v3/projects").await;
    assert_eq!(r.body["projects"].as_array().map(Vec::len), Some(3));
}
