//! The operator's side (`AdminService`, behind the `glint` admin commands): users listed,
//! disabled, enabled (which unlocks), given a new password and deleted; accounts disabled,
//! enabled and deleted, never while they own images.

use axum::http::{Method, StatusCode};
use glint_app::UserUpdate;
use serde_json::json;

use super::{Engine, on_both_engines, world};
use crate::app::PASSWORD;

on_both_engines!(
    the_operator_lists_disables_enables_and_deletes_users,
    the_operator_sets_a_users_password_and_its_old_tokens_end,
    the_operator_disables_and_enables_an_account,
    the_operator_deletes_an_account_only_once_it_owns_no_image,
);

fn state(enabled: bool) -> UserUpdate {
    UserUpdate {
        enabled: Some(enabled),
        ..UserUpdate::default()
    }
}

async fn the_operator_lists_disables_enables_and_deletes_users(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let names = |users: Vec<glint_core::User>| -> Vec<String> {
        users.iter().map(|u| u.name.as_str().to_owned()).collect()
    };
    let acme = app.admin.list_users(Some("acme")).await.expect("list");
    assert_eq!(names(acme), ["alice", "mia", "rita"]);
    assert_eq!(app.admin.list_users(None).await.expect("list").len(), 6);
    let alice = app
        .admin
        .set_user("alice", state(false))
        .await
        .expect("disable");
    assert!(!alice.enabled);
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    app.admin
        .set_user("alice", state(true))
        .await
        .expect("enable");
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::CREATED
    );
    let token = app.token("bob", "beta").await;
    app.admin.delete_user("bob").await.expect("delete");
    let r = app
        .call(&token, Method::GET, "/image/DFW/v2/images", None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(app.admin.delete_user("bob").await.is_err(), "gone");
    assert!(app.admin.list_users(Some("nope")).await.is_err());
}

async fn the_operator_sets_a_users_password_and_its_old_tokens_end(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let token = app.token("alice", "acme").await;
    let update = UserUpdate {
        password: Some("operator set".into()),
        ..UserUpdate::default()
    };
    app.admin.set_user("alice", update).await.expect("set");
    let r = app
        .call(&token, Method::GET, "/image/DFW/v2/images", None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.sign_in("alice", "operator set", "acme").await.status,
        StatusCode::CREATED
    );
    let empty = UserUpdate {
        password: Some(String::new()),
        ..UserUpdate::default()
    };
    assert!(app.admin.set_user("alice", empty).await.is_err());
}

async fn the_operator_disables_and_enables_an_account(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let token = app.token("bob", "beta").await;
    let beta = app
        .admin
        .set_account_enabled("beta", false)
        .await
        .expect("disable");
    assert!(!beta.enabled);
    let r = app
        .call(&token, Method::GET, "/image/DFW/v2/images", None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.sign_in("bob", PASSWORD, "beta").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::CREATED
    );
    app.admin
        .set_account_enabled("112233", true)
        .await
        .expect("enable");
    assert_eq!(
        app.sign_in("bob", PASSWORD, "beta").await.status,
        StatusCode::CREATED
    );
}

async fn the_operator_deletes_an_account_only_once_it_owns_no_image(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let alice = app.token("alice", "acme").await;
    let body = json!({"name": "kept", "disk_format": "raw", "container_format": "bare"});
    let r = app
        .call(&alice, Method::POST, "/image/DFW/v2/images", Some(body))
        .await;
    let image = r.body["id"].as_str().expect("id").to_owned();
    let refused = app.admin.delete_account("acme").await.expect_err("refused");
    assert_eq!(
        refused.to_string(),
        "Account 554433 owns 1 image; delete it first."
    );
    let path = format!("/image/DFW/v2/images/{image}");
    let r = app.call(&alice, Method::DELETE, &path, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    app.admin.delete_account("acme").await.expect("deleted");
    assert!(app.admin.find_account("acme").await.is_err());
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
}
