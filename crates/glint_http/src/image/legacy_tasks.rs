//! Glance's legacy tasks API: `POST /v2/tasks`, `GET /v2/tasks`, `GET /v2/tasks/{id}` (the
//! cloud admin only), and the task schemas. Tasks are shown as Glance's serializer shows them:
//! the full task with `input`, `result` and `message`, a listed one without, times in ISO
//! 8601 to the second, `self` and `schema` links.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use glint_core::image::query::decode_pairs;
use glint_core::legacy_task::query::TaskQuery;
use glint_core::legacy_task::schema;
use glint_core::task::ImageTask;
use serde_json::{Map, Value, json};

use super::body;
use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::paths::{PathParams, RawRegion, RegionItemPath, RegionPath, Typed};
use crate::router::AppState;

/// `POST /v2/tasks`: 201 with the task and its `Location`.
pub(crate) async fn create_task(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(raw): Path<RawRegion>,
    raw_body: Bytes,
) -> Result<Response, ImageError> {
    let p = RegionPath::parse(raw)?;
    let request_id = crate::request_id::current().unwrap_or_default();
    let task = state
        .images
        .create_legacy_task(&ctx, &p.region, body::json(&raw_body), &request_id)
        .await?;
    let location = format!("/v2/tasks/{}", task.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(full(&task)),
    )
        .into_response())
}

/// `GET /v2/tasks`: a page of the region's tasks, with `first`, `schema` and, after a full
/// page, `next`.
pub(crate) async fn list_tasks(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<RegionPath>,
    uri: Uri,
) -> Result<Json<Value>, ImageError> {
    let pairs = decode_pairs(uri.query().unwrap_or_default());
    let settings = state.images.settings();
    let query = TaskQuery::parse(&pairs, settings.default_page, settings.max_page);
    let query = match query {
        Ok(query) => query,
        // The access check comes first, as Glance's deserializer has it.
        Err(e) => {
            glint_core::legacy_task::require_access(&ctx)?;
            return Err(e.into());
        }
    };
    let (tasks, next) = state.images.list_tasks(&ctx, &p.region, &query).await?;
    let mut doc = json!({
        "tasks": tasks.iter().map(listed).collect::<Vec<_>>(),
        "first": query.first_link(),
        "schema": "/v2/schemas/tasks",
    });
    if let Some(last) = next {
        doc["next"] = json!(query.next_link(&last));
    }
    Ok(Json(doc))
}

/// `GET /v2/tasks/{id}`.
pub(crate) async fn show_task(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<RegionItemPath>,
) -> Result<Json<Value>, ImageError> {
    let task = state.images.show_task(&ctx, &p.region, &p.id).await?;
    Ok(Json(full(&task)))
}

/// `GET /v2/schemas/task`.
pub(crate) async fn task_schema(_: ImageCaller, _: NoBody) -> Json<Value> {
    Json(schema::task_schema())
}

/// `GET /v2/schemas/tasks`.
pub(crate) async fn tasks_schema(_: ImageCaller, _: NoBody) -> Json<Value> {
    Json(schema::tasks_schema())
}

/// What a task shows whether listed or alone.
fn common(t: &ImageTask) -> Map<String, Value> {
    let mut view = Map::new();
    view.insert("id".into(), json!(t.id));
    view.insert("type".into(), json!(t.task_type));
    view.insert("status".into(), json!(t.status.as_str()));
    view.insert("owner".into(), json!(t.owner));
    view.insert("created_at".into(), json!(t.created_at.to_glance()));
    view.insert("updated_at".into(), json!(t.updated_at.to_glance()));
    view.insert("self".into(), json!(format!("/v2/tasks/{}", t.id)));
    view.insert("schema".into(), json!("/v2/schemas/task"));
    if let Some(at) = t.expires_at {
        view.insert("expires_at".into(), json!(at.to_glance()));
    }
    view
}

/// A task as `GET /v2/tasks` lists it.
fn listed(t: &ImageTask) -> Value {
    Value::Object(common(t))
}

/// A task with its input, result and message. A legacy import task names no image but in its
/// result (Glance keeps no image id on it).
pub(crate) fn full(t: &ImageTask) -> Value {
    let mut view = common(t);
    view.insert("input".into(), t.input.clone());
    view.insert("result".into(), t.result.clone().unwrap_or(Value::Null));
    view.insert("message".into(), json!(t.message));
    if !t.is_legacy_import() {
        view.insert("image_id".into(), json!(t.image_id));
    }
    for (key, value) in [("request_id", &t.request_id), ("user_id", &t.user_id)] {
        if !value.is_empty() {
            view.insert(key.into(), json!(value));
        }
    }
    Value::Object(view)
}
