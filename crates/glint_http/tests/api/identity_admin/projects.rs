//! Projects: the admin creates, lists (by name and enabled), shows, changes, disables and
//! deletes them; a disabled project stops at once; one that owns images is not deleted.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{ACME, Engine, assert_keystone_error, call, get, names, on_both_engines, world};
use crate::app::PASSWORD;

on_both_engines!(
    the_admin_creates_lists_shows_changes_and_deletes_a_project,
    projects_are_listed_by_name_and_enabled,
    a_disabled_project_cannot_sign_in_and_its_tokens_stop_at_once,
    a_project_that_owns_images_is_not_deleted_and_the_answer_gives_the_count,
    bad_project_bodies_are_400_in_keystones_shape,
);

async fn the_admin_creates_lists_shows_changes_and_deletes_a_project(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let body = json!({"project": {"name": "gamma", "description": "third", "domain_id": "default", "enabled": true}});
    let r = call(&app, &admin, Method::POST, "/projects", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let project = &r.body["project"];
    assert_eq!(project["name"], "gamma");
    assert_eq!(project["description"], "third");
    assert_eq!(project["enabled"], true);
    assert_eq!(project["domain_id"], "default");
    let id = project["id"].as_str().expect("id").to_owned();
    assert!(
        id.len() >= 6 && id.chars().all(|c| c.is_ascii_digit()),
        "{id}"
    );

    let r = get(&app, &admin, &format!("/projects/{id}")).await;
    assert_eq!(r.body["project"]["name"], "gamma");
    let change = json!({"project": {"name": "gamma2", "description": "renamed"}});
    let r = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/projects/{id}"),
        Some(change),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["project"]["name"], "gamma2");
    assert_eq!(r.body["project"]["description"], "renamed");

    let r = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/projects/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let r = get(&app, &admin, &format!("/projects/{id}")).await;
    assert_keystone_error(&r, StatusCode::NOT_FOUND);
    let r = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/projects/{id}"),
        None,
    )
    .await;
    assert_keystone_error(&r, StatusCode::NOT_FOUND);

    let taken = json!({"project": {"name": "acme"}});
    let r = call(&app, &admin, Method::POST, "/projects", Some(taken)).await;
    assert_keystone_error(&r, StatusCode::CONFLICT);
}

async fn projects_are_listed_by_name_and_enabled(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let r = get(&app, &admin, "/projects").await;
    assert_eq!(names(&r.body, "projects"), ["acme", "admin", "beta"]);
    let r = get(&app, &admin, "/projects?name=beta").await;
    assert_eq!(names(&r.body, "projects"), ["beta"]);
    let off = json!({"project": {"enabled": false}});
    let r = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/projects/{ACME}"),
        Some(off),
    )
    .await;
    assert_eq!(r.body["project"]["enabled"], false, "{:?}", r.body);
    let r = get(&app, &admin, "/projects?enabled=false").await;
    assert_eq!(names(&r.body, "projects"), ["acme"]);
    let r = get(&app, &admin, "/projects?enabled=true").await;
    assert_eq!(names(&r.body, "projects"), ["admin", "beta"]);
    let r = get(&app, &admin, "/projects?name=acme&enabled=true").await;
    assert!(names(&r.body, "projects").is_empty());
}

async fn a_disabled_project_cannot_sign_in_and_its_tokens_stop_at_once(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let alice = app.token("alice", "acme").await;
    let bob = app.token("bob", "beta").await;
    // Both tokens are now in this node's cache.
    assert_eq!(
        get(&app, &alice, &format!("/projects/{ACME}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&app, &bob, "/projects/112233").await.status,
        StatusCode::OK
    );
    let off = json!({"project": {"enabled": false}});
    let r = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/projects/{ACME}"),
        Some(off),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_keystone_error(
        &get(&app, &alice, &format!("/projects/{ACME}")).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(
        app.call(&alice, Method::GET, "/image/DFW/v2/images", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&app, &bob, "/projects/112233").await.status,
        StatusCode::OK
    );

    let on = json!({"project": {"enabled": true}});
    call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/projects/{ACME}"),
        Some(on),
    )
    .await;
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        get(&app, &alice, &format!("/projects/{ACME}")).await.status,
        StatusCode::UNAUTHORIZED,
        "tokens ended by the disable stay ended, as in Keystone"
    );
    let own = format!("/projects/{}", admin_account(&app).await);
    let r = call(&app, &admin, Method::PATCH, &own, Some(off_again())).await;
    assert_keystone_error(&r, StatusCode::FORBIDDEN);
}

fn off_again() -> serde_json::Value {
    json!({"project": {"enabled": false}})
}

async fn a_project_that_owns_images_is_not_deleted_and_the_answer_gives_the_count(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let alice = app.token("alice", "acme").await;
    for name in ["one", "two"] {
        let body = json!({"name": name, "disk_format": "raw", "container_format": "bare"});
        let r = app
            .call(&alice, Method::POST, "/image/DFW/v2/images", Some(body))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    }
    let r = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/projects/{ACME}"),
        None,
    )
    .await;
    assert_keystone_error(&r, StatusCode::CONFLICT);
    let message = r.body["error"]["message"].as_str().expect("message");
    assert!(message.contains("owns 2 images"), "{message}");
    assert_eq!(
        get(&app, &alice, &format!("/projects/{ACME}")).await.status,
        StatusCode::OK
    );

    let r = call(&app, &admin, Method::DELETE, "/projects/112233", None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "beta owns none");
    assert_eq!(
        app.sign_in("bob", PASSWORD, "beta").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = get(&app, &admin, "/users?name=bob").await;
    assert!(names(&r.body, "users").is_empty(), "its users went with it");

    let own = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/projects/{}", admin_account(&app).await),
        None,
    )
    .await;
    assert_keystone_error(&own, StatusCode::FORBIDDEN);
}

async fn admin_account(app: &crate::app::TestApp) -> String {
    app.admin
        .find_account("admin")
        .await
        .expect("admin")
        .id
        .as_str()
        .to_owned()
}

async fn bad_project_bodies_are_400_in_keystones_shape(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    for body in [
        json!({"name": "x"}),
        json!({"project": {"name": "x", "enabled": "yes"}}),
        json!({"project": {"description": "no name"}}),
        json!({"project": {"name": ""}}),
        json!({"project": {"name": "nul\u{0}"}}),
        json!([]),
    ] {
        let r = call(&app, &admin, Method::POST, "/projects", Some(body)).await;
        assert_keystone_error(&r, StatusCode::BAD_REQUEST);
    }
    for body in [
        json!({"name": "x"}),
        json!({"project": {"enabled": "no"}}),
        json!({"project": {"name": ""}}),
        json!({"project": {"description": "nul\u{0}"}}),
    ] {
        let r = call(
            &app,
            &admin,
            Method::PATCH,
            &format!("/projects/{ACME}"),
            Some(body),
        )
        .await;
        assert_keystone_error(&r, StatusCode::BAD_REQUEST);
    }
    let (status, _, _) = app
        .raw(
            &admin,
            Method::POST,
            "/identity/v3/projects",
            &[("content-type", "application/json")],
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
