//! Identity version discovery: `/identity` lists the versions (300), `/identity/v3` describes v3.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::router::AppState;

fn v3(state: &AppState) -> Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{}/", state.catalog.identity_url())}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
    })
}

/// `GET /identity`: 300 Multiple Choices with the one version, as Keystone answers at its root.
pub async fn versions(State(state): State<AppState>) -> Response {
    let location = format!("{}/", state.catalog.identity_url());
    (
        StatusCode::MULTIPLE_CHOICES,
        [(header::LOCATION, location)],
        Json(json!({"versions": {"values": [v3(&state)]}})),
    )
        .into_response()
}

/// `GET /identity/v3`: 200 with the v3 version document.
pub async fn version(State(state): State<AppState>) -> Json<Value> {
    Json(json!({"version": v3(&state)}))
}
