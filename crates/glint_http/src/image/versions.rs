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

/// What a node serves that decides which Image API versions it may advertise, as Glance decides
/// it from its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Served {
    /// Several named stores per region (v2.8 and v2.10 to v2.13, as Glance lists them only
    /// with several stores).
    pub several_stores: bool,
    /// A read cache of image data on this node (v2.14 and v2.16, the cache API).
    pub image_cache: bool,
}

/// The versions to advertise, newest first; the first is CURRENT. Glance's v2.17 (the
/// location API for services) is not served, so neither it nor v2.18 (built on it) is listed.
pub(crate) fn advertised(served: Served) -> Vec<&'static str> {
    let mut versions = Vec::with_capacity(17);
    if served.image_cache {
        versions.extend(["v2.16", "v2.15", "v2.14"]);
    } else {
        versions.push("v2.15");
    }
    if served.several_stores {
        versions.extend(["v2.13", "v2.12", "v2.11", "v2.10", "v2.9", "v2.8"]);
    } else {
        versions.push("v2.9");
    }
    versions.extend([
        "v2.7", "v2.6", "v2.5", "v2.4", "v2.3", "v2.2", "v2.1", "v2.0",
    ]);
    versions
}

fn served(state: &AppState) -> Served {
    Served {
        several_stores: state.images.has_several_stores(),
        image_cache: state.images.has_cache(),
    }
}

fn document(state: &AppState, region: &str) -> Value {
    let href = format!("{}/image/{region}/v2/", state.catalog.base_url());
    let versions: Vec<Value> = advertised(served(state))
        .into_iter()
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

fn negotiate_path(path: &str, served: Served) -> Negotiated {
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
        Some(v) if advertised(served).contains(&v) => {
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
    match negotiate_path(request.uri().path(), served(&state)) {
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

    const ONE_STORE: Served = Served {
        several_stores: false,
        image_cache: false,
    };

    fn negotiate_path(path: &str) -> Negotiated {
        super::negotiate_path(path, ONE_STORE)
    }

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

    #[test]
    fn the_versions_follow_what_the_node_serves_as_glance_lists_them() {
        let listed = |several_stores, image_cache| {
            advertised(Served {
                several_stores,
                image_cache,
            })
            .join(" ")
        };
        let base = "v2.7 v2.6 v2.5 v2.4 v2.3 v2.2 v2.1 v2.0";
        assert_eq!(listed(false, false), format!("v2.15 v2.9 {base}"));
        assert_eq!(
            listed(false, true),
            format!("v2.16 v2.15 v2.14 v2.9 {base}")
        );
        assert_eq!(
            listed(true, true),
            format!("v2.16 v2.15 v2.14 v2.13 v2.12 v2.11 v2.10 v2.9 v2.8 {base}")
        );
        assert!(!listed(true, true).contains("v2.17"), "no location API");
    }

    #[test]
    fn only_advertised_versions_are_served_as_v2() {
        let everything = Served {
            several_stores: true,
            image_cache: true,
        };
        assert!(matches!(
            super::negotiate_path("/image/DFW/v2.12/images", everything),
            Negotiated::Rewrite(_)
        ));
        assert!(matches!(
            negotiate_path("/image/DFW/v2.12/images"),
            Negotiated::Choices(_)
        ));
        assert!(matches!(
            super::negotiate_path("/image/DFW/v2.17/images", everything),
            Negotiated::Choices(_)
        ));
    }
}
