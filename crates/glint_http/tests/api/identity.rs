//! Identity v3: discovery, password tokens, validation, revocation, expiry and projects, in the
//! shapes Keystone's clients parse.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::{PASSWORD, TestApp, password_auth};

async fn acme() -> TestApp {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW", "IAD"]).await;
    app.account("beta", "112233", &["LON"]).await;
    app.user("alice", "acme", Role::Member).await;
    app.user("mia", "acme", Role::Manager).await;
    app.user("bob", "beta", Role::Reader).await;
    app
}

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

fn assert_keystone_401(r: &crate::app::TestResponse) {
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

#[tokio::test]
async fn projects_own_for_everyone_any_for_admin() {
    let app = acme().await;
    let alice = app.token("alice", "acme").await;
    let r = app
        .request(
            Method::GET,
            "/identity/v3/projects/554433",
            &[("x-auth-token", &alice)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["project"]["name"], "acme");
    assert_eq!(r.body["project"]["domain_id"], "default");
    for other in ["112233", "999999", "beta"] {
        let r = app
            .request(
                Method::GET,
                &format!("/identity/v3/projects/{other}"),
                &[("x-auth-token", &alice)],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{other}");
        assert_eq!(r.body["error"]["code"], 403);
    }
    let r = app
        .request(
            Method::GET,
            "/identity/v3/projects?name=beta",
            &[("x-auth-token", &alice)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let admin = app.token("admin", "admin").await;
    let r = app
        .request(
            Method::GET,
            "/identity/v3/projects/112233",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .request(
            Method::GET,
            "/identity/v3/projects/999999",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .request(
            Method::GET,
            "/identity/v3/projects?name=beta",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let names: Vec<_> = r.body["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(names, [json!("112233")]);
    let r = app
        .request(
            Method::GET,
            "/identity/v3/projects",
            &[("x-auth-token", &admin)],
            None,
        )
        .await;
    assert_eq!(r.body["projects"].as_array().map(Vec::len), Some(3));
}
