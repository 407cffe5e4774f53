//! Glint's share events feed, an extension beside the Image API: `GET
//! /image/{region}/v2/glint-events` (one region) and `GET /glint/v1/events` (every region the
//! caller may use), the unread count and read marks. Errors are the Image API's.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Uri;
use axum::routing::{get, post};
use axum::{Router, extract::Path};
use glint_app::EventPage;
use glint_core::Error;
use glint_core::event::{EventId, FeedRequest};
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::paths::{PathParams, RawRegion, RegionPath};
use crate::router::AppState;

/// The feed routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/image/{region}/v2/glint-events", get(region_feed))
        .route("/glint/v1/events", get(feed))
        .route("/glint/v1/events/unread", get(unread))
        .route("/glint/v1/events/read", post(mark_read))
}

/// A page as the wire shows it: events newest first, and the next page's link when there is one.
fn page(path: &str, request: &FeedRequest, page: &EventPage) -> Value {
    let events: Vec<Value> = page
        .events
        .iter()
        .map(|e| {
            let mut wire = e.event.to_wire();
            wire["read"] = json!(e.read);
            wire
        })
        .collect();
    let next = page.next.map(|marker| {
        let mut link = format!("{path}?marker={marker}");
        if let Some(limit) = request.limit {
            link.push_str(&format!("&limit={limit}"));
        }
        if let Some(since) = request.since {
            link.push_str(&format!("&since={since}"));
        }
        if !request.kinds.is_empty() {
            let kinds: Vec<&str> = request.kinds.iter().map(|k| k.as_str()).collect();
            link.push_str(&format!("&type={}", kinds.join(",")));
        }
        if let Some(image) = &request.image {
            link.push_str(&format!("&image_id={image}"));
        }
        link
    });
    json!({"events": events, "next": next})
}

/// `GET /image/{region}/v2/glint-events`.
async fn region_feed(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(raw): Path<RawRegion>,
    uri: Uri,
) -> Result<Json<Value>, ImageError> {
    let mut request = FeedRequest::parse(uri.query())?;
    let at = RegionPath::parse(raw.clone())?;
    request.region = Some(at.region);
    let found = state.events.feed(&ctx, &request).await?;
    let path = format!("/image/{raw}/v2/glint-events");
    Ok(Json(page(&path, &request, &found)))
}

/// `GET /glint/v1/events`: every region's events.
async fn feed(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    uri: Uri,
) -> Result<Json<Value>, ImageError> {
    let request = FeedRequest::parse(uri.query())?;
    let found = state.events.feed(&ctx, &request).await?;
    Ok(Json(page("/glint/v1/events", &request, &found)))
}

/// `GET /glint/v1/events/unread`: how many of its events the user has not read.
async fn unread(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
) -> Result<Json<Value>, ImageError> {
    let unread = state.events.unread(&ctx).await?;
    Ok(Json(json!({
        "unread": unread,
        "capped": unread >= glint_app::events::UNREAD_CAP,
    })))
}

/// `POST /glint/v1/events/read` with `{"ids": ["12", …]}` or `{"all": true}`: marks events read
/// for the user; ids of events it cannot see are ignored.
async fn mark_read(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let request = body::json(&raw)?;
    let ids = read_marks(&request)?;
    let marked = state.events.mark_read(&ctx, ids.as_deref()).await?;
    Ok(Json(json!({ "marked": marked })))
}

/// The ids a read-marks body names (`None`: all).
fn read_marks(request: &Value) -> Result<Option<Vec<EventId>>, Error> {
    let bad = || {
        Error::InvalidInput(
            "Expected {\"ids\": [event ids]} or {\"all\": true} in the request body.".into(),
        )
    };
    let object = request.as_object().ok_or_else(bad)?;
    match (object.get("ids"), object.get("all")) {
        (None, Some(Value::Bool(true))) if object.len() == 1 => Ok(None),
        (Some(Value::Array(ids)), None) if object.len() == 1 => {
            if ids.len() > 1000 {
                return Err(Error::InvalidInput(
                    "At most 1000 events may be marked read at once.".into(),
                ));
            }
            ids.iter()
                .map(|id| match id {
                    Value::String(s) => EventId::parse(s, "event id"),
                    _ => Err(bad()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        }
        _ => Err(bad()),
    }
}
