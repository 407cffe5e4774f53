//! Validated tokens are remembered for a few seconds per node: a revocation on the same node
//! and a token's expiry still apply at once; another node notices a revocation after at most
//! the cache's lifetime.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_app::{
    AdminService, IdentityService, PasswordAuth, ProjectScope, TokenCacheSettings, UserRef,
};
use glint_core::Role;
use glint_db::Db;

use crate::app::{PASSWORD, TestApp};

async fn project(app: &TestApp, token: &str) -> StatusCode {
    app.request(
        Method::GET,
        "/identity/v3/projects/554433",
        &[("x-auth-token", token)],
        None,
    )
    .await
    .status
}

#[tokio::test]
async fn a_token_revoked_on_this_node_is_refused_at_once() {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    let alice = app.token("alice", "acme").await;
    // Validated (and remembered) twice, then revoked by its own user.
    assert_eq!(project(&app, &alice).await, StatusCode::OK);
    assert_eq!(project(&app, &alice).await, StatusCode::OK);
    let r = app
        .request(
            Method::DELETE,
            "/identity/v3/auth/tokens",
            &[("x-auth-token", &alice), ("x-subject-token", &alice)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(project(&app, &alice).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_remembered_token_still_expires_on_time() {
    let app = TestApp::with_token_lifetime(Duration::from_secs(1)).await;
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    let alice = app.token("alice", "acme").await;
    assert_eq!(project(&app, &alice).await, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(project(&app, &alice).await, StatusCode::UNAUTHORIZED);
}

fn node(db: &Db, lifetime: Duration) -> IdentityService {
    IdentityService::new(db.clone(), Duration::from_secs(3600)).with_token_cache(
        TokenCacheSettings {
            lifetime,
            capacity: 100,
        },
    )
}

async fn other_nodes_see_a_revocation_within_the_cache_lifetime(db: &Db) {
    let admin = AdminService::new(db.clone());
    admin
        .bootstrap(&["DFW".into(), "IAD".into()], Some(PASSWORD.into()))
        .await
        .expect("bootstrap");
    admin
        .create_account("acme", Some("554433"), Some(&["IAD".into(), "DFW".into()]))
        .await
        .expect("account");
    admin
        .create_account("empty", Some("554434"), Some(&[]))
        .await
        .expect("account");
    for (user, account) in [("alice", "acme"), ("eve", "empty")] {
        admin
            .create_user(user, account, Role::Member, PASSWORD.into())
            .await
            .expect("user");
    }
    let lifetime = Duration::from_millis(400);
    let (a, b) = (node(db, lifetime), node(db, lifetime));
    let sign_in = |user: &str, account: &str| PasswordAuth {
        user: UserRef::Name {
            name: user.into(),
            domain: None,
        },
        password: PASSWORD.into(),
        scope: ProjectScope::Id(account.into()),
        client: None,
    };
    let eve = a.sign_in(sign_in("eve", "554434")).await.expect("eve");
    assert!(
        a.validate(&eve.secret)
            .await
            .expect("eve")
            .regions
            .is_empty()
    );
    let alice = a.sign_in(sign_in("alice", "554433")).await.expect("alice");
    let seen = a.validate(&alice.secret).await.expect("valid on a");
    let regions: Vec<&str> = seen.regions.iter().map(|r| r.as_str()).collect();
    assert_eq!(regions, ["DFW", "IAD"]);
    assert!(b.revoke(&alice.secret).await.expect("revoke on b"));
    assert!(
        b.validate(&alice.secret).await.is_err(),
        "b refuses at once"
    );
    assert!(a.validate(&alice.secret).await.is_ok(), "a remembers it");
    tokio::time::sleep(lifetime + Duration::from_millis(100)).await;
    assert!(a.validate(&alice.secret).await.is_err(), "a refuses later");
}

glint_testkit::on_both_engines!(other_nodes_see_a_revocation_within_the_cache_lifetime);
