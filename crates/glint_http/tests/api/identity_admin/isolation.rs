//! Isolation: a manager of account A administers A's users and sees nothing of account B's (a
//! user of B is not found, B's project is forbidden whether or not it exists, lists leave B
//! out); members and readers administer nobody; a caller without a token gets 401 on every
//! admin endpoint, in Keystone's shape.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{
    ACME, BETA, Engine, assert_keystone_error, call, get, id_of, names, on_both_engines, world,
};

on_both_engines!(
    a_manager_administers_the_users_of_its_own_account_only,
    members_and_readers_administer_nobody_but_read_themselves,
    a_stranger_without_a_token_gets_401_everywhere,
);

async fn a_manager_administers_the_users_of_its_own_account_only(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let mia = app.token("mia", "acme").await;
    let bob = format!("/users/{}", id_of(&app, "bob").await);
    let r = get(&app, &mia, "/users").await;
    assert_eq!(names(&r.body, "users"), ["alice", "mia", "rita"]);
    assert!(names(&get(&app, &mia, "/users?name=bob").await.body, "users").is_empty());
    let unknown = get(&app, &mia, "/users/0123456789abcdef0123456789abcdef").await;
    let hidden = get(&app, &mia, &bob).await;
    assert_keystone_error(&hidden, StatusCode::NOT_FOUND);
    assert_eq!(
        hidden.body["error"]["message"]
            .as_str()
            .map(|m| m.replace(&bob[7..], "X")),
        unknown.body["error"]["message"]
            .as_str()
            .map(|m| m.replace("0123456789abcdef0123456789abcdef", "X")),
        "the same answer as for a user that does not exist"
    );
    let off = json!({"user": {"enabled": false}});
    assert_keystone_error(
        &call(&app, &mia, Method::PATCH, &bob, Some(off)).await,
        StatusCode::NOT_FOUND,
    );
    assert_keystone_error(
        &call(&app, &mia, Method::DELETE, &bob, None).await,
        StatusCode::NOT_FOUND,
    );
    let grant = format!(
        "/projects/{BETA}/users/{}/roles/glint-role-reader",
        &bob[7..]
    );
    assert_keystone_error(
        &call(&app, &mia, Method::PUT, &grant, None).await,
        StatusCode::FORBIDDEN,
    );
    let new = json!({"user": {"name": "mole", "password": "p", "default_project_id": BETA}});
    assert_keystone_error(
        &call(&app, &mia, Method::POST, "/users", Some(new)).await,
        StatusCode::FORBIDDEN,
    );
    let r = get(&app, &mia, "/role_assignments").await;
    assert!(
        r.body["role_assignments"]
            .as_array()
            .expect("list")
            .iter()
            .all(|a| a["scope"]["project"]["id"] == ACME)
    );
    assert_eq!(r.body["role_assignments"].as_array().map(Vec::len), Some(3));
    let r = get(
        &app,
        &mia,
        &format!("/role_assignments?scope.project.id={BETA}"),
    )
    .await;
    assert_eq!(r.body["role_assignments"], json!([]));
    assert_keystone_error(&get(&app, &mia, "/projects").await, StatusCode::FORBIDDEN);
    assert_keystone_error(
        &get(&app, &mia, &format!("/projects/{BETA}")).await,
        StatusCode::FORBIDDEN,
    );
    assert_keystone_error(
        &get(&app, &mia, "/projects/999999").await,
        StatusCode::FORBIDDEN,
    );
    let project = json!({"project": {"name": "mine"}});
    assert_keystone_error(
        &call(&app, &mia, Method::POST, "/projects", Some(project)).await,
        StatusCode::FORBIDDEN,
    );
    let off = json!({"project": {"enabled": false}});
    assert_keystone_error(
        &call(
            &app,
            &mia,
            Method::PATCH,
            &format!("/projects/{ACME}"),
            Some(off),
        )
        .await,
        StatusCode::FORBIDDEN,
    );
    assert_eq!(
        app.sign_in("bob", crate::app::PASSWORD, "beta")
            .await
            .status,
        StatusCode::CREATED,
        "bob untouched"
    );

    let new = json!({"user": {"name": "newbie", "password": "p4ss", "default_project_id": ACME}});
    let r = call(&app, &mia, Method::POST, "/users", Some(new)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let admin = get(
        &app,
        &app.token("admin", "admin").await,
        "/users?name=admin",
    )
    .await;
    let admin_path = format!(
        "/users/{}",
        admin.body["users"][0]["id"].as_str().expect("id")
    );
    assert_keystone_error(&get(&app, &mia, &admin_path).await, StatusCode::NOT_FOUND);
}

async fn members_and_readers_administer_nobody_but_read_themselves(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    for who in ["alice", "rita"] {
        let token = app.token(who, "acme").await;
        let own = format!("/users/{}", id_of(&app, who).await);
        assert_eq!(get(&app, &token, &own).await.body["user"]["name"], who);
        assert_keystone_error(&get(&app, &token, "/users").await, StatusCode::FORBIDDEN);
        assert_keystone_error(
            &get(&app, &token, "/role_assignments").await,
            StatusCode::FORBIDDEN,
        );
        let other = format!("/users/{}", id_of(&app, "mia").await);
        assert_keystone_error(&get(&app, &token, &other).await, StatusCode::NOT_FOUND);
        let change = json!({"user": {"password": "mine now"}});
        assert_keystone_error(
            &call(&app, &token, Method::PATCH, &own, Some(change)).await,
            StatusCode::FORBIDDEN,
        );
        let new = json!({"user": {"name": "x", "password": "p", "default_project_id": ACME}});
        assert_keystone_error(
            &call(&app, &token, Method::POST, "/users", Some(new)).await,
            StatusCode::FORBIDDEN,
        );
        let grant = format!(
            "/projects/{ACME}/users/{}/roles/glint-role-manager",
            &own[7..]
        );
        assert_keystone_error(
            &call(&app, &token, Method::PUT, &grant, None).await,
            StatusCode::FORBIDDEN,
        );
    }
}

async fn a_stranger_without_a_token_gets_401_everywhere(engine: Engine) {
    let Some(app) = world(engine).await else {
        return;
    };
    let alice = id_of(&app, "alice").await;
    let assignment = format!("/identity/v3/projects/{ACME}/users/{alice}/roles/glint-role-member");
    let calls = [
        (Method::GET, "/identity/v3/projects".to_owned()),
        (Method::POST, "/identity/v3/projects".to_owned()),
        (Method::PATCH, format!("/identity/v3/projects/{ACME}")),
        (Method::DELETE, format!("/identity/v3/projects/{ACME}")),
        (Method::GET, "/identity/v3/users".to_owned()),
        (Method::POST, "/identity/v3/users".to_owned()),
        (Method::GET, format!("/identity/v3/users/{alice}")),
        (Method::PATCH, format!("/identity/v3/users/{alice}")),
        (Method::DELETE, format!("/identity/v3/users/{alice}")),
        (Method::GET, "/identity/v3/roles".to_owned()),
        (
            Method::GET,
            "/identity/v3/roles/glint-role-member".to_owned(),
        ),
        (Method::PUT, assignment.clone()),
        (Method::DELETE, assignment.clone()),
        (Method::GET, assignment),
        (Method::GET, "/identity/v3/role_assignments".to_owned()),
        (Method::GET, "/identity/v3/domains".to_owned()),
        (Method::GET, "/identity/v3/domains/default".to_owned()),
    ];
    for (method, path) in calls {
        let body = matches!(method, Method::POST | Method::PATCH).then(|| json!({}));
        for token in [None, Some("not-a-token")] {
            let headers: Vec<(&str, &str)> =
                token.map(|t| ("x-auth-token", t)).into_iter().collect();
            let r = app
                .request(method.clone(), &path, &headers, body.clone())
                .await;
            assert_keystone_error(&r, StatusCode::UNAUTHORIZED);
            assert!(r.header("www-authenticate").is_some(), "{method} {path}");
        }
    }
}
