//! Reading Identity API requests: a JSON body into its wire type, and Keystone's boolean query
//! values, each failure a 400 in Keystone's error shape.

use serde::de::DeserializeOwned;

use glint_core::Error;

/// The body as `T`; a body that is not JSON, or not of `T`'s shape, is 400 naming what is
/// expected (`what`, such as `{"user": {...}}`).
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| {
        Error::InvalidInput(format!(
            "The request body must be a JSON object {what}: {e}."
        ))
    })
}

/// A Keystone boolean query value: `0`, `false`, `no` and `off` (in any case) are false,
/// anything else, the empty value included, is true.
pub(crate) fn is_true(value: &str) -> bool {
    !matches!(
        value.to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keystone_booleans() {
        for yes in ["", "1", "true", "True", "yes"] {
            assert!(is_true(yes), "{yes}");
        }
        for no in ["0", "false", "FALSE", "no", "off"] {
            assert!(!is_true(no), "{no}");
        }
    }
}
