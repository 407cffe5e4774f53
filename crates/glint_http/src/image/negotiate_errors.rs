//! Glance renders its errors as the client's `Accept` header asks, through WebOb: JSON when
//! `application/json` is preferred, HTML for `text/html`, `*/*` or no header, plain text
//! otherwise. Clients depend on it: python-glanceclient sends `*/*` and parses the HTML form.
//! Handlers always produce the JSON form with a `GlanceFault` attached; this middleware
//! re-renders it when the client prefers another form.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::{GlanceFault, explanation};

/// The error forms WebOb offers, in its order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Html,
    Json,
    Plain,
}

/// The quality the `Accept` header gives a media type (0 when refused or absent).
fn quality(accept: &str, media: &str) -> f32 {
    let (kind, _) = media.split_once('/').unwrap_or((media, ""));
    let mut best: Option<(u8, f32)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let range = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let specificity = if range == media {
            3
        } else if range == format!("{kind}/*") {
            2
        } else if range == "*/*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

fn preferred(accept: Option<&str>) -> Form {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Form::Html;
    };
    let (html, json) = (
        quality(accept, "text/html"),
        quality(accept, "application/json"),
    );
    if html <= 0.0 && json <= 0.0 {
        Form::Plain
    } else if json > html {
        Form::Json
    } else {
        Form::Html
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn render(form: Form, fault: &GlanceFault) -> (String, &'static str) {
    let status: StatusCode = fault.status;
    let title = format!("{} {}", status.as_u16(), crate::error::webob_title(status));
    let explanation = explanation(status);
    match form {
        Form::Html => (
            format!(
                "<html>\n <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n  {}<br /><br />\n{}\n\n\n </body>\n</html>",
                escape(explanation),
                escape(&fault.detail)
            ),
            "text/html; charset=UTF-8",
        ),
        _ => (
            format!("{title}\n\n{explanation}\n\n{}\n\n", fault.detail),
            "text/plain; charset=UTF-8",
        ),
    }
}

/// Middleware: re-renders Glance errors for clients that prefer HTML or plain text.
pub(crate) async fn negotiate_errors(request: Request, next: Next) -> Response {
    let form = preferred(
        request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok()),
    );
    let response = next.run(request).await;
    if form == Form::Json {
        return response;
    }
    let Some(fault) = response.extensions().get::<GlanceFault>().cloned() else {
        return response;
    };
    let (parts, _) = response.into_parts();
    let (body, content_type) = render(form, &fault);
    let mut response = Response::from_parts(parts, Body::from(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.remove(header::CONTENT_LENGTH);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_form_webob_would() {
        assert_eq!(preferred(None), Form::Html);
        assert_eq!(preferred(Some("*/*")), Form::Html);
        assert_eq!(preferred(Some("application/json")), Form::Json);
        assert_eq!(preferred(Some("application/json, */*;q=0.5")), Form::Json);
        assert_eq!(preferred(Some("text/html")), Form::Html);
        assert_eq!(preferred(Some("text/plain")), Form::Plain);
        assert_eq!(
            preferred(Some("application/json;q=0, text/html")),
            Form::Html
        );
    }

    #[test]
    fn html_escapes_the_detail() {
        let fault = GlanceFault {
            status: StatusCode::NOT_FOUND,
            detail: "image <b> not found".into(),
        };
        let (body, kind) = render(Form::Html, &fault);
        assert!(body.contains("image &lt;b&gt; not found"));
        assert!(body.contains("<title>404 Not Found</title>"));
        assert!(kind.starts_with("text/html"));
    }
}
