//! Signing in and out. The sign-in form takes a username, a password and an account (name or
//! number) and calls `IdentityService::sign_in`, the same identity the APIs use; the token's
//! secret goes into the HttpOnly session cookie for as long as the token lives. The lockout and
//! the per-client throttle are the identity service's, shared with the API. Signing out revokes
//! the token.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use glint_app::{IssuedToken, PasswordAuth, ProjectScope, UserRef};
use glint_core::{AccountId, Error, Timestamp};
use serde::Deserialize;

use super::cookies::{self, CSRF, Flags, SESSION, SIGNED_IN};
use super::reply::{PanelError, page};
use super::session::secure;
use super::views::SignInPage;
use crate::extract::ClientAddress;
use crate::router::AppState;

/// `?expired=1` or `?signed_out=1` on the sign-in page.
#[derive(Debug, Deserialize)]
pub(crate) struct SignInQuery {
    expired: Option<String>,
    signed_out: Option<String>,
    password_changed: Option<String>,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    account: String,
}

const REFUSED: &str = "The username, password or account is not correct.";

/// The CSRF value of the browser, or a fresh one to set.
fn csrf_of(headers: &HeaderMap) -> (String, bool) {
    match cookies::get(headers, CSRF) {
        Some(v) => (v, false),
        None => (cookies::random_value(), true),
    }
}

fn csrf_cookie(value: &str, secure: bool, max_age: Option<i64>) -> axum::http::HeaderValue {
    cookies::set(
        CSRF,
        value,
        Flags {
            http_only: false,
            secure,
            max_age,
        },
    )
}

fn sign_in_response(state: &AppState, headers: &HeaderMap, view: SignInView) -> Response {
    let (csrf, fresh) = csrf_of(headers);
    let template = SignInPage {
        csrf: csrf.clone(),
        notice: view.notice,
        error: view.error,
        username: view.username,
        account: view.account,
    };
    let mut response = (view.status, page(&template, false)).into_response();
    if fresh {
        response
            .headers_mut()
            .append(header::SET_COOKIE, csrf_cookie(&csrf, secure(state), None));
    }
    response
}

struct SignInView {
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    username: String,
    account: String,
}

/// `GET /`: the Saved Images page for a signed-in user, the sign-in page otherwise.
pub(crate) async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match cookies::get(&headers, SESSION) {
        Some(secret) if state.identity.validate(&secret).await.is_ok() => {
            Redirect::to("/images").into_response()
        }
        _ => Redirect::to("/sign-in").into_response(),
    }
}

/// `GET /sign-in`.
pub(crate) async fn sign_in_page(
    State(state): State<AppState>,
    Query(q): Query<SignInQuery>,
    headers: HeaderMap,
) -> Response {
    let notice = if q.expired.is_some() {
        Some("Your session has expired. Sign in again to continue.".to_owned())
    } else if q.password_changed.is_some() {
        Some(
            "Your password was changed and your sessions ended. Sign in with the new password."
                .to_owned(),
        )
    } else {
        q.signed_out
            .map(|_| "You have signed out of the Control Panel.".to_owned())
    };
    let view = SignInView {
        status: StatusCode::OK,
        notice,
        error: None,
        username: String::new(),
        account: String::new(),
    };
    sign_in_response(&state, &headers, view)
}

fn scope_of(account: &str) -> ProjectScope {
    if AccountId::parse(account).is_ok() {
        ProjectScope::Id(account.to_owned())
    } else {
        ProjectScope::Name {
            name: account.to_owned(),
            domain: None,
        }
    }
}

/// `POST /sign-in`.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let username = form.username.trim().to_owned();
    let account = form.account.trim().to_owned();
    let view = |status, error: String| SignInView {
        status,
        notice: None,
        error: Some(error),
        username: username.clone(),
        account: account.clone(),
    };
    let auth = PasswordAuth {
        user: UserRef::Name {
            name: username.clone(),
            domain: None,
        },
        password: form.password,
        scope: scope_of(&account),
        client,
    };
    let issued = match state.identity.sign_in(auth).await {
        Ok(issued) => issued,
        Err(Error::Unauthorized(_)) => {
            let refused = view(StatusCode::UNAUTHORIZED, REFUSED.into());
            return sign_in_response(&state, &headers, refused);
        }
        Err(e @ Error::TooManyRequests { .. }) => {
            let throttled = view(StatusCode::TOO_MANY_REQUESTS, e.to_string());
            let mut response = sign_in_response(&state, &headers, throttled);
            if let Some((name, value)) = crate::error::retry_after(&e) {
                response.headers_mut().insert(name, value);
            }
            return response;
        }
        Err(e) => return PanelError::page(e).into_response(),
    };
    session_started(&issued, secure(&state))
}

/// Where a successful sign-in goes (Saved Images), with the session's cookies: the token (for
/// as long as it lives), a fresh CSRF secret, and the marker that a session was started.
fn session_started(issued: &IssuedToken, secure: bool) -> Response {
    let lifetime = (issued.context.expires_at.micros() - Timestamp::now().micros()) / 1_000_000;
    let mut response = Redirect::to("/images").into_response();
    let jar = response.headers_mut();
    jar.append(
        header::SET_COOKIE,
        cookies::set(
            SESSION,
            &issued.secret,
            Flags {
                http_only: true,
                secure,
                max_age: Some(lifetime),
            },
        ),
    );
    jar.append(
        header::SET_COOKIE,
        csrf_cookie(&cookies::random_value(), secure, Some(lifetime)),
    );
    let marker = Flags {
        http_only: true,
        secure,
        max_age: None,
    };
    jar.append(header::SET_COOKIE, cookies::set(SIGNED_IN, "1", marker));
    response
}

/// `POST /sign-out`: revokes the token and forgets the cookies.
pub(crate) async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(secret) = cookies::get(&headers, SESSION)
        && let Err(e) = state.identity.revoke(&secret).await
    {
        tracing::warn!(error = %e, "could not revoke a panel session's token");
    }
    let secure = secure(&state);
    let mut response = Redirect::to("/sign-in?signed_out=1").into_response();
    let jar = response.headers_mut();
    jar.append(header::SET_COOKIE, cookies::clear(SESSION, secure));
    jar.append(header::SET_COOKIE, cookies::clear(SIGNED_IN, secure));
    jar.append(header::SET_COOKIE, csrf_cookie("", secure, Some(0)));
    response
}
