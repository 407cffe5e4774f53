//! What a registration may say: an `http` or `https` URL with a host and without credentials
//! or fragment, the event types wanted (known ones; none means every type), and a short
//! description. Whether the URL's addresses may be reached is the network rule's
//! (`crate::network::WebhookNetworks`), checked where names are resolved.

use std::net::IpAddr;

use serde_json::Value;

use crate::event::EventKind;
use crate::{Error, Result};

/// The longest URL taken.
pub const MAX_URL: usize = 2048;
/// The longest description taken, in characters.
pub const MAX_DESCRIPTION: usize = 255;

/// Where an endpoint's host is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookHost {
    /// An address written in the URL: nothing to resolve.
    Ip(IpAddr),
    /// A name to resolve.
    Name(String),
}

/// An endpoint's URL, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

fn bad_url(text: &str, why: &str) -> Error {
    Error::InvalidInput(format!("Invalid webhook URL '{text}': {why}."))
}

impl WebhookUrl {
    /// Parses and checks a URL a client gave.
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() > MAX_URL {
            return Err(Error::InvalidInput(format!(
                "Invalid webhook URL: it is longer than {MAX_URL} characters."
            )));
        }
        let url = url::Url::parse(text.trim()).map_err(|e| bad_url(text, &e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad_url(text, "it must start with http:// or https://"));
        }
        if url.host().is_none() {
            return Err(bad_url(text, "it has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad_url(
                text,
                "it may not carry a user name or password (deliveries are signed instead)",
            ));
        }
        if url.fragment().is_some() {
            return Err(bad_url(text, "it may not have a fragment (#…)"));
        }
        Ok(WebhookUrl(url))
    }

    /// Wraps a URL read back from the store.
    pub fn from_stored(text: &str) -> Result<Self> {
        url::Url::parse(text)
            .map(WebhookUrl)
            .map_err(|e| Error::Internal(format!("stored webhook URL: {e}")))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host: an address, or a name to resolve.
    pub fn host(&self) -> WebhookHost {
        match self.0.host() {
            Some(url::Host::Ipv4(ip)) => WebhookHost::Ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => WebhookHost::Ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => WebhookHost::Name(name.to_owned()),
            None => WebhookHost::Name(String::new()),
        }
    }

    /// The port connected to (the scheme's when the URL names none).
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(80)
    }
}

/// A registration, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: WebhookUrl,
    /// The event types wanted, each once, in the order given; empty: every type.
    pub event_types: Vec<EventKind>,
    pub description: String,
}

impl NewWebhook {
    /// Reads a registration body: `{"url", "event_types": [...], "description"}`, only `url`
    /// required.
    pub fn from_json(body: &Value) -> Result<Self> {
        let object = body.as_object().ok_or_else(|| {
            Error::InvalidInput("Expected a JSON object with a 'url' in the request body.".into())
        })?;
        if let Some(other) = object
            .keys()
            .find(|k| !matches!(k.as_str(), "url" | "event_types" | "description"))
        {
            return Err(Error::InvalidInput(format!(
                "Unknown field '{other}': a webhook takes url, event_types and description."
            )));
        }
        let url = match object.get("url") {
            Some(Value::String(text)) => WebhookUrl::parse(text)?,
            Some(_) => return Err(Error::InvalidInput("'url' must be a string.".into())),
            None => return Err(Error::InvalidInput("A webhook needs a 'url'.".into())),
        };
        let event_types = match object.get("event_types") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(names)) => event_types(names)?,
            Some(_) => {
                return Err(Error::InvalidInput(
                    "'event_types' must be a list of event type names.".into(),
                ));
            }
        };
        let description = match object.get("description") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => description(text)?,
            Some(_) => {
                return Err(Error::InvalidInput(
                    "'description' must be a string.".into(),
                ));
            }
        };
        Ok(NewWebhook {
            url,
            event_types,
            description,
        })
    }

    /// A registration from a form (the panel): the URL, the types ticked and a description.
    pub fn from_form(url: &str, types: &[String], text: &str) -> Result<Self> {
        let names: Vec<Value> = types.iter().map(|t| Value::String(t.clone())).collect();
        Ok(NewWebhook {
            url: WebhookUrl::parse(url)?,
            event_types: event_types(&names)?,
            description: description(text)?,
        })
    }
}

fn event_types(names: &[Value]) -> Result<Vec<EventKind>> {
    let mut kinds: Vec<EventKind> = Vec::new();
    for name in names {
        let Value::String(name) = name else {
            return Err(Error::InvalidInput(
                "'event_types' must be a list of event type names.".into(),
            ));
        };
        let kind: EventKind = name.parse()?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

fn description(text: &str) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(Error::InvalidInput(format!(
            "The description is too long: at most {MAX_DESCRIPTION} characters."
        )));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn urls_are_http_or_https_with_a_host_and_nothing_secret() {
        let ok = WebhookUrl::parse("https://hooks.example.com:8443/glint?x=1");
        assert!(ok.as_ref().is_ok_and(|u| u.port() == 8443));
        let literal = WebhookUrl::parse("http://[::1]/in").map(|u| u.host());
        assert!(matches!(literal, Ok(WebhookHost::Ip(ip)) if ip.is_loopback()));
        let named = WebhookUrl::parse("http://hooks.example.com/").map(|u| (u.host(), u.port()));
        assert!(matches!(named, Ok((WebhookHost::Name(n), 80)) if n == "hooks.example.com"));
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "example.com/hook",
            "http://user:pw@example.com/",
            "http://example.com/#frag",
            "http://",
            "",
        ] {
            assert!(
                matches!(WebhookUrl::parse(bad), Err(Error::InvalidInput(_))),
                "{bad}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn a_registration_names_known_types_once_and_nothing_else() {
        let read = NewWebhook::from_json(&json!({
            "url": "https://example.com/h",
            "event_types": ["share.accepted", "image.deleted", "share.accepted"],
            "description": "  ops  ",
        }));
        let read = read.ok();
        assert_eq!(
            read.as_ref().map(|n| n.event_types.clone()),
            Some(vec![EventKind::Accepted, EventKind::Deleted])
        );
        assert_eq!(read.map(|n| n.description), Some("ops".to_owned()));
        let all = NewWebhook::from_json(&json!({"url": "http://example.com/"}));
        assert!(all.is_ok_and(|n| n.event_types.is_empty()));
        for (bad, says) in [
            (json!({}), "needs a 'url'"),
            (json!({"url": 5}), "'url' must be a string"),
            (
                json!({"url": "http://e.com/", "event_types": ["share.nope"]}),
                "share.created",
            ),
            (
                json!({"url": "http://e.com/", "event_types": "share.created"}),
                "list",
            ),
            (
                json!({"url": "http://e.com/", "secret": "x"}),
                "Unknown field 'secret'",
            ),
            (
                json!({"url": "http://e.com/", "description": "d".repeat(256)}),
                "too long",
            ),
            (json!([1]), "JSON object"),
        ] {
            let err = NewWebhook::from_json(&bad);
            assert!(
                matches!(&err, Err(Error::InvalidInput(m)) if m.contains(says)),
                "{bad}: {err:?}"
            );
        }
    }
}
