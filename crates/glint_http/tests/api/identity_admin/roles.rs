//! Roles and role assignments over Glint's one role per user: the four roles listed and shown
//! by id, a grant, a check, a revocation that ends the user's tokens, the refusals of a second
//! role and of a role in another account, the assignment list with its filters, and the domain.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    ACME, BETA, Engine, assert_keystone_error, call, get, id_of, names, on_both_engines, world,
};
use crate::app::PASSWORD;

on_both_engines!(
    the_four_roles_are_listed_and_shown_by_id,
    a_grant_is_checked_and_a_revocation_ends_sign_in_and_tokens,
    a_second_role_or_a_role_in_another_account_is_refused_with_409,
    role_assignments_filter_by_user_project_and_role_and_expand_when_effective,
    the_default_domain_is_readable_and_no_other_exists,
);

async fn the_four_roles_are_listed_and_shown_by_id(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let alice = app.token("alice", "acme").await;
    let r = get(&app, &alice, "/roles").await;
    assert_eq!(
        names(&r.body, "roles"),
        ["reader", "member", "manager", "admin"]
    );
    let r = get(&app, &alice, "/roles?name=member").await;
    assert_eq!(r.body["roles"].as_array().map(Vec::len), Some(1));
    let id = r.body["roles"][0]["id"].as_str().expect("id").to_owned();
    let r = get(&app, &alice, &format!("/roles/{id}")).await;
    assert_eq!(r.body["role"]["name"], "member");
    assert_keystone_error(
        &get(&app, &alice, "/roles/member").await,
        StatusCode::NOT_FOUND,
    );
}

fn assignment(project: &str, user: &str, role: &str) -> String {
    format!("/projects/{project}/users/{user}/roles/glint-role-{role}")
}

async fn a_grant_is_checked_and_a_revocation_ends_sign_in_and_tokens(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mia = app.token("mia", "acme").await;
    let alice_token = app.token("alice", "acme").await;
    let alice = id_of(&app, "alice").await;
    let held = assignment(ACME, &alice, "member");
    assert_eq!(
        call(&app, &mia, Method::HEAD, &held, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(get(&app, &mia, &held).await.status, StatusCode::NO_CONTENT);
    let other = assignment(ACME, &alice, "reader");
    assert_keystone_error(&get(&app, &mia, &other).await, StatusCode::NOT_FOUND);
    let r = get(&app, &mia, &format!("/projects/{ACME}/users/{alice}/roles")).await;
    assert_eq!(names(&r.body, "roles"), ["member"]);
    assert_eq!(
        call(&app, &mia, Method::PUT, &held, None).await.status,
        StatusCode::NO_CONTENT,
        "granting the held role again is a no-op"
    );

    assert_eq!(
        app.call(&alice_token, Method::GET, "/image/DFW/v2/images", None)
            .await
            .status,
        StatusCode::OK
    );
    let r = call(&app, &mia, Method::DELETE, &held, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(
        app.call(&alice_token, Method::GET, "/image/DFW/v2/images", None)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "at once"
    );
    assert_eq!(
        app.sign_in("alice", PASSWORD, "acme").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_keystone_error(
        &call(&app, &mia, Method::DELETE, &held, None).await,
        StatusCode::NOT_FOUND,
    );
    let r = get(&app, &mia, &format!("/projects/{ACME}/users/{alice}/roles")).await;
    assert!(names(&r.body, "roles").is_empty());
    let manager = assignment(ACME, &alice, "manager");
    assert_eq!(
        call(&app, &mia, Method::PUT, &manager, None).await.status,
        StatusCode::NO_CONTENT
    );
    let r = app.sign_in("alice", PASSWORD, "acme").await;
    assert_eq!(r.body["token"]["roles"][0]["name"], "manager");
    let admin_role = assignment(ACME, &id_of(&app, "rita").await, "admin");
    assert_keystone_error(
        &call(&app, &mia, Method::PUT, &admin_role, None).await,
        StatusCode::FORBIDDEN,
    );
    let own = assignment(ACME, &id_of(&app, "mia").await, "manager");
    assert_keystone_error(
        &call(&app, &mia, Method::DELETE, &own, None).await,
        StatusCode::FORBIDDEN,
    );
    assert_keystone_error(
        &call(
            &app,
            &mia,
            Method::PUT,
            &format!("/projects/{ACME}/users/{alice}/roles/nope"),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
    );
}

async fn a_second_role_or_a_role_in_another_account_is_refused_with_409(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let alice = id_of(&app, "alice").await;
    let r = call(
        &app,
        &admin,
        Method::PUT,
        &assignment(ACME, &alice, "manager"),
        None,
    )
    .await;
    assert_keystone_error(&r, StatusCode::CONFLICT);
    let message = r.body["error"]["message"].as_str().expect("message");
    assert!(message.contains("holds the 'member' role"), "{message}");
    let r = call(
        &app,
        &admin,
        Method::PUT,
        &assignment(BETA, &alice, "member"),
        None,
    )
    .await;
    assert_keystone_error(&r, StatusCode::CONFLICT);
    let r = app.sign_in("alice", PASSWORD, "acme").await;
    assert_eq!(r.body["token"]["roles"][0]["name"], "member", "unchanged");
}

fn triples(body: &Value) -> Vec<(String, String, String)> {
    let mut found: Vec<_> = body["role_assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .map(|a| {
            let text = |v: &Value| v.as_str().expect("text").to_owned();
            (
                text(&a["user"]["id"]),
                text(&a["scope"]["project"]["id"]),
                text(&a["role"]["id"]),
            )
        })
        .collect();
    found.sort();
    found
}

async fn role_assignments_filter_by_user_project_and_role_and_expand_when_effective(
    engine: Engine,
) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let (alice, bob) = (id_of(&app, "alice").await, id_of(&app, "bob").await);
    let r = get(
        &app,
        &admin,
        &format!("/role_assignments?scope.project.id={BETA}"),
    )
    .await;
    let ben = id_of(&app, "ben").await;
    let mut expected = vec![
        (
            ben.clone(),
            BETA.to_owned(),
            "glint-role-manager".to_owned(),
        ),
        (bob.clone(), BETA.to_owned(), "glint-role-member".to_owned()),
    ];
    expected.sort();
    assert_eq!(triples(&r.body), expected);
    let r = get(&app, &admin, &format!("/role_assignments?user.id={alice}")).await;
    assert_eq!(
        triples(&r.body),
        [(
            alice.clone(),
            ACME.to_owned(),
            "glint-role-member".to_owned()
        )]
    );
    let r = get(&app, &admin, "/role_assignments?role.id=glint-role-manager").await;
    assert_eq!(
        r.body["role_assignments"].as_array().map(Vec::len),
        Some(2),
        "mia and ben"
    );
    let r = get(
        &app,
        &admin,
        &format!("/role_assignments?user.id={alice}&effective&include_names=true"),
    )
    .await;
    let roles: Vec<_> = r.body["role_assignments"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["role"]["name"].clone())
        .collect();
    assert_eq!(roles, [json!("member"), json!("reader")]);
    let first = &r.body["role_assignments"][0];
    assert_eq!(first["user"]["name"], "alice");
    assert_eq!(first["scope"]["project"]["name"], "acme");
    assert!(
        first["links"]["assignment"]
            .as_str()
            .expect("link")
            .ends_with("/roles/glint-role-member")
    );
    let r = get(&app, &admin, "/role_assignments?group.id=g1").await;
    assert_eq!(r.body["role_assignments"], json!([]));
    let r = get(&app, &admin, "/role_assignments?scope.project.id=nope").await;
    assert_eq!(r.body["role_assignments"], json!([]));
}

async fn the_default_domain_is_readable_and_no_other_exists(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let rita = app.token("rita", "acme").await;
    let r = get(&app, &rita, "/domains/default").await;
    assert_eq!(r.body["domain"]["name"], "Default", "{:?}", r.body);
    assert_eq!(r.body["domain"]["enabled"], true);
    let r = get(&app, &rita, "/domains?name=Default").await;
    assert_eq!(names(&r.body, "domains"), ["Default"]);
    let r = get(&app, &rita, "/domains?name=Other").await;
    assert!(names(&r.body, "domains").is_empty());
    assert_keystone_error(
        &get(&app, &rita, "/domains/other").await,
        StatusCode::NOT_FOUND,
    );
}
