//! The panel's Account page: a manager lists its account's users with their roles, adds a
//! user with a role (who then signs in), changes a role and removes a user, and touches no
//! other account's users; a member sees no Users section and changes nothing; every user
//! changes its own password there and signs in again with it.

use axum::http::StatusCode;

use super::{Engine, id_of, on_both_engines, world};
use crate::app::PASSWORD;
use crate::panel::browser::Browser;

on_both_engines!(
    a_manager_adds_a_member_from_the_account_page_who_then_signs_in,
    a_manager_changes_a_role_and_removes_a_user,
    a_member_sees_no_users_and_changes_none,
    a_manager_touches_no_other_accounts_users_from_the_panel,
    every_user_changes_its_own_password_and_signs_in_again,
);

async fn a_manager_adds_a_member_from_the_account_page_who_then_signs_in(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mut mia = Browser::signed_in(&app, "mia", "acme").await;
    let page = mia.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"data-testid="account-users""#),
        "{}",
        page.body
    );
    for name in ["alice", "mia", "rita"] {
        assert!(
            page.body.contains(&format!(r#"data-user="{name}""#)),
            "{name}"
        );
    }
    assert!(!page.body.contains(r#"data-user="bob""#));
    assert!(
        !page.body.contains(r#"<option value="admin""#),
        "a manager cannot give admin"
    );
    let fields = [
        ("username", "nina"),
        ("password", "Nina-pw-1"),
        ("role", "member"),
    ];
    let done = mia.post("/account/users", &fields, true).await;
    assert_eq!(
        (done.status, done.location()),
        (StatusCode::SEE_OTHER, "/account")
    );
    let page = mia.get("/account").await;
    assert!(
        page.body
            .contains("User nina was added with the member role"),
        "{}",
        page.body
    );
    let mut nina = Browser::new(&app);
    let signed = nina.sign_in_as("nina", "Nina-pw-1", "acme").await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    let r = app.sign_in("nina", "Nina-pw-1", "acme").await;
    assert_eq!(r.body["token"]["roles"][0]["name"], "member");
    let csrf_missing = mia.post("/account/users", &fields, false).await;
    assert_eq!(csrf_missing.status, StatusCode::FORBIDDEN);
}

async fn a_manager_changes_a_role_and_removes_a_user(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mut mia = Browser::signed_in(&app, "mia", "acme").await;
    let alice = id_of(&app, "alice").await;
    let done = mia
        .post(
            &format!("/account/users/{alice}/role"),
            &[("role", "manager")],
            true,
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(
        mia.get("/account")
            .await
            .body
            .contains("alice now has the manager role")
    );
    let r = app.sign_in("alice", PASSWORD, "acme").await;
    assert_eq!(r.body["token"]["roles"][0]["name"], "manager");
    let rita = id_of(&app, "rita").await;
    let mut rita_browser = Browser::signed_in(&app, "rita", "acme").await;
    mia.post(&format!("/account/users/{rita}/delete"), &[], true)
        .await;
    assert!(
        !mia.get("/account")
            .await
            .body
            .contains(r#"data-user="rita""#)
    );
    assert_eq!(
        app.sign_in("rita", PASSWORD, "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    let page = rita_browser.get("/images").await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "the removed user's session ended"
    );
}

async fn a_member_sees_no_users_and_changes_none(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mut alice = Browser::signed_in(&app, "alice", "acme").await;
    let page = alice.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(r#"data-testid="account-users""#));
    assert!(page.body.contains(r#"data-testid="change-password""#));
    let fields = [
        ("username", "sneaky"),
        ("password", "p"),
        ("role", "member"),
    ];
    alice.post("/account/users", &fields, true).await;
    let page = alice.get("/account").await;
    assert!(
        page.body.contains("role in your account to create users"),
        "{}",
        page.body
    );
    assert_eq!(
        app.sign_in("sneaky", "p", "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    let rita = id_of(&app, "rita").await;
    alice
        .post(
            &format!("/account/users/{rita}/role"),
            &[("role", "manager")],
            true,
        )
        .await;
    let r = app.sign_in("rita", PASSWORD, "acme").await;
    assert_eq!(r.body["token"]["roles"][0]["name"], "reader");
}

async fn a_manager_touches_no_other_accounts_users_from_the_panel(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mut mia = Browser::signed_in(&app, "mia", "acme").await;
    let bob = id_of(&app, "bob").await;
    mia.post(
        &format!("/account/users/{bob}/role"),
        &[("role", "reader")],
        true,
    )
    .await;
    assert!(mia.get("/account").await.body.contains("not found"));
    mia.post(&format!("/account/users/{bob}/delete"), &[], true)
        .await;
    let r = app.sign_in("bob", PASSWORD, "beta").await;
    assert_eq!(r.status, StatusCode::CREATED, "bob untouched");
    assert_eq!(r.body["token"]["roles"][0]["name"], "member");
}

async fn every_user_changes_its_own_password_and_signs_in_again(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mut rita = Browser::signed_in(&app, "rita", "acme").await;
    let wrong = [
        ("current", "not it"),
        ("new", "Rita-new-1"),
        ("confirm", "Rita-new-1"),
    ];
    rita.post("/account/password", &wrong, true).await;
    assert!(
        rita.get("/account")
            .await
            .body
            .contains("The current password is not correct.")
    );
    let differ = [
        ("current", PASSWORD),
        ("new", "Rita-new-1"),
        ("confirm", "other"),
    ];
    rita.post("/account/password", &differ, true).await;
    assert!(
        rita.get("/account")
            .await
            .body
            .contains("confirmation differ")
    );
    let right = [
        ("current", PASSWORD),
        ("new", "Rita-new-1"),
        ("confirm", "Rita-new-1"),
    ];
    let done = rita.post("/account/password", &right, true).await;
    assert_eq!(
        (done.status, done.location()),
        (StatusCode::SEE_OTHER, "/sign-in?password_changed=1")
    );
    let notice = rita.get("/sign-in?password_changed=1").await;
    assert!(notice.body.contains("Your password was changed"));
    assert_eq!(
        rita.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert_eq!(
        app.sign_in("rita", PASSWORD, "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = rita.sign_in_as("rita", "Rita-new-1", "acme").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
}
