//! `GET /v2/images/{id}/tasks`: the image's import tasks (Glance's v2.12 call), for whoever may
//! see the image; each task in the shape Glance's database layer hands its serializer.

use axum::Json;
use axum::extract::State;
use glint_core::Timestamp;
use glint_core::task::ImageTask;
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::paths::{ImagePath, Typed};
use crate::router::AppState;

/// `GET /v2/images/{id}/tasks`: 200 `{"tasks": […]}`, newest first.
pub(crate) async fn list_image_tasks(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<Json<Value>, ImageError> {
    let tasks = state.images.image_tasks(&ctx, &p.region, &p.image).await?;
    Ok(Json(
        json!({ "tasks": tasks.iter().map(task).collect::<Vec<_>>() }),
    ))
}

/// A task time as Glance writes its database's times: `YYYY-MM-DDTHH:MM:SS.ffffff`, no zone,
/// whole seconds (its columns keep no fraction).
fn task_time(at: Timestamp) -> String {
    let whole = Timestamp::from_micros(at.micros() - at.micros().rem_euclid(1_000_000));
    let mut text = whole.to_keystone();
    text.pop();
    text
}

/// One task on the wire.
pub(crate) fn task(t: &ImageTask) -> Value {
    json!({
        "id": t.id,
        "type": t.task_type,
        "status": t.status.as_str(),
        "owner": t.owner,
        "expires_at": t.expires_at.map(task_time),
        "created_at": task_time(t.created_at),
        "updated_at": task_time(t.updated_at),
        "deleted_at": null,
        "deleted": false,
        "image_id": t.image_id,
        "request_id": t.request_id,
        "user_id": t.user_id,
        "input": t.input,
        "result": t.result,
        "message": t.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_times_have_six_zero_digits_and_no_zone() {
        let at = Timestamp::from_micros(1_608_268_838_123_456);
        assert_eq!(task_time(at), "2020-12-18T05:20:38.000000");
    }
}
