//! Error responses. Every failure leaves a handler as a domain error and becomes a response here,
//! through one exhaustive match from error to status. Each API family keeps its own body shape:
//! Identity answers `{"error": {"code", "title", "message"}}` as Keystone does. Internal details
//! are logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glint_core::Error;
use serde_json::json;

/// The status code for a domain error: the one place where that decision is made.
pub(crate) fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::InvalidInput(_) => StatusCode::BAD_REQUEST,
        Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::StateConflict(_) => StatusCode::CONFLICT,
        Error::QuotaExceeded(_) => StatusCode::PAYLOAD_TOO_LARGE,
        Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::Gone(_) => StatusCode::GONE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The message a client may see for a domain error.
pub(crate) fn public_message(error: &Error) -> String {
    match error {
        Error::Internal(detail) => {
            tracing::error!(%detail, "internal error");
            "An unexpected error prevented the server from fulfilling your request.".to_owned()
        }
        other => other.to_string(),
    }
}

/// An Identity API error, rendered as Keystone renders it.
#[derive(Debug)]
pub struct IdentityError {
    pub error: Error,
    /// The identity base URL, for the `WWW-Authenticate` header of a 401.
    pub www_authenticate: Option<String>,
}

impl From<Error> for IdentityError {
    fn from(error: Error) -> Self {
        IdentityError {
            error,
            www_authenticate: None,
        }
    }
}

impl IntoResponse for IdentityError {
    fn into_response(self) -> Response {
        let status = status_of(&self.error);
        let body = json!({"error": {
            "code": status.as_u16(),
            "title": status.canonical_reason().unwrap_or("Error"),
            "message": public_message(&self.error),
        }});
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED
            && let Some(uri) = self.www_authenticate
            && let Ok(value) = HeaderValue::from_str(&format!("Keystone uri=\"{uri}\""))
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
