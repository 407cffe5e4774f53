//! Webhooks: an account's members register HTTP endpoints to be told of the account's share
//! events, signed with a secret shown once; everyone of the account reads them and their
//! delivery log; another account's endpoint is not found. Endpoints must be on the public
//! internet unless the operator allows a network. The delivery worker is `worker`, the HTTP
//! side `sender`, the network rule at each end `address`.

pub(crate) mod address;
pub(crate) mod sender;
pub mod signature;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use glint_core::error::Kind;
use glint_core::event::EventActor;
use glint_core::network::WebhookNetworks;
use glint_core::webhook::{
    DEFAULT_MAX_ENDPOINTS, Delivery, NewWebhook, RetryPolicy, Webhook, WebhookId, test_event,
};
use glint_core::{AuthContext, Error, Result, Role};
use glint_db::Db;
use glint_db::webhooks::{self, NewEndpoint, deliveries};
use tokio::sync::Notify;

use crate::Clock;
use crate::secret::random_url_safe;
use sender::Sender;

/// Deliveries a log shows.
const LOG_DELIVERIES: u32 = 50;

/// How webhooks are delivered on this node.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// This node's id, for its claims.
    pub node_id: String,
    /// Where endpoints may be.
    pub networks: WebhookNetworks,
    /// How long a delivery's request may take.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// How often an idle worker looks for new events.
    pub poll_interval: Duration,
    /// Most endpoints per account.
    pub max_endpoints: u32,
}

impl Default for WebhookSettings {
    /// Public endpoints only, 10 s per request, the default retries, a look every second, 20
    /// endpoints per account.
    fn default() -> Self {
        WebhookSettings {
            node_id: "node-local".into(),
            networks: WebhookNetworks::default(),
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            poll_interval: Duration::from_secs(1),
            max_endpoints: DEFAULT_MAX_ENDPOINTS,
        }
    }
}

/// A new endpoint and its secret, which is shown this once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub webhook: Webhook,
    pub secret: String,
}

/// The webhook use cases and the delivery worker.
#[derive(Debug, Clone)]
pub struct WebhookService {
    db: Db,
    settings: Arc<WebhookSettings>,
    sender: Sender,
    clock: Clock,
    /// Wakes the worker when this node queues a delivery.
    wake: Arc<Notify>,
}

impl WebhookService {
    pub fn new(db: Db, settings: WebhookSettings) -> Result<Self> {
        let sender = Sender::new(Arc::new(settings.networks.clone()), settings.timeout)?;
        Ok(WebhookService {
            db,
            settings: Arc::new(settings),
            sender,
            clock: Clock::system(),
            wake: Arc::new(Notify::new()),
        })
    }

    /// The same service on `clock` (tests move it forward).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Registers an endpoint for the caller's account (a member's right); the answer carries
    /// its secret, which is never shown again.
    #[tracing::instrument(skip(self, ctx, new), fields(account = %ctx.account_id))]
    pub async fn register(&self, ctx: &AuthContext, new: NewWebhook) -> Result<Registered> {
        ctx.require(Role::Member, "register webhooks")?;
        address::check_reachable(&new.url, &self.settings.networks).await?;
        let webhook = Webhook {
            id: WebhookId::random(&uuid::Uuid::new_v4().to_string()),
            account: ctx.account_id.clone(),
            url: new.url.as_str().to_owned(),
            event_types: new.event_types,
            description: new.description,
            created_by: ctx.user_id.clone(),
            created_by_name: ctx.username.clone(),
            created_at: self.clock.now(),
        };
        let secret = format!("whsec_{}", random_url_safe(32)?);
        let endpoint = NewEndpoint {
            webhook: &webhook,
            secret: &secret,
        };
        webhooks::create(&self.db, &endpoint, self.settings.max_endpoints).await?;
        tracing::info!(webhook = %webhook.id, url = %webhook.url, "webhook registered");
        Ok(Registered { webhook, secret })
    }

    /// The endpoints of the caller's account, oldest first.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn list(&self, ctx: &AuthContext) -> Result<Vec<Webhook>> {
        webhooks::list(&self.db, &ctx.account_id).await
    }

    /// One endpoint of the caller's account; `NotFound` for any other.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn get(&self, ctx: &AuthContext, id: &WebhookId) -> Result<Webhook> {
        webhooks::get(&self.db, &ctx.account_id, id)
            .await?
            .ok_or_else(|| Error::not_found(Kind::Webhook, id.as_str()))
    }

    /// Deletes an endpoint of the caller's account (a member's right) with its deliveries.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn delete(&self, ctx: &AuthContext, id: &WebhookId) -> Result<()> {
        self.get(ctx, id).await?;
        ctx.require(Role::Member, "delete webhooks")?;
        if !webhooks::delete(&self.db, &ctx.account_id, id).await? {
            return Err(Error::not_found(Kind::Webhook, id.as_str()));
        }
        tracing::info!(webhook = %id, "webhook deleted");
        Ok(())
    }

    /// The endpoint's latest deliveries, newest first, with their attempts.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn deliveries(&self, ctx: &AuthContext, id: &WebhookId) -> Result<Vec<Delivery>> {
        self.get(ctx, id).await?;
        deliveries::log(&self.db, id, LOG_DELIVERIES).await
    }

    /// Queues a `webhook.test` delivery to the endpoint (a member's right); returns its id.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn send_test(&self, ctx: &AuthContext, id: &WebhookId) -> Result<String> {
        self.get(ctx, id).await?;
        ctx.require(Role::Member, "send test events")?;
        let delivery = uuid::Uuid::new_v4().to_string();
        let now = self.clock.now();
        let event = test_event(
            &format!("test-{delivery}"),
            now,
            &ctx.account_id,
            &EventActor::from(ctx),
        );
        let payload = serde_json::to_string(&event)
            .map_err(|e| Error::Internal(format!("test event: {e}")))?;
        deliveries::queue_test(&self.db, id, &delivery, &payload, now).await?;
        self.wake.notify_one();
        Ok(delivery)
    }
}
