//! Notifications: the user's share events (`EventService::feed`) across All Regions (Global) or
//! one region, newest first, in pages, told in words from the account's side; opening one marks
//! it read for this user and goes to what it is about (the pending-share dialog while the
//! consumer's share waits for an answer, Image Detail otherwise); Mark all as read.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use glint_app::FeedEvent;
use glint_core::event::{EventId, FeedRequest, ShareEvent};
use glint_core::image::MemberStatus;
use glint_core::{Error, RegionName};
use serde::Deserialize;

use super::event_text::{Side, leads_to_image, sentence};
use super::format;
use super::images::NextForm;
use super::reply::{Flash, PanelError, Reply, local_path, page, redirect};
use super::session::Session;
use super::views::{ALL_REGIONS, Chrome, Selection};
use crate::router::AppState;

const HERE: &str = "/notifications";

/// `?region=&marker=` of the Notifications page.
#[derive(Debug, Deserialize)]
pub(crate) struct NotificationsQuery {
    region: Option<String>,
    marker: Option<String>,
}

/// One notification as the page lists it.
#[derive(Debug, Clone)]
pub(crate) struct NotificationRow {
    pub text: String,
    pub when: String,
    pub region: String,
    pub unread: bool,
    /// Where the row posts to be opened (and marked read).
    pub open_url: String,
    /// Whether opening it leads to the image (otherwise it only marks it read).
    pub leads_somewhere: bool,
}

impl NotificationRow {
    fn new(found: &FeedEvent, session: &Session) -> NotificationRow {
        let event = &found.event;
        let side = Side::of(event, &session.ctx.account_id);
        NotificationRow {
            text: sentence(event, side),
            when: format::time(event.created_at),
            region: event.region.to_string(),
            unread: !found.read,
            open_url: format!("{HERE}/{}/open", event.id),
            leads_somewhere: leads_to_image(event.kind, side),
        }
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
pub(crate) struct NotificationsPage {
    chrome: Chrome,
    rows: Vec<NotificationRow>,
    region_label: String,
    /// The next page's address, when there are older events.
    older_url: Option<String>,
    /// The first page's address, when this is a later one.
    newest_url: Option<String>,
}

/// `GET /notifications?region=&marker=`.
pub(crate) async fn notifications_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<NotificationsQuery>,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    let selection = Selection::parse(&session, q.region.as_deref());
    let marker = match q.marker.as_deref() {
        Some(raw) => Some(EventId::parse(raw, "marker")?),
        None => None,
    };
    let region: Option<RegionName> = match &selection {
        Selection::One(r) => Some(r.clone()),
        Selection::All => None,
    };
    let request = FeedRequest {
        region: region.clone(),
        marker,
        ..FeedRequest::default()
    };
    let found = state.events.feed(&session.ctx, &request).await?;
    let first = format!("{HERE}?region={}", selection.value());
    let here = match marker {
        Some(m) => format!("{first}&marker={m}"),
        None => first.clone(),
    };
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let view = NotificationsPage {
        chrome: Chrome::load(&state, &session, "Notifications", "notifications", here)
            .await?
            .with_selector(&session, &selection)
            .with_flash(flash),
        rows: found
            .events
            .iter()
            .map(|e| NotificationRow::new(e, &session))
            .collect(),
        region_label: region.map_or_else(|| ALL_REGIONS.to_owned(), |r| r.to_string()),
        older_url: found.next.map(|m| format!("{first}&marker={m}")),
        newest_url: marker.map(|_| first),
    };
    Ok(page(&view, shown))
}

/// `POST /notifications/{id}/open`: marks the event read for this user and goes to its image,
/// or back to the list when it leads nowhere (or its image is gone).
pub(crate) async fn open_notification(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(raw_id): Path<String>,
    Form(form): Form<NextForm>,
) -> Response {
    let back = local_path(form.next.as_deref(), HERE);
    let opened = match EventId::parse(&raw_id, "event id") {
        Ok(id) => state.events.open(&session.ctx, id).await,
        Err(e) => Err(e),
    };
    let event = match opened {
        Ok(event) => event,
        Err(e) => return reply.failed(&e, back),
    };
    let side = Side::of(&event, &session.ctx.account_id);
    if !leads_to_image(event.kind, side) {
        return redirect(back);
    }
    match destination(&state, &session, &event, side).await {
        Ok(to) => redirect(&to),
        Err(e) => reply.failed(&e, back),
    }
}

/// Where an event's image is shown to the caller now: a consumer whose share still waits for
/// an answer gets the pending-share dialog on Saved Images (in the image's region, so that the
/// notification is there), anyone else Image Detail. `NotFound` once the caller cannot see it.
async fn destination(
    state: &AppState,
    session: &Session,
    event: &ShareEvent,
    side: Side,
) -> Result<String, Error> {
    let (ctx, region, id) = (&session.ctx, &event.region, &event.image_id);
    if side == Side::Consumer {
        let me = ctx.account_id.as_str();
        let share = state.images.get_member(ctx, region, id, me).await?;
        if share.status == MemberStatus::Pending {
            return Ok(format!("/images?region={region}#pending-{id}"));
        }
    } else {
        state.images.get(ctx, region, id).await?;
    }
    Ok(format!("/images/{region}/{id}"))
}

/// `POST /notifications/read`: marks every one of the user's events read.
pub(crate) async fn mark_all_read(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Form(form): Form<NextForm>,
) -> Response {
    let back = local_path(form.next.as_deref(), HERE);
    match state.events.mark_read(&session.ctx, None).await {
        Ok(_) => reply.done(back, Flash::ok("Every notification is marked as read.")),
        Err(e) => reply.failed(&e, back),
    }
}
