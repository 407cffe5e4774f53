//! Request bodies of the Image API: JSON that must be an object or an array, with Glance's
//! messages for what is missing or malformed.

use glint_core::Error;
use serde_json::Value;

/// Parses a JSON body that must be present and be an object or an array.
pub(crate) fn json(body: &[u8]) -> Result<Value, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::InvalidInput("Body expected in request.".into()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| Error::InvalidInput("Malformed JSON in request body.".into()))?;
    if value.is_object() || value.is_array() {
        Ok(value)
    } else {
        Err(Error::InvalidInput(
            "Unexpected body type. Expected list/dict.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_must_be_json_objects_or_arrays() {
        assert!(json(b"{}").is_ok());
        assert!(json(b"[]").is_ok());
        let msg = |b: &[u8]| json(b).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(msg(b""), "Body expected in request.");
        assert_eq!(msg(b"{"), "Malformed JSON in request body.");
        assert_eq!(msg(b"\"x\""), "Unexpected body type. Expected list/dict.");
    }
}
