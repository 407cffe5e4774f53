//! Sending one delivery over HTTP: a JSON POST with the event's ids and type in headers and
//! the signature over the time and the body, within the configured time, following no
//! redirect and using no proxy, to addresses the network rule allows only (an address in the
//! URL is checked before anything is sent; names resolve through `GuardedResolver`). Any 2xx
//! is a success; anything else (another status, a timeout, a failed connection) is a failure
//! described for the delivery log.

use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use glint_core::network::WebhookNetworks;
use glint_core::webhook::{Attempt, WebhookHost, WebhookUrl};
use glint_core::{Error, Result, Timestamp};
use glint_db::webhooks::deliveries::DeliveryJob;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};

use super::address::GuardedResolver;
use super::signature;

/// Makes deliveries' HTTP requests; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Sender {
    client: reqwest::Client,
    networks: Arc<WebhookNetworks>,
    timeout: Duration,
}

/// Installs ring as rustls' process-wide crypto provider (the build has no other).
pub(crate) fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Sender {
    /// A sender to the networks `networks` allows, giving each request `timeout`.
    pub(crate) fn new(networks: Arc<WebhookNetworks>, timeout: Duration) -> Result<Self> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .pool_max_idle_per_host(2)
            .dns_resolver(GuardedResolver {
                networks: networks.clone(),
            })
            .build()
            .map_err(|e| Error::Internal(format!("webhook HTTP client: {e}")))?;
        Ok(Sender {
            client,
            networks,
            timeout,
        })
    }

    /// Sends `body` for `job` at `at`, and says how it went.
    pub(crate) async fn send(&self, job: &DeliveryJob, body: Vec<u8>, at: Timestamp) -> Attempt {
        let started = Instant::now();
        let answered = self.post(job, body, at).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match answered {
            Ok(status) if status.is_success() => Attempt {
                at,
                status_code: Some(status.as_u16()),
                latency_ms,
                error: None,
            },
            Ok(status) => Attempt {
                at,
                status_code: Some(status.as_u16()),
                latency_ms,
                error: Some(format!("answered {status}")),
            },
            Err(why) => Attempt {
                at,
                status_code: None,
                latency_ms,
                error: Some(why),
            },
        }
    }

    /// The POST itself: the endpoint's status, or why there was none.
    async fn post(
        &self,
        job: &DeliveryJob,
        body: Vec<u8>,
        at: Timestamp,
    ) -> Result<reqwest::StatusCode, String> {
        let url = WebhookUrl::from_stored(&job.url).map_err(|e| e.to_string())?;
        if let WebhookHost::Ip(ip) = url.host() {
            self.networks.check(ip).map_err(|e| e.to_string())?;
        }
        let headers = headers(job, &body, at).map_err(|e| e.to_string())?;
        let response = self
            .client
            .post(url.as_str())
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| self.describe(&e))?;
        Ok(response.status())
    }

    /// A failed request in a line: a timeout, or the error with its causes.
    fn describe(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!("no answer within {} s", self.timeout.as_secs_f32());
        }
        let mut text = if error.is_connect() {
            "could not connect".to_owned()
        } else {
            "the request failed".to_owned()
        };
        let mut cause = std::error::Error::source(error);
        while let Some(inner) = cause {
            text.push_str(": ");
            text.push_str(&inner.to_string());
            cause = inner.source();
        }
        text
    }
}

/// A delivery's headers: JSON, who sends, the event's id and type, the delivery's id and
/// attempt, and the signature.
fn headers(job: &DeliveryJob, body: &[u8], at: Timestamp) -> Result<HeaderMap> {
    let unix_secs = at.micros().div_euclid(1_000_000);
    let value = |text: String| {
        HeaderValue::from_str(&text).map_err(|e| Error::Internal(format!("webhook header: {e}")))
    };
    let event_id = match job.event_id {
        Some(id) => id.to_string(),
        None => format!("test-{}", job.id),
    };
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let agent = concat!("Glint-Webhooks/", env!("CARGO_PKG_VERSION"));
    headers.insert(USER_AGENT, HeaderValue::from_static(agent));
    headers.insert("glint-event-id", value(event_id)?);
    headers.insert("glint-event-type", value(job.event_type.clone())?);
    headers.insert("glint-delivery-id", value(job.id.clone())?);
    headers.insert("glint-delivery-attempt", value(job.attempt.to_string())?);
    let signed = signature::sign(&job.secret, unix_secs, body)?;
    headers.insert(signature::HEADER, value(signed)?);
    Ok(headers)
}
