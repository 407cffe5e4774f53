//! Webhooks: endpoints an account registers to be told of its share events by HTTP, and the
//! deliveries of those events to them. What an endpoint is and what a registration may say
//! (`request`), how long and how often a failing delivery is retried (`retry`), and the shapes
//! of a delivery and its attempts as the store keeps them. The sending is `glint_app`'s.

mod request;
mod retry;

use std::fmt;

pub use request::{NewWebhook, WebhookHost, WebhookUrl};
pub use retry::RetryPolicy;

use crate::event::{EventId, EventKind};
use crate::image::ImageId;
use crate::{AccountId, Error, Result, Timestamp, UserId, Username};

/// The type a test delivery carries: not a share event, and never in a feed.
pub const TEST_EVENT_TYPE: &str = "webhook.test";

/// Most endpoints an account may have, unless the operator says otherwise.
pub const DEFAULT_MAX_ENDPOINTS: u32 = 20;

/// An endpoint's id: a UUID in its 36-character hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebhookId(String);

impl WebhookId {
    /// A new random (v4) id, lowercase.
    pub fn random(uuid_v4: &str) -> Self {
        WebhookId(uuid_v4.to_ascii_lowercase())
    }

    /// Reads an id from a path: one that cannot be an endpoint's id names none (`NotFound`).
    pub fn parse(value: &str) -> Result<Self> {
        ImageId::parse(value)
            .map(|_| WebhookId(value.to_ascii_lowercase()))
            .map_err(|_| Error::not_found(crate::error::Kind::Webhook, value))
    }

    /// Wraps a value read back from the store.
    pub fn from_trusted(value: String) -> Self {
        WebhookId(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// A registered endpoint, as its account sees it (its secret is shown once, at registration,
/// and never read back through this type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: WebhookId,
    pub account: AccountId,
    pub url: String,
    /// The event types it receives; empty: every type.
    pub event_types: Vec<EventKind>,
    pub description: String,
    pub created_by: UserId,
    pub created_by_name: Username,
    pub created_at: Timestamp,
}

impl Webhook {
    /// Whether it receives events of `kind`.
    pub fn wants(&self, kind: EventKind) -> bool {
        self.event_types.is_empty() || self.event_types.contains(&kind)
    }
}

/// Event types as the store keeps them: wire names joined by commas ("" for every type).
pub fn stored_event_types(kinds: &[EventKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads event types back from the store.
pub fn event_types_from_stored(text: &str) -> Result<Vec<EventKind>> {
    text.split(',')
        .filter(|n| !n.is_empty())
        .map(|n| {
            n.parse()
                .map_err(|e: Error| Error::Internal(format!("stored webhook event type: {e}")))
        })
        .collect()
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not yet acknowledged with a 2xx; tried again at its next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt failed until the retry period ended.
    Failed,
}

impl DeliveryState {
    /// The wire name, also the stored one.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// Reads a stored state.
    pub fn from_stored(value: &str) -> Result<Self> {
        match value {
            "pending" => Ok(DeliveryState::Pending),
            "delivered" => Ok(DeliveryState::Delivered),
            "failed" => Ok(DeliveryState::Failed),
            other => Err(Error::Internal(format!("unknown delivery state {other}"))),
        }
    }
}

/// One attempt to deliver: when, what the endpoint answered (no status when it did not
/// answer), how long it took, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: Timestamp,
    pub status_code: Option<u16>,
    pub latency_ms: u64,
    /// Why the attempt failed (a timeout, a refused connection, a non-2xx answer); `None` on
    /// success.
    pub error: Option<String>,
}

/// One event's delivery to one endpoint, with its latest attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub endpoint_id: WebhookId,
    /// The share event delivered; `None` for a test delivery.
    pub event_id: Option<EventId>,
    /// The event's type (`share.created`, …, or `webhook.test`).
    pub event_type: String,
    pub image_id: Option<ImageId>,
    pub state: DeliveryState,
    pub attempts: u32,
    pub created_at: Timestamp,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<Timestamp>,
    /// When it was delivered or given up.
    pub finished_at: Option<Timestamp>,
    /// The attempts the log still holds, newest first.
    pub log: Vec<Attempt>,
}

/// The event of a test delivery: the shape of a share event's wire form (`ShareEvent::to_wire`),
/// of type `webhook.test`, with no image and no parties, sent by `actor` of `account`.
pub fn test_event(
    id: &str,
    at: Timestamp,
    account: &AccountId,
    actor: &crate::event::EventActor,
) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "type": TEST_EVENT_TYPE,
        "created_at": at.to_keystone(),
        "image": null,
        "producer": null,
        "consumer": null,
        "actor": {
            "user_id": actor.user_id.as_str(),
            "user_name": actor.user_name.as_str(),
        },
        "detail": {"account": account.as_str()},
    })
}

/// A delivery's body: the event's wire form with the delivery's ids.
pub fn delivery_body(
    delivery_id: &str,
    endpoint_id: &WebhookId,
    attempt: u32,
    event: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "delivery_id": delivery_id,
        "endpoint_id": endpoint_id.as_str(),
        "attempt": attempt,
        "event": event,
    })
}
