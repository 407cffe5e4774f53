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
        Error::NotFound { .. } | Error::Missing(_) => StatusCode::NOT_FOUND,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::InvalidInput(_) => StatusCode::BAD_REQUEST,
        Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        Error::TooManyRequests { .. } | Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::StateConflict(_) => StatusCode::CONFLICT,
        Error::QuotaExceeded(_) => StatusCode::PAYLOAD_TOO_LARGE,
        Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::Gone(_) => StatusCode::GONE,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
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

/// The `Retry-After` header of an error that has one.
pub(crate) fn retry_after(error: &Error) -> Option<(header::HeaderName, HeaderValue)> {
    match error {
        Error::TooManyRequests { retry_after_secs }
        | Error::RateLimited {
            retry_after_secs: Some(retry_after_secs),
            ..
        } => Some((header::RETRY_AFTER, HeaderValue::from(*retry_after_secs))),
        _ => None,
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
        let mut response = retry_later((status, Json(body)).into_response());
        if status == StatusCode::UNAUTHORIZED
            && let Some(uri) = self.www_authenticate
            && let Ok(value) = HeaderValue::from_str(&format!("Keystone uri=\"{uri}\""))
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some((name, value)) = retry_after(&self.error) {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// An Image API error, rendered as Glance renders it (WebOb's JSON form):
/// `{"message": "<explanation>\n\n<detail>", "code": "404 Not Found", "title": "Not Found"}`.
#[derive(Debug)]
pub struct ImageError {
    pub error: Error,
    /// The identity URL, for the `WWW-Authenticate` header of a 401.
    pub www_authenticate: Option<String>,
}

impl From<Error> for ImageError {
    fn from(error: Error) -> Self {
        ImageError {
            error,
            www_authenticate: None,
        }
    }
}

/// WebOb's title of a status, which Glance's errors carry: the standard reason phrase but for
/// the two WebOb names by their older titles.
pub(crate) fn webob_title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        413 => "Request Entity Too Large",
        416 => "Request Range Not Satisfiable",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

/// WebOb's standard explanation of a status, which Glance puts before the detail.
pub(crate) fn explanation(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => {
            "The server could not comply with the request since it is either malformed or otherwise incorrect."
        }
        401 => {
            "This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required."
        }
        403 => "Access was denied to this resource.",
        404 => "The resource could not be found.",
        405 => "The method is not allowed for this resource.",
        409 => "There was a conflict when trying to complete your request.",
        410 => "This resource is no longer available.  No forwarding address is given.",
        413 => "The request is larger than the server is willing or able to process.",
        415 => "The request media type is not supported by this server.",
        416 => "The Range requested is not available.",
        _ => "The server has either erred or is incapable of performing the requested operation.",
    }
}

/// A Glance error's status and detail, attached to its response so that it can be rendered in
/// the form the client prefers (see `image::negotiate_errors`).
#[derive(Debug, Clone)]
pub struct GlanceFault {
    pub status: StatusCode,
    pub detail: String,
}

/// A Glance-shaped JSON error response, with its `GlanceFault` attached.
pub(crate) fn glance_response(status: StatusCode, detail: &str) -> Response {
    let mut response = (status, Json(glance_body(status, detail))).into_response();
    response.extensions_mut().insert(GlanceFault {
        status,
        detail: detail.to_owned(),
    });
    response
}

/// The Glance-shaped JSON error body for a status and a detail.
pub(crate) fn glance_body(status: StatusCode, detail: &str) -> serde_json::Value {
    let reason = webob_title(status);
    let message = if detail.is_empty() {
        explanation(status).to_owned()
    } else {
        format!("{}\n\n{detail}", explanation(status))
    };
    json!({
        "message": message,
        "code": format!("{} {reason}", status.as_u16()),
        "title": reason,
    })
}

impl IntoResponse for ImageError {
    fn into_response(self) -> Response {
        let status = status_of(&self.error);
        let detail = match &self.error {
            Error::Unauthorized(_) => String::new(),
            other => public_message(other),
        };
        let mut response = retry_later(glance_response(status, &detail));
        if status == StatusCode::UNAUTHORIZED
            && let Some(uri) = self.www_authenticate
            && let Ok(value) = HeaderValue::from_str(&format!("Keystone uri=\"{uri}\""))
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some((name, value)) = retry_after(&self.error) {
            response.headers_mut().insert(name, value);
        }
        if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            response.headers_mut().insert(
                "accept-patch",
                HeaderValue::from_static(glint_core::image::patch::ACCEPT_PATCH),
            );
        }
        response
    }
}

/// A Compute API error, rendered as Nova renders it: `{"itemNotFound": {"code", "message"}}`.
#[derive(Debug)]
pub struct ComputeError(pub Error);

impl From<Error> for ComputeError {
    fn from(error: Error) -> Self {
        ComputeError(error)
    }
}

/// Nova's name for the error body of a status.
pub(crate) fn nova_fault(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        406 => "notAcceptable",
        409 => "conflictingRequest",
        413 => "overLimit",
        415 => "badMediaType",
        429 => "overLimit",
        503 => "serviceUnavailable",
        _ => "computeFault",
    }
}

impl IntoResponse for ComputeError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let body = json!({ nova_fault(status): {
            "code": status.as_u16(),
            "message": public_message(&self.0),
        }});
        retry_later((status, Json(body)).into_response())
    }
}

/// How long a client should wait before trying again after a 503, in seconds.
const RETRY_AFTER_SECS: &str = "5";

/// Adds `Retry-After` to a 503: the failure is passing (a database or store that cannot serve
/// now), and clients that honour the header back off instead of hammering.
pub(crate) fn retry_later(mut response: Response) -> Response {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    response
}
