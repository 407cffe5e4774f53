//! Image API version discovery at each region's endpoint: `GET <endpoint>/` answers 300 with the
//! versions document, `GET <endpoint>/versions` answers 200, and a request under `/v2.N/` is
//! served as `/v2/`. An unknown version segment gets the versions document with 300.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::router::AppState;

/// Versions we implement, newest first; the first is CURRENT.
const VERSIONS: &[&str] = &[
    "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0",
];

fn document(state: &AppState, region: &str) -> Value {
    let href = format!("{}/image/{region}/v2/", state.catalog.base_url());
    let versions: Vec<Value> = VERSIONS
        .iter()
        .enumerate()
        .map(|(n, id)| {
            json!({
                "id": id,
                "status": if n == 0 { "CURRENT" } else { "SUPPORTED" },
                "links": [{"rel": "self", "href": href}],
            })
        })
        .collect();
    json!({"versions": versions})
}

/// What the path of an image-endpoint request means for version negotiation.
enum Negotiated {
    /// Serve it as it is.
    Pass,
    /// Serve it under this path instead (`/v2.N/…` → `/v2/…`).
    Rewrite(String),
    /// Answer with the versions document, 300, for this region.
    Choices(String),
}

fn negotiate_path(path: &str) -> Negotiated {
    let Some(rest) = path.strip_prefix("/image/") else {
        return Negotiated::Pass;
    };
    let mut parts = rest.splitn(3, '/');
    let region = parts.next().unwrap_or_default();
    let version = parts.next();
    let tail = parts.next();
    match version {
        None | Some("") => Negotiated::Choices(region.to_owned()),
        Some("v2") => Negotiated::Pass,
        Some("versions") if tail.is_none() => Negotiated::Pass,
        Some(v) if VERSIONS.contains(&v) => {
            Negotiated::Rewrite(format!("/image/{region}/v2/{}", tail.unwrap_or_default()))
        }
        Some(_) => Negotiated::Choices(region.to_owned()),
    }
}

/// Middleware: version negotiation before routing.
pub(crate) async fn negotiate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    match negotiate_path(request.uri().path()) {
        Negotiated::Pass => next.run(request).await,
        Negotiated::Choices(region) => (
            StatusCode::MULTIPLE_CHOICES,
            Json(document(&state, &region)),
        )
            .into_response(),
        Negotiated::Rewrite(path) => {
            let uri = match request.uri().query() {
                Some(q) => format!("{path}?{q}"),
                None => path,
            };
            match uri.parse::<Uri>() {
                Ok(uri) => {
                    *request.uri_mut() = uri;
                    next.run(request).await
                }
                Err(_) => StatusCode::BAD_REQUEST.into_response(),
            }
        }
    }
}

/// `GET <endpoint>/versions`: 200 with the versions document.
pub(crate) async fn list_versions(
    State(state): State<AppState>,
    axum::extract::Path(region): axum::extract::Path<String>,
) -> Json<Value> {
    Json(document(&state, &region))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(path: &str) -> Option<String> {
        match negotiate_path(path) {
            Negotiated::Rewrite(p) => Some(p),
            _ => None,
        }
    }

    #[test]
    fn versions_map_to_v2_and_unknown_ones_get_choices() {
        assert_eq!(
            rewritten("/image/DFW/v2.1/images").as_deref(),
            Some("/image/DFW/v2/images")
        );
        assert!(matches!(
            negotiate_path("/image/DFW/v2/images"),
            Negotiated::Pass
        ));
        assert!(matches!(
            negotiate_path("/image/DFW/versions"),
            Negotiated::Pass
        ));
        assert!(matches!(negotiate_path("/image/DFW/"), Negotiated::Choices(r) if r == "DFW"));
        assert!(matches!(
            negotiate_path("/image/DFW"),
            Negotiated::Choices(_)
        ));
        assert!(matches!(
            negotiate_path("/image/DFW/v1/images"),
            Negotiated::Choices(_)
        ));
        assert!(matches!(negotiate_path("/identity/v3"), Negotiated::Pass));
    }
}
