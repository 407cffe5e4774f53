//! Extractors shared by the APIs: the authenticated caller, from `X-Auth-Token`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use glint_core::{AuthContext, Error};

use crate::error::IdentityError;
use crate::router::AppState;

/// The caller of an Identity API request, authenticated by its `X-Auth-Token`.
#[derive(Debug, Clone)]
pub(crate) struct IdentityCaller(pub AuthContext);

/// The token a request carries in `X-Auth-Token`, if any.
pub(crate) fn auth_token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<AppState> for IdentityCaller {
    type Rejection = IdentityError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = |error: Error| IdentityError {
            error,
            www_authenticate: Some(state.catalog.identity_url()),
        };
        let token = auth_token(parts).ok_or_else(|| {
            unauthorized(Error::Unauthorized(
                "The request you have made requires authentication.".into(),
            ))
        })?;
        state
            .identity
            .validate(token)
            .await
            .map(IdentityCaller)
            .map_err(unauthorized)
    }
}
