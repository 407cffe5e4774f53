//! The signed-in user of a panel request: the `glint_session` cookie holds a token secret from
//! `IdentityService::sign_in`, validated on every request by `IdentityService::validate`, so the
//! panel and the APIs share one identity. A missing session goes to the sign-in page; an expired
//! or revoked one too, with a message saying so (the `glint_signed_in` marker outlives the
//! session cookie, which the browser drops when the token expires).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use glint_core::{AuthContext, Error, RegionName};

use super::cookies::{self, CSRF, SESSION, SIGNED_IN};
use super::reply::{PanelError, is_async};
use crate::router::AppState;

/// The signed-in caller of a panel request.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub ctx: AuthContext,
    /// The CSRF value of this browser, repeated in every form the page renders.
    pub csrf: String,
}

impl Session {
    /// The regions the account may use, as the panel offers them.
    pub fn regions(&self) -> &[RegionName] {
        &self.ctx.regions
    }

    /// The account's region named `name`, if it may use it.
    pub fn region(&self, name: &str) -> Option<RegionName> {
        self.ctx
            .regions
            .iter()
            .find(|r| r.as_str() == name)
            .cloned()
    }
}

/// Whether cookies must carry `Secure`: the panel is served over https.
pub(crate) fn secure(state: &AppState) -> bool {
    state.catalog.base_url().starts_with("https://")
}

/// Where an unauthenticated request goes: the sign-in page (with a message when a session
/// existed but no longer holds), or a 401 for script requests.
fn to_sign_in(headers: &HeaderMap, expired: bool, secure: bool) -> Response {
    let target = if expired {
        "/sign-in?expired=1"
    } else {
        "/sign-in"
    };
    let mut response = if is_async(headers) {
        let message = "Your session has ended. Sign in again.";
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(super::reply::ScriptAnswer {
                error: Some(message),
                redirect: Some(target),
            }),
        )
            .into_response()
    } else {
        Redirect::to(target).into_response()
    };
    if expired {
        let jar = response.headers_mut();
        jar.append(header::SET_COOKIE, cookies::clear(SESSION, secure));
        jar.append(header::SET_COOKIE, cookies::clear(SIGNED_IN, secure));
    }
    response
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let secure = secure(state);
        let Some(secret) = cookies::get(&parts.headers, SESSION) else {
            // The browser drops the session cookie when the token expires; the marker remains.
            let expired = cookies::get(&parts.headers, SIGNED_IN).is_some();
            return Err(to_sign_in(&parts.headers, expired, secure));
        };
        let Some(csrf) = cookies::get(&parts.headers, CSRF) else {
            return Err(to_sign_in(&parts.headers, true, secure));
        };
        match state.identity.validate(&secret).await {
            Ok(ctx) => Ok(Session { ctx, csrf }),
            Err(Error::Unauthorized(_)) => Err(to_sign_in(&parts.headers, true, secure)),
            Err(e) => Err(PanelError::page(e).into_response()),
        }
    }
}
