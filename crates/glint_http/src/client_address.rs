//! The client's address, for the sign-in throttle: the connection's peer, unless that peer is a
//! trusted proxy (`server.trusted_proxies`). Then `X-Forwarded-For` says whom it forwarded for:
//! its entries are read from the right, skipping trusted proxies, and the first other address is
//! the client's. From any other peer the header is ignored, since a client may write any address
//! there (and so escape its own throttle, or spend someone else's).

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use glint_core::network::{IpRange, parse_ranges};

/// The proxies whose `X-Forwarded-For` is believed; none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    /// Trusts no proxy: the client is always the connection's peer.
    pub fn none() -> Self {
        TrustedProxies::default()
    }

    /// Parses addresses and CIDR ranges; the error names the first entry that is neither.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        parse_ranges(entries).map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|r| r.contains(ip))
    }

    /// The client behind a request whose connection came from `peer` (`None`: not known).
    pub(crate) fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let mut client = peer?.to_canonical();
        if !self.trusts(client) {
            return Some(client);
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// An `X-Forwarded-For` entry: an address, perhaps with a port (`192.0.2.1:4711`,
/// `[2001:db8::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            if let Ok(value) = v.parse() {
                headers.append("x-forwarded-for", value);
            }
        }
        headers
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_trusted() {
        let headers = forwarded(&["198.51.100.7"]);
        let none = TrustedProxies::none();
        assert_eq!(none.client(ip("203.0.113.9"), &headers), ip("203.0.113.9"));
        assert_eq!(none.client(None, &headers), None, "no peer, no address");
        let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap_or_default();
        assert_eq!(
            proxies.client(ip("203.0.113.9"), &headers),
            ip("203.0.113.9")
        );
        assert_eq!(proxies.client(ip("10.1.2.3"), &headers), ip("198.51.100.7"));
    }

    #[test]
    fn trusted_hops_are_skipped_from_the_right() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "2001:db8::1"]).unwrap_or_default();
        // The client wrote the first entry itself; the proxies added the others.
        let headers = forwarded(&["192.0.2.66, 198.51.100.7", "10.0.0.5:4711"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &headers), ip("198.51.100.7"));
        let mapped = ip("::ffff:10.0.0.1");
        assert_eq!(proxies.client(mapped, &headers), ip("198.51.100.7"));
        let all_trusted = forwarded(&["10.9.9.9"]);
        assert_eq!(
            proxies.client(ip("2001:db8::1"), &all_trusted),
            ip("10.9.9.9")
        );
        let garbage = forwarded(&["198.51.100.7, unknown"]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &garbage), ip("10.0.0.1"));
    }

    #[test]
    fn entries_are_addresses_or_ranges() {
        assert!(TrustedProxies::parse(&["192.0.2.7", "10.0.0.0/8", "fd00::/8", "::1"]).is_ok());
        for bad in ["10.0.0.0/33", "proxy.example.com", "10.0.0.0/x", ""] {
            assert!(TrustedProxies::parse(&[bad]).is_err(), "{bad}");
        }
        let zero = TrustedProxies::parse(&["0.0.0.0/0"]).unwrap_or_default();
        assert!(zero.trusts(IpAddr::from([203, 0, 113, 9])));
    }
}
