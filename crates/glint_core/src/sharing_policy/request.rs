//! Reading a request that sets a policy: `{"mode", "trusted_producers", "rules",
//! "allowed_ssh_keys"}`, every field optional (a field left out takes its default), nothing
//! else accepted.

use serde_json::Value;

use super::{ContentRules, MAX_ALLOWED_KEYS, MAX_TRUSTED_PRODUCERS, PolicyMode, SharingPolicy};
use crate::group::account_number;
use crate::{Error, Result};

const FIELDS: [&str; 4] = ["mode", "trusted_producers", "rules", "allowed_ssh_keys"];

/// The policy a request body sets (its `updated` is left to the caller).
pub fn policy_from_body(body: &Value) -> Result<SharingPolicy> {
    let object = body.as_object().ok_or_else(|| {
        Error::InvalidInput("Expected a JSON object in the request body (a sharing policy).".into())
    })?;
    if let Some(other) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Error::InvalidInput(format!(
            "Unknown field '{}': a sharing policy takes {}.",
            other.escape_debug(),
            FIELDS.join(", ")
        )));
    }
    let mode = match object.get("mode") {
        None => PolicyMode::Off,
        Some(Value::String(s)) => s.parse()?,
        Some(_) => {
            return Err(Error::InvalidInput(
                "'mode' must be off, audit or enforce.".into(),
            ));
        }
    };
    let rules = match object.get("rules") {
        None | Some(Value::Null) => ContentRules::default(),
        Some(value) => ContentRules::from_json(value)?,
    };
    let trusted_producers = strings(object.get("trusted_producers"), "trusted_producers")?
        .iter()
        .map(|s| account_number(s))
        .collect::<Result<Vec<_>>>()?;
    if trusted_producers.len() > MAX_TRUSTED_PRODUCERS {
        return Err(Error::InvalidInput(format!(
            "A sharing policy trusts at most {MAX_TRUSTED_PRODUCERS} producers."
        )));
    }
    let allowed_ssh_keys = strings(object.get("allowed_ssh_keys"), "allowed_ssh_keys")?;
    if allowed_ssh_keys.len() > MAX_ALLOWED_KEYS {
        return Err(Error::InvalidInput(format!(
            "The SSH key allow-list holds at most {MAX_ALLOWED_KEYS} fingerprints."
        )));
    }
    for key in &allowed_ssh_keys {
        fingerprint(key)?;
    }
    Ok(SharingPolicy {
        mode,
        trusted_producers: dedup(trusted_producers),
        rules,
        allowed_ssh_keys: dedup(allowed_ssh_keys),
        updated: None,
    })
}

/// A list of strings, or nothing for a field left out or null.
fn strings(value: Option<&Value>, field: &str) -> Result<Vec<String>> {
    let refused = || Error::InvalidInput(format!("'{field}' must be a list of strings."));
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(refused))
            .collect(),
        Some(_) => Err(refused()),
    }
}

/// A key fingerprint as `ssh-keygen -l` prints it: `SHA256:` and 43 characters of unpadded
/// base64.
fn fingerprint(key: &str) -> Result<()> {
    let body = key.strip_prefix("SHA256:").unwrap_or_default();
    let ok = body.len() == 43
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "'{}' is not an SSH key fingerprint: expected SHA256: and 43 characters, as \
             ssh-keygen -l prints it.",
            key.escape_debug()
        )))
    }
}

fn dedup(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}
