//! Request ids: every response carries `x-openstack-request-id: req-<uuid>`, reusing a valid id
//! the client sent, and the id is on the request's log span, with the route template (written
//! by `ops::Matched` once the router has matched it) and the caller's account (written when the
//! token is validated), so that every line logged for the request carries all three.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header both Glance and Keystone use.
pub(crate) const HEADER: &str = "x-openstack-request-id";

tokio::task_local! {
    /// The id of the request this task serves, for answers made without the request at hand
    /// (a handler's panic).
    static CURRENT: String;
}

/// The id of the request being served, if any.
pub(crate) fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The longest request id a client may send.
const MAX_LEN: usize = 64;

/// Middleware: tags the request with an id and echoes it on the response. A client's id longer
/// than 64 characters is refused with 431, as Glance does.
pub(crate) async fn tag(request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    if given.as_ref().is_some_and(|id| id.len() > MAX_LEN) {
        let status = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
        return crate::error::glance_response(
            status,
            &format!("The {HEADER} header must be at most {MAX_LEN} characters."),
        );
    }
    let id = given.unwrap_or_else(|| format!("req-{}", uuid::Uuid::new_v4()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
        route = tracing::field::Empty,
        account = tracing::field::Empty,
    );
    let mut response = CURRENT
        .scope(id.clone(), next.run(request).instrument(span))
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}
