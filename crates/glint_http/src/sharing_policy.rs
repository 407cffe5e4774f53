//! Sharing policies, an extension beside the Image API (its authentication and error format):
//! `/glint/v1/sharing-policy` (read, set, remove the caller's account's policy),
//! `/glint/v1/sharing-policy/blocked` (the shares its refusals block, or would block), and
//! `POST …/members/{member_id}/actions/glint-accept-override` (a manager accepts a share the
//! enforced policy refuses). Every rule is `ImageService`'s.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use glint_app::JudgedShare;
use glint_core::Error;
use glint_core::sharing_policy::{Finding, SharingPolicy, policy_from_body};
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::paths::{ImageItemPath, PathParams, RawImageItem};
use crate::router::AppState;

const BASE: &str = "/glint/v1/sharing-policy";

/// The policy routes (the override's route is the Image API's, under the member).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(show_policy).put(set_policy).delete(delete_policy))
        .route(&format!("{BASE}/blocked"), get(show_blocked))
}

/// A policy as the wire shows it.
fn policy_view(policy: &SharingPolicy) -> Value {
    json!({
        "mode": policy.mode.as_str(),
        "trusted_producers": policy.trusted_producers,
        "rules": policy.rules.to_json(),
        "allowed_ssh_keys": policy.allowed_ssh_keys,
        "updated_at": policy.updated.as_ref().map(|(at, _)| at.to_glance()),
        "updated_by": policy.updated.as_ref().map(|(_, by)| by),
    })
}

fn finding_view(finding: &Finding) -> Value {
    json!({
        "rule": finding.rule.as_str(),
        "action": finding.action.as_str(),
        "text": finding.text,
    })
}

fn judged_view(share: &JudgedShare) -> Value {
    let findings: Vec<Value> = share.findings.iter().map(finding_view).collect();
    json!({
        "image_id": share.image_id.as_str(),
        "image_name": share.image_name,
        "region": share.region,
        "producer": share.producer,
        "member_status": share.status.as_str(),
        "blocks": share.blocks,
        "findings": findings,
    })
}

/// `GET /glint/v1/sharing-policy`: 200 with the account's policy (`off` and the default
/// rules for an account that never set one).
async fn show_policy(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
) -> Result<Json<Value>, ImageError> {
    let policy = state.images.sharing_policy(&ctx).await?;
    Ok(Json(policy_view(&policy)))
}

/// `PUT /glint/v1/sharing-policy`: sets the whole policy (fields left out take their
/// defaults); 200 with it.
async fn set_policy(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let new = policy_from_body(&body::json(&raw)?)?;
    let policy = state.images.set_sharing_policy(&ctx, new).await?;
    Ok(Json(policy_view(&policy)))
}

/// `DELETE /glint/v1/sharing-policy`: 204; 409 when the account has none.
async fn delete_policy(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
) -> Result<StatusCode, ImageError> {
    state.images.delete_sharing_policy(&ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /glint/v1/sharing-policy/blocked`: the shares offered to the account that its
/// refusals block (`enforce`) or would block (`audit`, `off`), with their findings.
async fn show_blocked(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
) -> Result<Json<Value>, ImageError> {
    let (policy, blocked) = state.images.sharing_policy_blocks(&ctx).await?;
    let images: Vec<Value> = blocked.iter().map(judged_view).collect();
    Ok(Json(json!({
        "mode": policy.mode.as_str(),
        "enforced": policy.mode == glint_core::sharing_policy::PolicyMode::Enforce,
        "images": images,
    })))
}

/// `POST …/members/{member_id}/actions/glint-accept-override` with `{"reason": TEXT}` (the
/// reason may be left out): 200 with the accepted member, in the member API's shape.
pub(crate) async fn accept_with_override(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(raw_path): Path<RawImageItem>,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let reason = if raw.is_empty() {
        None
    } else {
        match body::json(&raw)?.get("reason") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => return Err(Error::InvalidInput("'reason' must be a string".into()).into()),
        }
    };
    let p = ImageItemPath::parse(raw_path)?;
    let member = state
        .images
        .accept_with_override(&ctx, &p.at.region, &p.at.image, &p.item, reason)
        .await?;
    Ok(Json(crate::image::member_view(&member)))
}
