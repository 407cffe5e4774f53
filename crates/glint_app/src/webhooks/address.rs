//! Where a webhook may connect: the network rule (`WebhookNetworks`) applied to the addresses an
//! endpoint's host stands for. At registration every address the host resolves to must be
//! allowed (an address in the URL is checked as written; the only traffic is the DNS query).
//! At delivery the sender resolves through `GuardedResolver`, which hands the connection only
//! the allowed addresses it just resolved, so a name that changes its answer after
//! registration (DNS rebinding) still cannot reach a refused address.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use glint_core::network::WebhookNetworks;
use glint_core::webhook::{WebhookHost, WebhookUrl};
use glint_core::{Error, Result};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The longest a registration waits for DNS.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Checks that every address `url`'s host stands for may be reached.
pub(crate) async fn check_reachable(url: &WebhookUrl, networks: &WebhookNetworks) -> Result<()> {
    let name = match url.host() {
        WebhookHost::Ip(ip) => return networks.check(ip),
        WebhookHost::Name(name) => name,
    };
    let unresolved = |why: String| {
        Error::InvalidInput(format!(
            "Invalid webhook URL: the host {name} could not be resolved ({why})."
        ))
    };
    let found = tokio::time::timeout(
        RESOLVE_TIMEOUT,
        tokio::net::lookup_host((name.as_str(), url.port())),
    )
    .await
    .map_err(|_| unresolved("no answer in time".into()))?
    .map_err(|e| unresolved(e.to_string()))?;
    let addresses: Vec<SocketAddr> = found.collect();
    if addresses.is_empty() {
        return Err(unresolved("no addresses".into()));
    }
    for address in addresses {
        networks.check_named(Some(&name), address.ip())?;
    }
    Ok(())
}

/// The sender's DNS: resolves as the system does and keeps only the addresses the network rule
/// allows; a name with none fails to resolve, naming the refused addresses.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver {
    pub networks: Arc<WebhookNetworks>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let networks = self.networks.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
                found.into_iter().partition(|a| networks.permits(a.ip()));
            if allowed.is_empty() {
                let refused: Vec<String> = refused.iter().map(|a| a.ip().to_string()).collect();
                let why = format!(
                    "{host} resolves to no address Glint may connect to (refused: {})",
                    refused.join(", ")
                );
                return Err(std::io::Error::other(why).into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_core::network::parse_ranges;

    fn url(text: &str) -> WebhookUrl {
        WebhookUrl::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[tokio::test]
    async fn addresses_and_names_off_the_public_internet_are_refused_unless_allowed() {
        let strict = WebhookNetworks::default();
        for refused in [
            "http://10.0.0.1/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost:9/",
        ] {
            let checked = check_reachable(&url(refused), &strict).await;
            assert!(
                matches!(&checked, Err(Error::InvalidInput(m)) if m.contains("may not be at")),
                "{refused}: {checked:?}"
            );
        }
        let loopback =
            WebhookNetworks::allowing(parse_ranges(&["127.0.0.1/32"]).unwrap_or_default());
        assert!(
            check_reachable(&url("http://127.0.0.1:9/"), &loopback)
                .await
                .is_ok()
        );
        assert!(
            check_reachable(&url("http://203.0.113.7/"), &strict)
                .await
                .is_ok()
        );
        let unknown = check_reachable(&url("http://no-such-host.invalid/"), &strict).await;
        assert!(
            matches!(&unknown, Err(Error::InvalidInput(m)) if m.contains("could not be resolved")),
            "{unknown:?}"
        );
    }

    #[tokio::test]
    async fn the_senders_resolver_hands_over_allowed_addresses_only() {
        let strict = GuardedResolver {
            networks: Arc::new(WebhookNetworks::default()),
        };
        let name: Name = "localhost".parse().unwrap_or_else(|_| panic!("a name"));
        let refused = strict.resolve(name).await.err().map(|e| e.to_string());
        assert!(
            refused.as_deref().is_some_and(|m| m.contains("127.0.0.1")),
            "{refused:?}"
        );
        let loopback = GuardedResolver {
            networks: Arc::new(WebhookNetworks::allowing(
                parse_ranges(&["127.0.0.1/32"]).unwrap_or_default(),
            )),
        };
        let name: Name = "localhost".parse().unwrap_or_else(|_| panic!("a name"));
        let allowed: Vec<SocketAddr> = match loopback.resolve(name).await {
            Ok(addrs) => addrs.collect(),
            Err(e) => panic!("{e}"),
        };
        assert!(!allowed.is_empty());
        assert!(
            allowed.iter().all(|a| a.ip().to_string() == "127.0.0.1"),
            "{allowed:?}"
        );
    }
}
