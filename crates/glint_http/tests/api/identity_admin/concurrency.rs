//! Concurrent administration: grants of different roles to a user with none at the same time
//! leave it exactly one role, every grant of that role succeeding and every other refused;
//! concurrent disables and password changes leave no token of the user alive.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{ACME, BETA, Engine, call, id_of, on_both_engines, world};
use crate::app::PASSWORD;

on_both_engines!(
    concurrent_grants_of_different_roles_leave_exactly_one,
    concurrent_sign_ins_and_a_disable_leave_no_live_token,
    users_created_and_signing_in_while_their_account_is_deleted_get_clear_answers,
);

async fn concurrent_grants_of_different_roles_leave_exactly_one(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let new = json!({"user": {"name": "nova", "password": PASSWORD, "default_project_id": ACME}});
    let r = call(&app, &admin, Method::POST, "/users", Some(new)).await;
    let nova = r.body["user"]["id"].as_str().expect("id").to_owned();
    let roles = [
        "reader", "member", "manager", "reader", "member", "manager", "member", "reader",
    ];
    let grants = roles.iter().map(|role| {
        let path = format!("/projects/{ACME}/users/{nova}/roles/glint-role-{role}");
        let (app, admin) = (&app, &admin);
        async move {
            (
                *role,
                call(app, admin, Method::PUT, &path, None).await.status,
            )
        }
    });
    let answers = futures::future::join_all(grants).await;
    let won: Vec<_> = answers
        .iter()
        .filter(|(_, s)| *s == StatusCode::NO_CONTENT)
        .map(|(r, _)| *r)
        .collect();
    assert!(!won.is_empty());
    assert!(
        won.iter().all(|r| *r == won[0]),
        "one role wins: {answers:?}"
    );
    for (role, status) in &answers {
        let expected = if *role == won[0] {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::CONFLICT
        };
        assert_eq!(*status, expected, "{answers:?}");
    }
    let r = app.sign_in("nova", PASSWORD, "acme").await;
    assert_eq!(r.body["token"]["roles"][0]["name"], won[0]);
}

async fn concurrent_sign_ins_and_a_disable_leave_no_live_token(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mia = app.token("mia", "acme").await;
    let path = format!("/users/{}", id_of(&app, "alice").await);
    let sign_ins = (0..6).map(|_| app.sign_in("alice", PASSWORD, "acme"));
    let disable = call(
        &app,
        &mia,
        Method::PATCH,
        &path,
        Some(json!({"user": {"enabled": false}})),
    );
    let (tokens, disabled) =
        futures::future::join(futures::future::join_all(sign_ins), disable).await;
    assert_eq!(disabled.status, StatusCode::OK);
    for r in tokens {
        if let Some(token) = r.header("x-subject-token") {
            let r = app
                .call(token, Method::GET, "/image/DFW/v2/images", None)
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "a token issued around the disable"
            );
        }
    }
}

async fn users_created_and_signing_in_while_their_account_is_deleted_get_clear_answers(
    engine: Engine,
) {
    let Some(app) = world(engine).await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let creates = (0..8).map(|i| {
        let body = json!({"user": {"name": format!("late{i}"), "password": PASSWORD, "default_project_id": BETA}});
        let (app, admin) = (&app, &admin);
        async move { call(app, admin, Method::POST, "/users", Some(body)).await.status }
    });
    let sign_ins = (0..4).map(|_| async { app.sign_in("bob", PASSWORD, "beta").await.status });
    let beta = format!("/projects/{BETA}");
    let delete = call(&app, &admin, Method::DELETE, &beta, None);
    let (created, signed, deleted) = futures::future::join3(
        futures::future::join_all(creates),
        futures::future::join_all(sign_ins),
        delete,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    for status in created {
        assert!(
            matches!(status, StatusCode::CREATED | StatusCode::BAD_REQUEST),
            "{status}"
        );
    }
    for status in signed {
        assert!(
            matches!(status, StatusCode::CREATED | StatusCode::UNAUTHORIZED),
            "{status}"
        );
    }
    let r = call(&app, &admin, Method::GET, "/users", None).await;
    let left: Vec<_> = r.body["users"]
        .as_array()
        .expect("users")
        .iter()
        .filter(|u| u["default_project_id"] == BETA)
        .collect();
    assert!(left.is_empty(), "no user outlives its account: {left:?}");
}
