//! The web-download import method's URI rules, as Glance's `[import_filtering_opts]` has them:
//! allowed and disallowed schemes, hosts and ports, an allow-list winning over its deny-list,
//! a port checked only when the URI names one. A URI that fails is refused before anything
//! is fetched. Where the fetch may then connect (addresses, redirects) is the app's.

use url::Url;

use crate::{Error, Result};

/// The filtering options. The defaults are Glance's: `http` and `https`, ports 80 and 443.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFilter {
    pub allowed_schemes: Vec<String>,
    pub disallowed_schemes: Vec<String>,
    pub allowed_hosts: Vec<String>,
    pub disallowed_hosts: Vec<String>,
    pub allowed_ports: Vec<u16>,
    pub disallowed_ports: Vec<u16>,
}

impl Default for ImportFilter {
    fn default() -> Self {
        ImportFilter {
            allowed_schemes: vec!["http".into(), "https".into()],
            disallowed_schemes: Vec::new(),
            allowed_hosts: Vec::new(),
            disallowed_hosts: Vec::new(),
            allowed_ports: vec![80, 443],
            disallowed_ports: Vec::new(),
        }
    }
}

/// Passes when an allow-list is given and holds `value`, or no allow-list is given and the
/// deny-list does not hold it.
fn passes<T: PartialEq>(value: &T, allowed: &[T], disallowed: &[T]) -> bool {
    if allowed.is_empty() {
        !disallowed.contains(value)
    } else {
        allowed.contains(value)
    }
}

impl ImportFilter {
    /// Whether `url` passes the options (a redirect's target is checked the same way).
    pub fn permits(&self, url: &Url) -> bool {
        let scheme = url.scheme().to_owned();
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        passes(&scheme, &self.allowed_schemes, &self.disallowed_schemes)
            && passes(&host, &self.allowed_hosts, &self.disallowed_hosts)
            && url
                .port()
                .is_none_or(|port| passes(&port, &self.allowed_ports, &self.disallowed_ports))
    }

    /// The URI of a web-download request, once it passes (400 as Glance words it otherwise).
    pub fn check(&self, uri: &str) -> Result<Url> {
        let refused = || {
            Error::InvalidInput(format!(
                "URI for web-download does not pass filtering: {}",
                uri.escape_debug()
            ))
        };
        let url = Url::parse(uri.trim()).map_err(|_| refused())?;
        if !url.username().is_empty() || url.password().is_some() || !self.permits(&url) {
            return Err(refused());
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glances_defaults_take_http_and_https_on_their_ports() {
        let filter = ImportFilter::default();
        for ok in [
            "http://example.com/a.qcow2",
            "https://example.com:443/a",
            "http://[2001:db8::1]/x",
        ] {
            assert!(filter.check(ok).is_ok(), "{ok}");
        }
        for refused in [
            "ftp://example.com/a",
            "http://example.com:8080/a",
            "file:///etc/passwd",
            "not a uri",
            "http://user:pw@example.com/a",
            "",
        ] {
            let e = filter.check(refused).unwrap_err().to_string();
            assert!(e.contains("does not pass filtering"), "{refused}: {e}");
        }
    }

    #[test]
    fn an_allow_list_wins_over_its_deny_list() {
        let filter = ImportFilter {
            allowed_hosts: vec!["images.example.com".into()],
            disallowed_hosts: vec!["images.example.com".into()],
            allowed_ports: vec![],
            disallowed_ports: vec![8080],
            ..ImportFilter::default()
        };
        assert!(filter.check("http://images.example.com:9000/a").is_ok());
        assert!(filter.check("http://images.example.com:8080/a").is_err());
        assert!(filter.check("http://other.example.com/a").is_err());
    }
}
