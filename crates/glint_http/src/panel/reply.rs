//! How panel handlers answer. A page is rendered HTML; an action answers a plain form post with
//! a redirect and a one-shot message (the flash cookie), and a script's post (`x-panel-async`)
//! with JSON `{"redirect"}` or `{"error"}`, so dialogs can show the service's message in place.

use askama::Template;
use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use glint_core::Error;
use glint_core::error::Kind;
use serde::Serialize;

use super::cookies::{self, FLASH, Flags};
use super::views::ErrorPage;
use crate::error::{public_message, status_of};

/// Whether the request came from the panel's script rather than a plain form.
pub(crate) fn is_async(headers: &HeaderMap) -> bool {
    headers.contains_key("x-panel-async")
}

/// The message the panel shows for a service error: the service's own words, made plainer for
/// the few cases whose API message names no remedy.
pub(crate) fn message_of(error: &Error) -> String {
    match error {
        Error::NotFound {
            kind: Kind::Image, ..
        } => "The image could not be found: it may have been deleted, or it is no longer shared with your account.".into(),
        Error::NotFound {
            kind: Kind::Event, ..
        } => "The notification could not be found.".into(),
        other => public_message(other),
    }
}

/// The longest flash message kept, in characters (its cookie stays well under 4 KB).
const FLASH_MAX_CHARS: usize = 600;

/// A one-shot message shown at the top of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flash {
    pub ok: bool,
    pub text: String,
}

impl Flash {
    pub fn ok(text: impl Into<String>) -> Flash {
        Flash {
            ok: true,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Flash {
        Flash {
            ok: false,
            text: text.into(),
        }
    }

    fn cookie(&self, secure: bool) -> HeaderValue {
        let tone = if self.ok { "ok" } else { "err" };
        // A message may repeat what the user typed; a browser drops a cookie over about 4 KB,
        // and the hex encoding doubles it.
        let text: String = if self.text.chars().count() > FLASH_MAX_CHARS {
            let mut cut: String = self.text.chars().take(FLASH_MAX_CHARS - 1).collect();
            cut.push('…');
            cut
        } else {
            self.text.clone()
        };
        let value = format!("{tone}.{}", cookies::hex_encode(&text));
        cookies::set(
            FLASH,
            &value,
            Flags {
                http_only: true,
                secure,
                max_age: Some(120),
            },
        )
    }

    /// The message a request carries, if any.
    pub fn read(headers: &HeaderMap) -> Option<Flash> {
        let raw = cookies::get(headers, FLASH)?;
        let (tone, hex) = raw.split_once('.')?;
        Some(Flash {
            ok: tone == "ok",
            text: cookies::hex_decode(hex)?,
        })
    }
}

/// How to answer an action: by redirect or by JSON, with cookies made `Secure` as needed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reply {
    script: bool,
    secure: bool,
}

impl FromRequestParts<crate::router::AppState> for Reply {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::router::AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Reply {
            script: is_async(&parts.headers),
            secure: super::session::secure(state),
        })
    }
}

impl Reply {
    /// Whether the panel's script posted the form (it shows a failure in place).
    pub fn is_script(self) -> bool {
        self.script
    }

    /// Success: go to `to`, showing `flash` there.
    pub fn done(self, to: &str, flash: Flash) -> Response {
        let to = same_origin_or_home(to);
        let mut response = if self.script {
            Json(ScriptAnswer::go_to(to)).into_response()
        } else {
            redirect(to)
        };
        response
            .headers_mut()
            .append(header::SET_COOKIE, flash.cookie(self.secure));
        response
    }

    /// Success with a JSON body for the script (e.g. a new image's upload address).
    pub fn json<T: Serialize>(self, body: &T) -> Response {
        Json(body).into_response()
    }

    /// Failure: the script gets the message and the service's status; a plain form goes back to
    /// `back` with the message.
    pub fn failed(self, error: &Error, back: &str) -> Response {
        let message = message_of(error);
        if self.script {
            let status = status_of(error);
            return (status, Json(ScriptAnswer::failed(&message))).into_response();
        }
        let mut response = redirect(back);
        response.headers_mut().append(
            header::SET_COOKIE,
            Flash::error(message).cookie(self.secure),
        );
        response
    }
}

/// What the panel's script is told after an action: where to go next, or what failed (and,
/// when the session ended, where to sign in again).
#[derive(Debug, Default, Serialize)]
pub(crate) struct ScriptAnswer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<&'a str>,
}

impl<'a> ScriptAnswer<'a> {
    pub fn go_to(to: &'a str) -> Self {
        ScriptAnswer {
            redirect: Some(to),
            ..ScriptAnswer::default()
        }
    }

    pub fn failed(message: &'a str) -> Self {
        ScriptAnswer {
            error: Some(message),
            ..ScriptAnswer::default()
        }
    }
}

/// Where the panel sends a browser when a target is not safe to go to.
const HOME: &str = "/";

/// Whether `target` is a path on this site and nothing else: it starts with one `/`, and has
/// no backslash and no control character anywhere (browsers drop tabs and line breaks from a
/// URL, so `/\t/evil.example` would become `//evil.example`, another site).
pub(crate) fn is_same_origin_path(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.contains('\\')
        && !target.chars().any(char::is_control)
}

/// `target` when it is a path on this site, the home page otherwise.
pub(crate) fn same_origin_or_home(target: &str) -> &str {
    if is_same_origin_path(target) {
        target
    } else {
        HOME
    }
}

/// A redirect to `target`, or to the home page when `target` is not a path on this site (never
/// a failure: a path id with a line break in it must not break the answer).
pub(crate) fn redirect(target: &str) -> Response {
    let target = same_origin_or_home(target);
    match HeaderValue::from_str(target) {
        Ok(location) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            response.headers_mut().insert(header::LOCATION, location);
            response
        }
        Err(_) => Redirect::to(HOME).into_response(),
    }
}

/// A path inside the panel to go back to, from a form's `next` field; anything else (another
/// site, a scheme, control characters) becomes `fallback`.
pub(crate) fn local_path<'a>(next: Option<&'a str>, fallback: &'a str) -> &'a str {
    match next {
        Some(p) if is_same_origin_path(p) => p,
        _ => fallback,
    }
}

/// The content security policy of every page: the panel's own script and stylesheet only, no
/// framing, forms posting only to the panel.
const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Marks a page as private and locks down what it may load.
pub(crate) fn harden(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

/// Renders a page; clears the flash cookie it showed.
pub(crate) fn page<T: Template>(template: &T, shown_flash: bool) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = Html(html).into_response();
            harden(&mut response);
            if shown_flash {
                response
                    .headers_mut()
                    .append(header::SET_COOKIE, cookies::clear(FLASH, false));
            }
            response
        }
        Err(e) => PanelError::page(Error::Internal(format!("template: {e}"))).into_response(),
    }
}

/// A failure that ends a page request: rendered as a small error page with the service's status.
#[derive(Debug)]
pub(crate) struct PanelError {
    status: StatusCode,
    message: String,
}

impl PanelError {
    pub fn page(error: Error) -> PanelError {
        PanelError {
            status: status_of(&error),
            message: message_of(&error),
        }
    }

    pub fn with_status(status: StatusCode, message: impl Into<String>) -> PanelError {
        PanelError {
            status,
            message: message.into(),
        }
    }
}

impl From<Error> for PanelError {
    fn from(error: Error) -> Self {
        PanelError::page(error)
    }
}

impl IntoResponse for PanelError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            reason: self.status.canonical_reason().unwrap_or("Error"),
            message: &self.message,
        };
        let html = page.render().unwrap_or_else(|_| self.message.clone());
        let mut response = (self.status, Html(html)).into_response();
        harden(&mut response);
        response
    }
}
