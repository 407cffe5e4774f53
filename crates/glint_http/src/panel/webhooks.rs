//! The Webhooks page: the account's endpoints, a form to add one (its secret is shown on the
//! page that answers the form, and never again), and per endpoint its delivery log with "Send
//! Test Event" and "Delete". Everything goes through `WebhookService`, which decides who may
//! do what; the forms are shown to members only, as a hint.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use glint_core::Role;
use glint_core::event::EventKind;
use glint_core::webhook::{Delivery, DeliveryState, NewWebhook, Webhook, WebhookId};

use super::format;
use super::reply::{Flash, PanelError, Reply, page};
use super::session::Session;
use super::views::Chrome;
use crate::router::AppState;

const HERE: &str = "/webhooks";

/// A row of the endpoints table.
#[derive(Debug, Clone)]
pub(crate) struct HookRow {
    pub url: String,
    pub events: String,
    pub description: String,
    pub created: String,
    pub created_by: String,
    pub detail_url: String,
    pub test_url: String,
    pub delete_url: String,
}

impl HookRow {
    fn new(hook: &Webhook) -> HookRow {
        let base = format!("{HERE}/{}", hook.id);
        HookRow {
            url: hook.url.clone(),
            events: if hook.event_types.is_empty() {
                "All events".into()
            } else {
                let names: Vec<&str> = hook.event_types.iter().map(|k| k.as_str()).collect();
                names.join(", ")
            },
            description: hook.description.clone(),
            created: format::time(hook.created_at),
            created_by: hook.created_by_name.to_string(),
            test_url: format!("{base}/test"),
            delete_url: format!("{base}/delete"),
            detail_url: base,
        }
    }
}

/// A new endpoint's secret, shown on the page that answers the Add form only.
#[derive(Debug, Clone)]
pub(crate) struct NewSecret {
    pub url: String,
    pub secret: String,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
pub(crate) struct WebhooksPage {
    chrome: Chrome,
    rows: Vec<HookRow>,
    /// The event types to choose from.
    kinds: Vec<&'static str>,
    /// Display only: whether the user's role lets it add, test and delete.
    can_change: bool,
    created: Option<NewSecret>,
}

async fn render(
    state: &AppState,
    session: &Session,
    flash: Option<Flash>,
    created: Option<NewSecret>,
) -> Result<Response, PanelError> {
    let hooks = state.webhooks.list(&session.ctx).await?;
    let shown = flash.is_some();
    let view = WebhooksPage {
        chrome: Chrome::load(state, session, "Webhooks", "webhooks", HERE.into())
            .await?
            .with_flash(flash),
        rows: hooks.iter().map(HookRow::new).collect(),
        kinds: EventKind::ALL.iter().map(|k| k.as_str()).collect(),
        can_change: session.ctx.role.implies(Role::Member),
        created,
    };
    Ok(page(&view, shown))
}

/// `GET /webhooks`.
pub(crate) async fn webhooks_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    render(&state, &session, Flash::read(&headers), None).await
}

/// `POST /webhooks`: registers the endpoint and answers with the page showing its secret.
pub(crate) async fn add_webhook(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    body: Bytes,
) -> Result<Response, PanelError> {
    let fields = glint_core::image::query::decode_pairs(&String::from_utf8_lossy(&body));
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let types: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "event_types")
        .map(|(_, v)| v.clone())
        .collect();
    let new = match NewWebhook::from_form(&field("url"), &types, &field("description")) {
        Ok(new) => new,
        Err(e) => return Ok(reply.failed(&e, HERE)),
    };
    match state.webhooks.register(&session.ctx, new).await {
        Ok(registered) => {
            let done =
                Flash::ok("The webhook was added. Copy its secret now: it is not shown again.");
            let secret = NewSecret {
                url: registered.webhook.url,
                secret: registered.secret,
            };
            render(&state, &session, Some(done), Some(secret)).await
        }
        Err(e) => Ok(reply.failed(&e, HERE)),
    }
}

/// A row of the delivery log.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryRow {
    pub when: String,
    pub event_type: String,
    pub event_id: String,
    pub state: &'static str,
    pub tone: &'static str,
    pub attempts: u32,
    pub last_code: String,
    pub latency: String,
    pub error: String,
    pub next: String,
}

impl DeliveryRow {
    fn new(delivery: &Delivery) -> DeliveryRow {
        let last = delivery.log.first();
        DeliveryRow {
            when: format::time(last.map_or(delivery.created_at, |a| a.at)),
            event_type: delivery.event_type.clone(),
            event_id: delivery
                .event_id
                .map_or_else(|| "test".into(), |id| id.to_string()),
            state: delivery.state.as_str(),
            tone: match delivery.state {
                DeliveryState::Delivered => "ok",
                DeliveryState::Pending => "warn",
                DeliveryState::Failed => "bad",
            },
            attempts: delivery.attempts,
            last_code: last
                .and_then(|a| a.status_code)
                .map_or_else(|| "—".into(), |c| c.to_string()),
            latency: last.map_or_else(|| "—".into(), |a| format!("{} ms", a.latency_ms)),
            error: last.and_then(|a| a.error.clone()).unwrap_or_default(),
            next: delivery
                .next_attempt_at
                .map(format::time)
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "webhook_detail.html")]
pub(crate) struct WebhookDetailPage {
    chrome: Chrome,
    hook: HookRow,
    deliveries: Vec<DeliveryRow>,
    can_change: bool,
}

/// `GET /webhooks/{id}`: the endpoint and its delivery log.
pub(crate) async fn webhook_detail(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PanelError> {
    let id = WebhookId::parse(&id)?;
    let hook = state.webhooks.get(&session.ctx, &id).await?;
    let deliveries = state.webhooks.deliveries(&session.ctx, &id).await?;
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let here = format!("{HERE}/{id}");
    let view = WebhookDetailPage {
        chrome: Chrome::load(&state, &session, "Webhook", "webhooks", here)
            .await?
            .with_flash(flash),
        hook: HookRow::new(&hook),
        deliveries: deliveries.iter().map(DeliveryRow::new).collect(),
        can_change: session.ctx.role.implies(Role::Member),
    };
    Ok(page(&view, shown))
}

/// `POST /webhooks/{id}/test`: queues a test event and comes back to the log.
pub(crate) async fn send_test(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(id): Path<String>,
) -> Response {
    let back = format!("{HERE}/{id}");
    let sent = match WebhookId::parse(&id) {
        Ok(id) => state.webhooks.send_test(&session.ctx, &id).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(_) => reply.done(
            &back,
            Flash::ok("A test event is on its way; its delivery shows below in a moment."),
        ),
        Err(e) => reply.failed(&e, &back),
    }
}

/// `POST /webhooks/{id}/delete`: deletes the endpoint and its log.
pub(crate) async fn delete_webhook(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(id): Path<String>,
) -> Response {
    let deleted = match WebhookId::parse(&id) {
        Ok(id) => state.webhooks.delete(&session.ctx, &id).await,
        Err(e) => Err(e),
    };
    match deleted {
        Ok(()) => reply.done(HERE, Flash::ok("The webhook was deleted.")),
        Err(e) => reply.failed(&e, HERE),
    }
}
