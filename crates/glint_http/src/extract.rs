//! Extractors shared by the APIs: the authenticated caller, from `X-Auth-Token`, and the
//! client's address.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use glint_core::{AuthContext, Error};

use crate::error::IdentityError;
use crate::router::AppState;

/// The caller of an Identity API request, authenticated by its `X-Auth-Token`.
#[derive(Debug, Clone)]
pub(crate) struct IdentityCaller(pub AuthContext);

/// Writes the caller's account on the request's log span.
fn on_log(caller: AuthContext) -> AuthContext {
    tracing::Span::current().record("account", caller.account_id.as_str());
    caller
}

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
            .map(|caller| IdentityCaller(on_log(caller)))
            .map_err(unauthorized)
    }
}

/// The client's address, as `TrustedProxies::client` reads it from the connection's peer (when
/// the server records peers) and `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        Ok(ClientAddress(
            state.trusted_proxies.client(peer, &parts.headers),
        ))
    }
}

/// The caller of an Image API request, authenticated by its `X-Auth-Token`; a missing or bad
/// token answers 401 in Glance's shape.
#[derive(Debug, Clone)]
pub(crate) struct ImageCaller(pub AuthContext);

impl FromRequestParts<AppState> for ImageCaller {
    type Rejection = crate::error::ImageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = |error: Error| crate::error::ImageError {
            error,
            www_authenticate: Some(state.catalog.identity_url()),
        };
        let token =
            auth_token(parts).ok_or_else(|| unauthorized(Error::Unauthorized(String::new())))?;
        state
            .identity
            .validate(token)
            .await
            .map(|caller| ImageCaller(on_log(caller)))
            .map_err(unauthorized)
    }
}

/// Refuses a request that carries a body where none is expected (400, as Glance does).
pub(crate) struct NoBody;

impl<S: Send + Sync> FromRequestParts<S> for NoBody {
    type Rejection = crate::error::ImageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let length = parts
            .headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let chunked = parts
            .headers
            .get(axum::http::header::TRANSFER_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if length > 0 || chunked {
            Err(Error::InvalidInput("A body is not expected with this request.".into()).into())
        } else {
            Ok(NoBody)
        }
    }
}

/// Whether the request's body is an HTML form (`application/x-www-form-urlencoded`).
pub(crate) fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}
