//! Compute version discovery and microversions. `GET <region>/` lists v2.1; `GET .../v2.1`
//! describes it with the microversion range; every request's `OpenStack-API-Version` (or the
//! older `X-OpenStack-Nova-API-Version`) is checked against that range and echoed.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::router::AppState;

/// The lowest and highest microversions served.
pub(crate) const MIN: (u32, u32) = (2, 1);
pub(crate) const MAX: (u32, u32) = (2, 45);

/// The microversion a request is served at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Microversion(pub u32, pub u32);

fn text((major, minor): (u32, u32)) -> String {
    format!("{major}.{minor}")
}

fn v21(state: &AppState, region: &str) -> Value {
    json!({
        "id": "v2.1",
        "status": "CURRENT",
        "version": text(MAX),
        "min_version": text(MIN),
        "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": format!("{}/compute/{region}/v2.1/", state.catalog.base_url())}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}],
    })
}

/// `GET /compute/{region}/`: the versions document.
pub(crate) async fn list_versions(
    State(state): State<AppState>,
    Path(region): Path<String>,
) -> Json<Value> {
    Json(json!({"versions": [v21(&state, &region)]}))
}

/// `GET /compute/{region}/v2.1`: the v2.1 document.
pub(crate) async fn show_version(
    State(state): State<AppState>,
    Path(region): Path<String>,
) -> Json<Value> {
    Json(json!({"version": v21(&state, &region)}))
}

/// Reads the requested microversion: absent means the minimum, `latest` the maximum.
fn requested(request: &Request) -> Result<Microversion, String> {
    let headers = request.headers();
    let value = headers
        .get("openstack-api-version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let mut parts = v.split_whitespace();
            (parts.next()?.eq_ignore_ascii_case("compute"))
                .then(|| parts.next().unwrap_or("").to_owned())
        })
        .or_else(|| {
            headers
                .get("x-openstack-nova-api-version")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
        });
    let Some(value) = value else {
        return Ok(Microversion(MIN.0, MIN.1));
    };
    if value.eq_ignore_ascii_case("latest") {
        return Ok(Microversion(MAX.0, MAX.1));
    }
    let parsed = value
        .split_once('.')
        .and_then(|(a, b)| Some(Microversion(a.parse().ok()?, b.parse().ok()?)));
    match parsed {
        Some(v) if v >= Microversion(MIN.0, MIN.1) && v <= Microversion(MAX.0, MAX.1) => Ok(v),
        _ => Err(format!(
            "Version {value} is not supported by the API. Minimum is {} and maximum is {}.",
            text(MIN),
            text(MAX)
        )),
    }
}

/// Middleware for the compute API: negotiates the microversion and echoes it.
pub(crate) async fn negotiate(mut request: Request, next: Next) -> Response {
    let version = match requested(&request) {
        Ok(v) => v,
        Err(message) => {
            return (
                StatusCode::NOT_ACCEPTABLE,
                Json(json!({"computeFault": {"code": 406, "message": message}})),
            )
                .into_response();
        }
    };
    request.extensions_mut().insert(version);
    let mut response = next.run(request).await;
    let value = format!("{}.{}", version.0, version.1);
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("compute {value}")) {
        headers.insert("openstack-api-version", v);
    }
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert("x-openstack-nova-api-version", v);
    }
    headers.insert(
        "vary",
        HeaderValue::from_static("OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
    );
    response
}
