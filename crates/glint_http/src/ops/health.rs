//! `GET /healthcheck` in oslo.middleware's healthcheck shape, for load balancers: `200` with
//! the text `OK` when the database and every region's store answer, `503` otherwise; no token
//! needed. `Accept: application/json` gets `{"detailed": false, "reasons": [...]}`. A caller
//! with an admin token gets the details of every check (`"detailed": true`), which name the
//! database engine, the stores and why a check failed; nobody else sees them. `HEAD` answers
//! the status alone.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glint_app::HealthReport;
use serde_json::json;

use crate::router::AppState;

/// The answer to a load balancer's poll.
pub(crate) async fn healthcheck(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let report = state.ops.health().check().await;
    let status = if report.healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let token = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty());
    let admin = match token {
        Some(token) => state
            .identity
            .validate(token)
            .await
            .is_ok_and(|caller| caller.is_admin()),
        None => false,
    };
    let mut response = if admin {
        (status, Json(detailed(&report))).into_response()
    } else if wants_json(&headers) {
        (
            status,
            Json(json!({"detailed": false, "reasons": reasons(&report)})),
        )
            .into_response()
    } else {
        let text = reasons(&report).join("\n");
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=UTF-8")],
            text,
        )
            .into_response()
    };
    // A load balancer's answer must be the node's state now, not a cache's.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// `OK` when healthy, else one short reason per failed check (no detail).
fn reasons(report: &HealthReport) -> Vec<String> {
    if report.healthy() {
        return vec!["OK".to_owned()];
    }
    report
        .checks
        .iter()
        .filter(|c| !c.healthy)
        .map(|c| format!("{} unavailable", c.name))
        .collect()
}

fn detailed(report: &HealthReport) -> serde_json::Value {
    let checks: Vec<_> = report
        .checks
        .iter()
        .map(|c| {
            json!({
                "class": c.name,
                "reason": if c.healthy { "OK" } else { "UNAVAILABLE" },
                "details": c.details,
            })
        })
        .collect();
    json!({
        "detailed": true,
        "now": report.checked_at.to_glance(),
        "reasons": checks,
    })
}

/// Whether the client prefers JSON to plain text, as oslo.middleware negotiates.
fn wants_json(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let rank = |media: &str| accept.find(media);
    match (rank("application/json"), rank("text/plain")) {
        (Some(json), Some(text)) => json < text,
        (Some(_), None) => true,
        _ => false,
    }
}
