//! The sign-in lockout, as Keystone's `[security_compliance]` has it, on SQLite and PostgreSQL:
//! six failed sign-ins in a row lock the user for fifteen minutes on the API and in the panel
//! alike, with the same answer as a wrong password even for the right one; a success resets
//! the count, the lock ends on time (the test moves the clock), an admin unlocks at once, and
//! failures at the same time all count.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use glint_app::LockoutSettings;
use glint_core::Role;
use serde_json::json;

use crate::app::{Engine, PASSWORD, Setup, TestApp, TestResponse, on_both_engines, password_auth};
use crate::panel::browser::Browser;

const REFUSED: &str = "The username, password or account is not correct.";
const FIFTEEN_MINUTES: Duration = Duration::from_secs(15 * 60);

on_both_engines!(
    the_sixth_wrong_password_in_a_row_locks_the_user_for_the_api_and_the_panel,
    failures_in_the_panel_and_on_the_api_add_up,
    a_locked_user_gets_exactly_the_answer_of_a_wrong_password,
    the_lock_ends_after_its_duration_and_counting_starts_again,
    an_admin_unlock_lets_the_right_password_in_at_once,
    concurrent_wrong_passwords_all_count,
    a_zero_threshold_never_locks,
);

/// acme (554433: alice and amy) and beta (112233: ben), on `engine` with `lockout`; `None`
/// when PostgreSQL is asked for and not configured.
async fn world(engine: Engine, lockout: LockoutSettings) -> Option<TestApp> {
    let setup = Setup {
        lockout,
        ..Setup::default()
    };
    let app = TestApp::on(engine, setup).await?;
    app.account("acme", "554433", &["DFW"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    app.user("amy", "acme", Role::Member).await;
    app.user("ben", "beta", Role::Manager).await;
    Some(app)
}

/// A sign-in on the API from `client` (the connection's peer).
pub async fn sign_in_from(
    app: &TestApp,
    client: &str,
    forwarded_for: Option<&str>,
    user: &str,
    password: &str,
) -> TestResponse {
    let body = password_auth(user, password, json!({"name": "acme"}));
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/identity/v3/auth/tokens")
        .header("content-type", "application/json");
    if let Some(forwarded) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded);
    }
    let mut request = request.body(Body::from(body.to_string())).expect("request");
    let peer: SocketAddr = format!("{client}:40000").parse().expect("address");
    request.extensions_mut().insert(ConnectInfo(peer));
    app.send(request).await
}

async fn fail(app: &TestApp, user: &str, times: usize) {
    for _ in 0..times {
        let r = app.sign_in(user, "wrong", "acme").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
    }
}

async fn status_of_right_password(app: &TestApp, user: &str) -> StatusCode {
    app.sign_in(user, PASSWORD, "acme").await.status
}

async fn the_sixth_wrong_password_in_a_row_locks_the_user_for_the_api_and_the_panel(
    engine: Engine,
) {
    let Some(app) = world(engine, LockoutSettings::default()).await else {
        return;
    };
    fail(&app, "alice", 5).await;
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::CREATED,
        "five do not lock"
    );
    fail(&app, "alice", 5).await;
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::CREATED,
        "the success before reset the count"
    );
    fail(&app, "alice", 6).await;
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::UNAUTHORIZED,
        "locked on the API"
    );
    let mut browser = Browser::new(&app);
    let page = browser.sign_in_as("alice", PASSWORD, "554433").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "locked in the panel");
    assert!(page.body.contains(REFUSED), "{}", page.body);
    assert!(page.set_cookie("glint_session").is_none());
    assert_eq!(
        status_of_right_password(&app, "amy").await,
        StatusCode::CREATED,
        "only alice is locked"
    );
}

async fn failures_in_the_panel_and_on_the_api_add_up(engine: Engine) {
    let Some(app) = world(engine, LockoutSettings::default()).await else {
        return;
    };
    let mut browser = Browser::new(&app);
    for _ in 0..3 {
        let page = browser.sign_in_as("alice", "wrong", "acme").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    fail(&app, "alice", 3).await;
    let page = browser.sign_in_as("alice", PASSWORD, "acme").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_locked_user_gets_exactly_the_answer_of_a_wrong_password(engine: Engine) {
    let Some(app) = world(engine, LockoutSettings::default()).await else {
        return;
    };
    fail(&app, "alice", 6).await;
    let wrong = app.sign_in("alice", "wrong", "acme").await;
    let right = app.sign_in("alice", PASSWORD, "acme").await;
    let stranger = app.sign_in("nobody", PASSWORD, "acme").await;
    for r in [&right, &stranger] {
        assert_eq!(r.status, wrong.status);
        assert_eq!(r.body, wrong.body);
        assert_eq!(
            r.header("www-authenticate"),
            wrong.header("www-authenticate")
        );
        assert_eq!(r.header("content-type"), wrong.header("content-type"));
        assert_eq!(r.header("retry-after"), None);
    }
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    let mut browser = Browser::new(&app);
    let wrong = browser.sign_in_as("amy", "wrong", "acme").await;
    let right = browser.sign_in_as("alice", PASSWORD, "acme").await;
    assert_eq!(right.status, wrong.status);
    let (wrong, right) = (
        wrong.body.replace("value=\"amy\"", "value=\"alice\""),
        right.body,
    );
    assert_eq!(right, wrong, "the same page but for the name typed in");
}

async fn the_lock_ends_after_its_duration_and_counting_starts_again(engine: Engine) {
    let Some(app) = world(engine, LockoutSettings::default()).await else {
        return;
    };
    fail(&app, "alice", 6).await;
    app.clock.advance(FIFTEEN_MINUTES - Duration::from_secs(1));
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::UNAUTHORIZED,
        "still locked a second before the end"
    );
    app.clock.advance(Duration::from_secs(2));
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::CREATED,
        "the lock has ended"
    );

    fail(&app, "alice", 6).await;
    app.clock.advance(FIFTEEN_MINUTES);
    fail(&app, "alice", 1).await;
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::CREATED,
        "a failure after the lock ended counts as the first"
    );
}

async fn an_admin_unlock_lets_the_right_password_in_at_once(engine: Engine) {
    let Some(app) = world(engine, LockoutSettings::default()).await else {
        return;
    };
    let token = app.sign_in("alice", PASSWORD, "acme").await;
    let alice_id = token.body["token"]["user"]["id"]
        .as_str()
        .expect("user id")
        .to_owned();
    fail(&app, "alice", 6).await;
    let err = app
        .admin
        .unlock_user("alice", "beta")
        .await
        .expect_err("alice is not beta's");
    assert!(matches!(err, glint_core::Error::NotFound { .. }), "{err:?}");
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::UNAUTHORIZED
    );
    let unlocked = app
        .admin
        .unlock_user("alice", "554433")
        .await
        .expect("unlock");
    assert_eq!(unlocked.id.as_str(), alice_id);
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::CREATED
    );

    fail(&app, "alice", 6).await;
    app.admin.enable_user(&alice_id).await.expect("enable");
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::CREATED,
        "setting the user enabled again unlocks it too"
    );
}

async fn concurrent_wrong_passwords_all_count(engine: Engine) {
    let lockout = LockoutSettings {
        failure_attempts: 20,
        ..LockoutSettings::default()
    };
    let Some(app) = world(engine, lockout).await else {
        return;
    };
    app.user("nineteen", "acme", Role::Member).await;
    app.user("twenty", "acme", Role::Member).await;
    let app = Arc::new(app);
    let mut attempts = Vec::new();
    for (user, times) in [("nineteen", 19), ("twenty", 20)] {
        for n in 0..times {
            let app = Arc::clone(&app);
            // One address each, so that only the lockout can refuse them.
            let client = format!("198.51.100.{n}");
            attempts.push(tokio::spawn(async move {
                sign_in_from(&app, &client, None, user, "wrong")
                    .await
                    .status
            }));
        }
    }
    for attempt in attempts {
        assert_eq!(attempt.await.expect("attempt"), StatusCode::UNAUTHORIZED);
    }
    let right = |user| sign_in_from(&app, "203.0.113.1", None, user, PASSWORD);
    assert_eq!(
        right("twenty").await.status,
        StatusCode::UNAUTHORIZED,
        "twenty at once lock"
    );
    assert_eq!(
        right("nineteen").await.status,
        StatusCode::CREATED,
        "nineteen at once do not"
    );
}

async fn a_zero_threshold_never_locks(engine: Engine) {
    let lockout = LockoutSettings {
        failure_attempts: 0,
        ..LockoutSettings::default()
    };
    let Some(app) = world(engine, lockout).await else {
        return;
    };
    fail(&app, "alice", 9).await;
    assert_eq!(
        status_of_right_password(&app, "alice").await,
        StatusCode::CREATED
    );
}
