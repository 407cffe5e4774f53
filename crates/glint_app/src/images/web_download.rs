//! The web-download import method: `POST …/import` with a URI answers 202 once the URI passes
//! the operator's filter (Glance's `[import_filtering_opts]`), then the data is fetched in the
//! background into the image like any upload (format check, hashes, size cap, trust report).
//! The fetch connects only where the network rule allows, checked on every address a name
//! resolves to and on every redirect (each hop passes the filter again, and an address in a
//! URL is checked as written), so neither DNS rebinding nor a redirect reaches loopback,
//! private or link-local addresses (169.254.169.254) unless the operator allows those
//! networks; it gives up after the connect and read timeouts. A failed download puts the image
//! back to `queued` with `os_glance_failed_import` set, as Glance does, and its import task
//! (`tasks`) says why.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use glint_core::image::web_download::ImportFilter;
use glint_core::image::{Image, ImageStatus, ImportRequest};
use glint_core::network::WebhookNetworks;
use glint_core::{AuthContext, Error, Result, Timestamp};
use glint_db::images;
use url::{Host, Url};

use super::ImageService;
use super::data::require_formats;
use super::import_stores::ImportTargets;
use crate::webhooks::address::GuardedResolver;

/// Where and how web-download fetches.
#[derive(Debug, Clone)]
pub struct WebDownloadSettings {
    pub filter: ImportFilter,
    /// Networks off the public internet that downloads may reach (none by default).
    pub networks: Arc<WebhookNetworks>,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of the answer (its head, then each chunk).
    pub read_timeout: Duration,
    /// Longest time a whole fetch may take, connection to last byte: a source that trickles
    /// (each chunk within `read_timeout`) cannot hold an import for ever.
    pub total_timeout: Duration,
    /// Most redirects followed.
    pub max_redirects: usize,
}

impl Default for WebDownloadSettings {
    fn default() -> Self {
        WebDownloadSettings {
            filter: ImportFilter::default(),
            networks: Arc::new(WebhookNetworks::default()),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            total_timeout: Duration::from_secs(6 * 3600),
            max_redirects: 5,
        }
    }
}

use glint_core::image::stores::{FAILED, IMPORTING};

/// Refuses a URL whose host is an address the network rule does not allow, saying why.
fn check_literal(url: &Url, networks: &WebhookNetworks) -> Result<()> {
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => std::net::IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => std::net::IpAddr::V6(ip),
        _ => return Ok(()),
    };
    if networks.permits(ip) {
        return Ok(());
    }
    let why = glint_core::network::non_public(ip).unwrap_or("not on the public internet");
    Err(Error::Forbidden(format!(
        "web-download may not fetch from {ip}: it is {why}, and the operator does not allow \
         that network ([web_download] allow_networks)."
    )))
}

impl WebDownloadSettings {
    /// The HTTP client of one download: guarded DNS, the filter and network rule on every
    /// redirect, no proxy.
    fn client(&self) -> Result<reqwest::Client> {
        crate::webhooks::sender::install_crypto_provider();
        let (filter, networks, most) = (
            self.filter.clone(),
            self.networks.clone(),
            self.max_redirects,
        );
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > most {
                return attempt.error(format!("more than {most} redirects"));
            }
            let url = attempt.url().clone();
            if !filter.permits(&url) {
                return attempt.error(format!("a redirect to {url} does not pass filtering"));
            }
            match check_literal(&url, &networks) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(format!("a redirect to {url}: {e}")),
            }
        });
        reqwest::Client::builder()
            .redirect(redirects)
            .no_proxy()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .dns_resolver(GuardedResolver {
                networks: self.networks.clone(),
            })
            .build()
            .map_err(|e| Error::Internal(format!("web-download HTTP client: {e}")))
    }
}

impl ImageService {
    /// Starts a web-download import of the request's URI into the queued `image`, recorded as
    /// its import task; the fetch goes on in the background.
    pub(super) async fn start_web_download(
        &self,
        ctx: &AuthContext,
        image: Image,
        request: &ImportRequest,
        request_id: &str,
    ) -> Result<()> {
        if image.status != ImageStatus::Queued {
            return Err(Error::StateConflict(format!(
                "Image needs to be in queued status to use 'web-download' method; it is {}.",
                image.status
            )));
        }
        if require_formats(&image).is_err() {
            return Err(Error::StateConflict(
                "'disk_format' and 'container_format' must be set before import.".into(),
            ));
        }
        let uri = request.uri.as_deref().unwrap_or_default();
        let url = self.settings.web_download.filter.check(uri)?;
        let stale = self.check_import_lock(&image).await?;
        let targets = self.import_targets(request)?;
        let task = self
            .open_task(
                ctx,
                &image,
                request,
                request_id,
                stale.as_deref(),
                &targets.stores,
            )
            .await?;
        self.claim_for_task(&task, &image, ImageStatus::Queued)
            .await?;
        let marked = if targets.stores.is_empty() {
            self.mark_import(&image, false).await
        } else {
            self.mark_importing(&image, &targets).await
        };
        if let Err(e) = marked {
            self.claim().release(&image, ImageStatus::Importing).await;
            self.fail_task(&task, &e).await;
            return Err(e);
        }
        let (service, undo) = (self.clone(), self.clone());
        let (image_back, targets_back) = (image.clone(), targets.clone());
        self.run_task(
            task,
            async move { service.download_into(&image, url, &targets).await },
            async move {
                undo.claim()
                    .release(&image_back, ImageStatus::Importing)
                    .await;
                if !targets_back.stores.is_empty() {
                    undo.mark_import_failed(&image_back, &targets_back).await;
                } else if let Err(e) = undo.mark_import(&image_back, true).await {
                    tracing::warn!(error = %e, image = %image_back.id, "could not record the failed import");
                }
            },
        );
        Ok(())
    }

    /// Sets Glance's store lists: at the start both empty (one store per region, which Glance
    /// does not name), after a failure `os_glance_failed_import` kept and the importing list
    /// emptied.
    async fn mark_import(&self, image: &Image, failed: bool) -> Result<()> {
        let marked = images::modify(&self.db, &image.id, |current| {
            current.properties.insert(IMPORTING.into(), String::new());
            if !failed || !current.properties.contains_key(FAILED) {
                current.properties.insert(FAILED.into(), String::new());
            }
            current.updated_at = Timestamp::now();
            Ok(true)
        })
        .await;
        match marked {
            Ok(_) | Err(Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Fetches `url` into `image` (claimed as `importing`) and activates it: the body of a
    /// web-download import, and of a legacy `import` task.
    pub(super) async fn download_into(
        &self,
        image: &Image,
        url: Url,
        targets: &ImportTargets,
    ) -> Result<()> {
        let settings = &self.settings.web_download;
        check_literal(&url, &settings.networks)?;
        let cap = self.settings.limits.size_cap;
        let fetch_failed = |e: reqwest::Error| {
            if e.is_timeout() {
                let (what, limit) = if e.is_connect() {
                    ("connect", settings.connect_timeout)
                } else {
                    ("answer", settings.read_timeout)
                };
                return Error::Unavailable(format!(
                    "fetching {url}: timed out: the server did not {what} within {} s",
                    limit.as_secs()
                ));
            }
            // reqwest's own text repeats the URL; the causes say what went wrong.
            let mut causes = Vec::new();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                causes.push(inner.to_string());
                source = inner.source();
            }
            let why = if causes.is_empty() {
                e.to_string()
            } else {
                causes.join(": ")
            };
            Error::Unavailable(format!("fetching {url}: {why}"))
        };
        let total = settings.total_timeout;
        let deadline = tokio::time::Instant::now() + total;
        let too_long = || {
            format!(
                "fetching {url}: timed out: the whole fetch did not finish within {} s",
                total.as_secs()
            )
        };
        let response =
            tokio::time::timeout_at(deadline, settings.client()?.get(url.clone()).send())
                .await
                .map_err(|_| Error::Unavailable(too_long()))?
                .map_err(fetch_failed)?;
        if !response.status().is_success() {
            return Err(Error::Unavailable(format!(
                "fetching {url}: the server answered {}",
                response.status()
            )));
        }
        if response.content_length().is_some_and(|n| n > cap) {
            return Err(Error::QuotaExceeded(format!(
                "fetching {url}: its {} bytes pass the image size cap of {cap} bytes",
                response.content_length().unwrap_or_default()
            )));
        }
        let too_long = too_long();
        let body = futures::stream::unfold(Some(response), move |response| {
            let too_long = too_long.clone();
            async move {
                let mut response = response?;
                match tokio::time::timeout_at(deadline, response.chunk()).await {
                    Ok(Ok(Some(chunk))) => Some((Ok::<Bytes, String>(chunk), Some(response))),
                    Ok(Ok(None)) => None,
                    Ok(Err(e)) => Some((Err(e.to_string()), None)),
                    Err(_) => Some((Err(too_long), None)),
                }
            }
        });
        self.receive_into_stores(image, Box::pin(body), targets)
            .await
    }
}
