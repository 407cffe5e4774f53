//! Users: created with their account and a password (and no role, as in Keystone), listed by
//! name and enabled, shown, changed, disabled and deleted; a disabled or deleted user's tokens
//! answer 401 at once; every user changes its own password with the original one.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{ACME, Engine, assert_keystone_error, call, get, id_of, names, on_both_engines, world};
use crate::app::PASSWORD;

on_both_engines!(
    a_user_created_through_the_api_holds_no_role_until_one_is_granted,
    users_are_listed_by_name_and_enabled_and_shown_as_keystone_shows_them,
    a_disabled_user_cannot_sign_in_and_its_token_answers_401_at_once,
    a_locked_user_reads_as_disabled_and_enabling_it_unlocks_it,
    a_password_set_by_a_manager_works_and_ends_the_old_tokens,
    deleting_a_user_revokes_its_tokens_at_once,
    a_user_changes_its_own_password_with_the_original_one,
    wrong_original_passwords_count_toward_the_lockout,
    bad_user_bodies_are_400_in_keystones_shape,
);

async fn a_user_created_through_the_api_holds_no_role_until_one_is_granted(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let body = json!({"user": {"name": "carol", "password": "s3cret pass", "default_project_id": ACME, "domain_id": "default", "enabled": true}});
    let r = call(&app, &admin, Method::POST, "/users", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["user"]["default_project_id"], ACME);
    assert!(r.body["user"].get("password").is_none(), "never shown");
    let id = r.body["user"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.sign_in("carol", "s3cret pass", "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    let grant = format!("/projects/{ACME}/users/{id}/roles/glint-role-member");
    let r = call(&app, &admin, Method::PUT, &grant, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let r = app.sign_in("carol", "s3cret pass", "acme").await;
    assert_eq!(r.status, StatusCode::CREATED);
    let roles: Vec<_> = r.body["token"]["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(roles, [json!("member"), json!("reader")]);
    let again = json!({"user": {"name": "carol", "password": "x", "default_project_id": ACME}});
    let r = call(&app, &admin, Method::POST, "/users", Some(again)).await;
    assert_keystone_error(&r, StatusCode::CONFLICT);
}

async fn users_are_listed_by_name_and_enabled_and_shown_as_keystone_shows_them(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let r = get(&app, &admin, "/users").await;
    assert_eq!(
        names(&r.body, "users"),
        ["admin", "alice", "ben", "bob", "mia", "rita"]
    );
    let r = get(&app, &admin, "/users?name=bob").await;
    assert_eq!(names(&r.body, "users"), ["bob"]);
    let bob = &r.body["users"][0];
    for field in [
        "id",
        "name",
        "domain_id",
        "enabled",
        "default_project_id",
        "links",
    ] {
        assert!(bob.get(field).is_some(), "{field} in {bob}");
    }
    assert_eq!(bob["default_project_id"], "112233");
    let r = get(
        &app,
        &admin,
        &format!("/users/{}", bob["id"].as_str().expect("id")),
    )
    .await;
    assert_eq!(r.body["user"], *bob);
    let off = json!({"user": {"enabled": false}});
    call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/users/{}", id_of(&app, "rita").await),
        Some(off),
    )
    .await;
    let r = get(&app, &admin, "/users?enabled=false").await;
    assert_eq!(names(&r.body, "users"), ["rita"]);
    let r = get(&app, &admin, "/users/nobody").await;
    assert_keystone_error(&r, StatusCode::NOT_FOUND);
}

async fn a_disabled_user_cannot_sign_in_and_its_token_answers_401_at_once(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mia = app.token("mia", "acme").await;
    let alice = app.token("alice", "acme").await;
    let rita = app.token("rita", "acme").await;
    let alice_path = format!("/users/{}", id_of(&app, "alice").await);
    assert_eq!(
        get(&app, &alice, &alice_path).await.status,
        StatusCode::OK,
        "cached now"
    );
    let r = call(
        &app,
        &mia,
        Method::PATCH,
        &alice_path,
        Some(json!({"user": {"enabled": false}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["user"]["enabled"], false);
    assert_keystone_error(
        &get(&app, &alice, &alice_path).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(
            &app,
            &rita,
            &format!("/users/{}", id_of(&app, "rita").await)
        )
        .await
        .status,
        StatusCode::OK,
        "others go on"
    );
    let r = call(
        &app,
        &mia,
        Method::PATCH,
        &alice_path,
        Some(json!({"user": {"enabled": true}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        get(&app, &alice, &alice_path).await.status,
        StatusCode::UNAUTHORIZED,
        "the old token stays ended"
    );
    let own = format!("/users/{}", id_of(&app, "mia").await);
    let r = call(
        &app,
        &mia,
        Method::PATCH,
        &own,
        Some(json!({"user": {"enabled": false}})),
    )
    .await;
    assert_keystone_error(&r, StatusCode::FORBIDDEN);
}

async fn a_locked_user_reads_as_disabled_and_enabling_it_unlocks_it(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    for _ in 0..6 {
        assert_eq!(
            app.sign_in("bob", "wrong", "beta").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.sign_in("bob", PASSWORD, "beta").await.status,
        StatusCode::UNAUTHORIZED,
        "locked"
    );
    let path = format!("/users/{}", id_of(&app, "bob").await);
    assert_eq!(
        get(&app, &admin, &path).await.body["user"]["enabled"],
        false
    );
    let r = get(&app, &admin, "/users?enabled=false").await;
    assert_eq!(names(&r.body, "users"), ["bob"]);
    let r = call(
        &app,
        &admin,
        Method::PATCH,
        &path,
        Some(json!({"user": {"enabled": true}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["user"]["enabled"], true);
    assert_eq!(
        app.sign_in("bob", PASSWORD, "beta").await.status,
        StatusCode::CREATED
    );
}

async fn a_password_set_by_a_manager_works_and_ends_the_old_tokens(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mia = app.token("mia", "acme").await;
    let alice = app.token("alice", "acme").await;
    let path = format!("/users/{}", id_of(&app, "alice").await);
    assert_eq!(get(&app, &alice, &path).await.status, StatusCode::OK);
    let r = call(
        &app,
        &mia,
        Method::PATCH,
        &path,
        Some(json!({"user": {"password": "brand new"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        get(&app, &alice, &path).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("alice", "brand new", "acme").await.status,
        StatusCode::CREATED
    );
}

async fn deleting_a_user_revokes_its_tokens_at_once(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mia = app.token("mia", "acme").await;
    let alice = app.token("alice", "acme").await;
    let path = format!("/users/{}", id_of(&app, "alice").await);
    assert_eq!(get(&app, &alice, &path).await.status, StatusCode::OK);
    let r = call(&app, &mia, Method::DELETE, &path, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_keystone_error(&get(&app, &alice, &path).await, StatusCode::UNAUTHORIZED);
    assert_keystone_error(&get(&app, &mia, &path).await, StatusCode::NOT_FOUND);
    assert_keystone_error(
        &call(&app, &mia, Method::DELETE, &path, None).await,
        StatusCode::NOT_FOUND,
    );
    let own = format!("/users/{}", id_of(&app, "mia").await);
    assert_keystone_error(
        &call(&app, &mia, Method::DELETE, &own, None).await,
        StatusCode::FORBIDDEN,
    );
}

async fn a_user_changes_its_own_password_with_the_original_one(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let alice = app.token("alice", "acme").await;
    let id = id_of(&app, "alice").await;
    let path = format!("/users/{id}/password");
    let wrong = json!({"user": {"password": "new one", "original_password": "not it"}});
    let r = call(&app, &alice, Method::POST, &path, Some(wrong)).await;
    assert_keystone_error(&r, StatusCode::UNAUTHORIZED);
    let refused = app.sign_in("alice", "not it", "acme").await;
    assert_eq!(r.body, refused.body, "the sign-in's one 401");
    assert!(r.header("www-authenticate").is_some());
    let right = json!({"user": {"password": "new one", "original_password": PASSWORD}});
    let r = app
        .request(
            Method::POST,
            &format!("/identity/v3{path}"),
            &[],
            Some(right),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NO_CONTENT,
        "no token needed: {:?}",
        r.body
    );
    assert_eq!(
        get(&app, &alice, &format!("/users/{id}")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("alice", "new one", "acme").await.status,
        StatusCode::CREATED
    );
    let empty = json!({"user": {"password": "", "original_password": "new one"}});
    assert_keystone_error(
        &call(&app, &alice, Method::POST, &path, Some(empty)).await,
        StatusCode::BAD_REQUEST,
    );
    let nobody = json!({"user": {"password": "x", "original_password": "y"}});
    let r = app
        .request(
            Method::POST,
            "/identity/v3/users/nobody/password",
            &[],
            Some(nobody),
        )
        .await;
    assert_keystone_error(&r, StatusCode::UNAUTHORIZED);
}

async fn bad_user_bodies_are_400_in_keystones_shape(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    for body in [
        json!({"name": "x"}),
        json!({"user": {"name": "x", "password": "p"}}),
        json!({"user": {"name": "x", "default_project_id": ACME}}),
        json!({"user": {"name": "x", "password": "", "default_project_id": ACME}}),
        json!({"user": {"name": "", "password": "p", "default_project_id": ACME}}),
        json!({"user": {"name": "x", "password": "p", "default_project_id": "999999"}}),
        json!({"user": {"name": "x", "password": "p", "default_project_id": ACME, "enabled": 1}}),
    ] {
        let r = call(&app, &admin, Method::POST, "/users", Some(body.clone())).await;
        assert_keystone_error(&r, StatusCode::BAD_REQUEST);
    }
    let path = format!("/users/{}", id_of(&app, "bob").await);
    for body in [
        json!({"user": {"enabled": "no"}}),
        json!({"user": {"password": ""}}),
        json!({"user": {"default_project_id": ACME}}),
        json!({"user": {"name": "nul\u{0}"}}),
    ] {
        let r = call(&app, &admin, Method::PATCH, &path, Some(body)).await;
        assert_keystone_error(&r, StatusCode::BAD_REQUEST);
    }
    let r = call(
        &app,
        &admin,
        Method::POST,
        "/users/x/password",
        Some(json!({"user": {}})),
    )
    .await;
    assert_keystone_error(&r, StatusCode::BAD_REQUEST);
    for odd in ["%00", "a%00b", &"x".repeat(5000)] {
        assert_keystone_error(
            &get(&app, &admin, &format!("/users/{odd}")).await,
            StatusCode::NOT_FOUND,
        );
        let r = get(&app, &admin, &format!("/users?name={odd}")).await;
        assert_eq!(r.body["users"], json!([]), "{odd}");
    }
}

async fn wrong_original_passwords_count_toward_the_lockout(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let path = format!("/identity/v3/users/{}/password", id_of(&app, "bob").await);
    let guess = json!({"user": {"password": "mine now", "original_password": "guess"}});
    for _ in 0..6 {
        let r = app
            .request(Method::POST, &path, &[], Some(guess.clone()))
            .await;
        assert_keystone_error(&r, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.sign_in("bob", PASSWORD, "beta").await.status,
        StatusCode::UNAUTHORIZED,
        "locked"
    );
    let right = json!({"user": {"password": "mine now", "original_password": PASSWORD}});
    let r = app.request(Method::POST, &path, &[], Some(right)).await;
    assert_keystone_error(&r, StatusCode::UNAUTHORIZED);
}
