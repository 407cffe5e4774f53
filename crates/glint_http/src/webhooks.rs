//! Glint's webhooks, an extension beside the Image API: `/glint/v1/webhooks` (register, list),
//! `/glint/v1/webhooks/{id}` (show, delete), its `deliveries` (the log) and `test` (queue a test
//! event). Authentication and errors are the Image API's; every rule is `WebhookService`'s.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use glint_core::webhook::{Attempt, Delivery, NewWebhook, Webhook, WebhookId};
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::router::AppState;

const BASE: &str = "/glint/v1/webhooks";

/// The webhook routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list_webhooks).post(register_webhook))
        .route(
            &format!("{BASE}/{{id}}"),
            get(show_webhook).delete(delete_webhook),
        )
        .route(&format!("{BASE}/{{id}}/deliveries"), get(list_deliveries))
        .route(&format!("{BASE}/{{id}}/test"), post(send_test_event))
}

/// An endpoint as the wire shows it (never its secret).
pub(crate) fn webhook_view(hook: &Webhook) -> Value {
    let types: Vec<&str> = hook.event_types.iter().map(|k| k.as_str()).collect();
    json!({
        "id": hook.id.as_str(),
        "url": hook.url,
        "event_types": types,
        "description": hook.description,
        "account": hook.account.as_str(),
        "created_at": hook.created_at.to_glance(),
        "created_by": {
            "user_id": hook.created_by.as_str(),
            "user_name": hook.created_by_name.as_str(),
        },
        "links": {
            "self": format!("{BASE}/{}", hook.id),
            "deliveries": format!("{BASE}/{}/deliveries", hook.id),
        },
    })
}

fn attempt_view(attempt: &Attempt) -> Value {
    json!({
        "at": attempt.at.to_keystone(),
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
    })
}

/// A delivery as the wire shows it, with the attempts the log holds.
fn delivery_view(delivery: &Delivery) -> Value {
    let attempts: Vec<Value> = delivery.log.iter().map(attempt_view).collect();
    json!({
        "id": delivery.id,
        "event_id": delivery.event_id.map(|id| id.to_string()),
        "event_type": delivery.event_type,
        "image_id": delivery.image_id.as_ref().map(|i| i.as_str()),
        "state": delivery.state.as_str(),
        "attempts": delivery.attempts,
        "created_at": delivery.created_at.to_keystone(),
        "next_attempt_at": delivery.next_attempt_at.map(|t| t.to_keystone()),
        "finished_at": delivery.finished_at.map(|t| t.to_keystone()),
        "last_attempts": attempts,
    })
}

/// `POST /glint/v1/webhooks`: 201 with the endpoint and its secret (shown this once).
async fn register_webhook(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    raw: Bytes,
) -> Result<Response, ImageError> {
    let new = NewWebhook::from_json(&body::json(&raw)?)?;
    let registered = state.webhooks.register(&ctx, new).await?;
    let mut view = webhook_view(&registered.webhook);
    view["secret"] = json!(registered.secret);
    let location = format!(
        "{}{BASE}/{}",
        state.catalog.base_url(),
        registered.webhook.id
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view),
    )
        .into_response())
}

/// `GET /glint/v1/webhooks`: the caller's account's endpoints.
async fn list_webhooks(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
) -> Result<Json<Value>, ImageError> {
    let hooks = state.webhooks.list(&ctx).await?;
    let views: Vec<Value> = hooks.iter().map(webhook_view).collect();
    Ok(Json(json!({ "webhooks": views })))
}

/// `GET /glint/v1/webhooks/{id}`.
async fn show_webhook(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(id): Path<String>,
) -> Result<Json<Value>, ImageError> {
    let hook = state.webhooks.get(&ctx, &WebhookId::parse(&id)?).await?;
    Ok(Json(webhook_view(&hook)))
}

/// `DELETE /glint/v1/webhooks/{id}`: 204.
async fn delete_webhook(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(id): Path<String>,
) -> Result<StatusCode, ImageError> {
    state.webhooks.delete(&ctx, &WebhookId::parse(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /glint/v1/webhooks/{id}/deliveries`: the latest deliveries, newest first.
async fn list_deliveries(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(id): Path<String>,
) -> Result<Json<Value>, ImageError> {
    let found = state
        .webhooks
        .deliveries(&ctx, &WebhookId::parse(&id)?)
        .await?;
    let views: Vec<Value> = found.iter().map(delivery_view).collect();
    Ok(Json(json!({ "deliveries": views })))
}

/// `POST /glint/v1/webhooks/{id}/test`: 202 with the queued test delivery's id.
async fn send_test_event(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(id): Path<String>,
) -> Result<Response, ImageError> {
    let delivery = state
        .webhooks
        .send_test(&ctx, &WebhookId::parse(&id)?)
        .await?;
    let body =
        json!({ "delivery_id": delivery, "event_type": glint_core::webhook::TEST_EVENT_TYPE });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}
