//! CSRF protection by double submit: the `glint_csrf` cookie holds a random value that only the
//! panel's own pages can read back, and every state-changing request must repeat it, in the
//! `x-csrf-token` header (scripts, uploads) or the `csrf` form field (plain forms). Anything
//! else is refused with 403 before a handler runs.

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::cookies::{self, CSRF};
use super::reply::{PanelError, ScriptAnswer, is_async};

/// The most a form body may weigh (uploads carry the token in a header and are not read here).
const FORM_LIMIT: usize = 256 * 1024;

const REFUSED: &str =
    "This form has expired or did not come from the Control Panel. Reload the page and try again.";

/// The value of `name` in a URL-encoded HTML form body.
pub(crate) fn form_field(body: &[u8], name: &str) -> Option<String> {
    body.split(|b| *b == b'&')
        .filter_map(|pair| {
            let mut parts = pair.splitn(2, |b| *b == b'=');
            Some((parts.next()?, parts.next().unwrap_or_default()))
        })
        .find(|(k, _)| percent_decode(k).as_deref() == Some(name))
        .and_then(|(_, v)| percent_decode(v))
}

fn percent_decode(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn refused(script: bool) -> Response {
    if script {
        (StatusCode::FORBIDDEN, Json(ScriptAnswer::failed(REFUSED))).into_response()
    } else {
        PanelError::with_status(StatusCode::FORBIDDEN, REFUSED).into_response()
    }
}

/// The middleware: passes safe methods; checks every other request's token.
pub(crate) async fn guard(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let script = is_async(request.headers());
    let Some(expected) = cookies::get(request.headers(), CSRF) else {
        return refused(script);
    };
    if let Some(given) = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if cookies::same_secret(given, &expected) {
            next.run(request).await
        } else {
            refused(script)
        };
    }
    if !crate::extract::is_form(request.headers()) {
        return refused(script);
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return PanelError::with_status(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.")
            .into_response();
    };
    match form_field(&bytes, "csrf") {
        Some(given) if cookies::same_secret(&given, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => refused(script),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_decoded_fields() {
        let body = b"name=a+b%3Cc%3E&csrf=abc123&x=";
        assert_eq!(form_field(body, "csrf").as_deref(), Some("abc123"));
        assert_eq!(form_field(body, "name").as_deref(), Some("a b<c>"));
        assert_eq!(form_field(body, "x").as_deref(), Some(""));
        assert_eq!(form_field(body, "missing"), None);
        assert_eq!(form_field(b"csrf=%zz", "csrf"), None);
    }
}
