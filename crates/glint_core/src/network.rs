//! IP addresses as Glint judges them: ranges written as addresses or CIDRs (trusted proxies,
//! the operator's allow-list of webhook networks), and which addresses are not on the public
//! internet (loopback, private, link-local, shared, multicast, reserved, and the IPv6 forms that
//! embed such an IPv4 address), where a webhook must not reach unless the operator allows it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::Error;

/// One address or CIDR range (`10.0.0.0/8`, `fd00::/8`, `192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u32,
}

impl IpRange {
    /// Parses an address (a range of one) or a CIDR range; `None` when it is neither.
    pub fn parse(text: &str) -> Option<IpRange> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u32>().ok()?)),
            None => (text.trim(), None),
        };
        let network = address.trim().parse::<IpAddr>().ok()?.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(IpRange { network, prefix })
    }

    /// Whether `ip` lies in the range (an IPv4-mapped IPv6 address counts as its IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Parses a list of addresses and ranges; the error names the first entry that is neither.
pub fn parse_ranges<S: AsRef<str>>(entries: &[S]) -> Result<Vec<IpRange>, String> {
    entries
        .iter()
        .map(|e| {
            IpRange::parse(e.as_ref())
                .ok_or_else(|| format!("{:?} is not an IP address or CIDR range", e.as_ref()))
        })
        .collect()
}

/// Why an address is not on the public internet (`None`: it is).
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    match (a, b) {
        (0, _) => Some("an unspecified address"),
        (127, _) => Some("a loopback address"),
        (10, _) | (192, 168) => Some("a private address"),
        (172, 16..=31) => Some("a private address"),
        (169, 254) => Some("a link-local address"),
        (100, 64..=127) => Some("a shared (carrier-grade NAT) address"),
        (198, 18..=19) => Some("a benchmarking address"),
        (224..=239, _) => Some("a multicast address"),
        (240..=255, _) => Some("a reserved address"),
        (192, 0) if ip.octets()[2] == 0 => Some("a reserved address"),
        _ => None,
    }
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    let segments = ip.segments();
    if bits == 0 {
        return Some("an unspecified address");
    }
    if bits == 1 {
        return Some("a loopback address");
    }
    // Forms that carry an IPv4 address: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d),
    // NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::): judged by that address.
    let low32 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    if bits >> 32 == 0xffff || bits >> 32 == 0 || bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        return non_public_v4(low32);
    }
    if segments[0] == 0x2002 {
        let embedded = Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32);
        return non_public_v4(embedded);
    }
    match segments[0] {
        s if s & 0xfe00 == 0xfc00 => Some("a private (unique local) address"),
        s if s & 0xffc0 == 0xfe80 => Some("a link-local address"),
        s if s & 0xffc0 == 0xfec0 => Some("a private (site-local) address"),
        s if s & 0xff00 == 0xff00 => Some("a multicast address"),
        _ => None,
    }
}

/// Where webhooks may deliver: every public address, and the non-public ranges the operator
/// allows (`[webhooks] allow_networks`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookNetworks {
    allowed: Vec<IpRange>,
}

impl WebhookNetworks {
    /// Public addresses, and those in `allowed`.
    pub fn allowing(allowed: Vec<IpRange>) -> Self {
        WebhookNetworks { allowed }
    }

    /// Whether a delivery may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        self.check(ip).is_ok()
    }

    /// `Ok` when a delivery may connect to `ip`; otherwise a refusal naming the address and why.
    pub fn check(&self, ip: IpAddr) -> Result<(), Error> {
        self.check_named(None, ip)
    }

    /// The same for an address that `host` (a name) resolves to, naming both.
    pub fn check_named(&self, host: Option<&str>, ip: IpAddr) -> Result<(), Error> {
        let Some(why) = non_public(ip) else {
            return Ok(());
        };
        if self.allowed.iter().any(|r| r.contains(ip)) {
            return Ok(());
        }
        let at = match host {
            Some(host) => format!("{host} ({ip})"),
            None => ip.to_string(),
        };
        Err(Error::InvalidInput(format!(
            "Webhook endpoints may not be at {at}: it is {why}. Endpoints must be on the public \
             internet unless the operator allows the network ([webhooks] allow_networks)."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn ranges_are_addresses_or_cidrs() {
        assert!(parse_ranges(&["192.0.2.7", "10.0.0.0/8", "fd00::/8", "::1"]).is_ok());
        for bad in ["10.0.0.0/33", "proxy.example.com", "10.0.0.0/x", ""] {
            assert!(parse_ranges(&[bad]).is_err(), "{bad}");
        }
        let zero = IpRange::parse("0.0.0.0/0");
        assert!(zero.is_some_and(|r| r.contains(ip("203.0.113.9"))));
        let one = IpRange::parse("127.0.0.1");
        assert!(one.is_some_and(|r| r.contains(ip("::ffff:127.0.0.1"))));
        assert!(one.is_some_and(|r| !r.contains(ip("127.0.0.2"))));
    }

    #[test]
    fn addresses_off_the_public_internet_are_named() {
        for (text, why) in [
            ("10.0.0.1", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "shared"),
            ("0.0.0.0", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("192.0.0.8", "reserved"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:0a00:0001::1", "private"),
        ] {
            let found = non_public(ip(text));
            assert!(found.is_some_and(|w| w.contains(why)), "{text}: {found:?}");
        }
        for public in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "192.0.2.1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert_eq!(non_public(ip(public)), None, "{public}");
        }
    }

    #[test]
    fn the_operator_may_allow_a_non_public_network() {
        let none = WebhookNetworks::default();
        for refused in ["10.0.0.1", "169.254.169.254", "::1", "127.0.0.1"] {
            let err = none.check(ip(refused));
            assert!(
                matches!(&err, Err(Error::InvalidInput(m)) if m.contains(refused)),
                "{err:?}"
            );
        }
        assert!(none.permits(ip("203.0.113.9")));
        let loopback =
            WebhookNetworks::allowing(parse_ranges(&["127.0.0.1/32"]).unwrap_or_default());
        assert!(loopback.permits(ip("127.0.0.1")));
        assert!(loopback.permits(ip("::ffff:127.0.0.1")));
        assert!(!loopback.permits(ip("127.0.0.2")));
        assert!(!loopback.permits(ip("::1")));
        assert!(!loopback.permits(ip("10.0.0.1")));
    }
}
