//! Image updates (`PATCH /v2/images/{id}`): the two JSON-Patch media types and the request body;
//! `change` reads each operation object (with `pointer` for its path), `apply` and `attributes`
//! carry out the operations on an image. Who may patch an image at all is the service layer's
//! business.

mod apply;
mod attributes;
mod change;
mod pointer;

use serde_json::Value;

pub use self::apply::apply_patch;
use self::change::check_change;
use crate::Error;

/// The draft-10 style media type (`{"op", "path", "value"}`), which clients send.
pub const MEDIA_TYPE_V2_1: &str = "application/openstack-images-v2.1-json-patch";
/// The draft-4 style media type (`{"<op>": "<path>", "value"}`), which tempest sends.
pub const MEDIA_TYPE_V2_0: &str = "application/openstack-images-v2.0-json-patch";
/// The `Accept-Patch` header value to send with a 415.
pub const ACCEPT_PATCH: &str =
    "application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch";

const OPERATIONS: [&str; 3] = ["add", "remove", "replace"];

/// One operation, with `path` the decoded top-level member it targets (e.g. `"name"`; for
/// `/locations/-` it is `"locations"`).
#[derive(Debug, Clone, PartialEq)]
pub enum PatchOp {
    Add { path: String, value: Value },
    Replace { path: String, value: Value },
    Remove { path: String },
}

impl PatchOp {
    /// The targeted member.
    pub fn path(&self) -> &str {
        match self {
            PatchOp::Add { path, .. }
            | PatchOp::Replace { path, .. }
            | PatchOp::Remove { path } => path,
        }
    }
}

/// Which media type the request used; `add` on an existing member differs between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchDialect {
    /// `application/openstack-images-v2.1-json-patch`: `add` overwrites.
    V2_1,
    /// `application/openstack-images-v2.0-json-patch`: `add` on an existing member is a 409.
    V2_0,
}

/// Who is patching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchCaller {
    pub is_admin: bool,
}

/// Parses a PATCH body given its Content-Type (parameters such as `charset` are ignored).
///
/// Errors: `UnsupportedMediaType` for any other media type (the HTTP layer adds
/// `Accept-Patch: ACCEPT_PATCH`); `InvalidInput` for malformed bodies, operations, pointers and
/// values; `Forbidden` for read-only or reserved paths. Checks run per operation, in order.
pub fn parse_patch(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(PatchDialect, Vec<PatchOp>), Error> {
    let media_type = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|mt| mt.trim().to_ascii_lowercase());
    let dialect = match media_type.as_deref() {
        Some(MEDIA_TYPE_V2_1) => PatchDialect::V2_1,
        Some(MEDIA_TYPE_V2_0) => PatchDialect::V2_0,
        _ => {
            return Err(Error::UnsupportedMediaType(format!(
                "Image PATCH expects Content-Type one of: {ACCEPT_PATCH}"
            )));
        }
    };
    if body.is_empty() {
        return Err(bad("Body expected in request."));
    }
    let body: Value =
        serde_json::from_slice(body).map_err(|_| bad("Malformed JSON in request body."))?;
    let changes = match body {
        Value::Array(changes) => changes,
        Value::Object(_) => {
            return Err(bad(
                "Request body must be a JSON array of operation objects.",
            ));
        }
        _ => return Err(bad("Unexpected body type. Expected list/dict.")),
    };
    let ops = changes
        .iter()
        .map(|raw| {
            let raw = raw
                .as_object()
                .ok_or_else(|| bad("Operations must be JSON objects."))?;
            change::parse_change(dialect, raw)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((dialect, ops))
}

fn bad(message: &str) -> Error {
    Error::InvalidInput(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The operations of `body` sent as `dialect`.
    pub(super) fn parse(dialect: &str, body: Value) -> Result<Vec<PatchOp>, Error> {
        parse_patch(Some(dialect), body.to_string().as_bytes()).map(|(_, ops)| ops)
    }

    /// The message of the error `result` must be.
    pub(super) fn message(result: Result<Vec<PatchOp>, Error>) -> String {
        match result {
            Err(Error::InvalidInput(m) | Error::Forbidden(m)) => m,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn only_the_two_media_types_are_taken() {
        let body = b"[]";
        assert_eq!(
            parse_patch(Some(MEDIA_TYPE_V2_1), body).unwrap().0,
            PatchDialect::V2_1
        );
        let with_charset = format!("{MEDIA_TYPE_V2_0}; charset=UTF-8");
        assert_eq!(
            parse_patch(Some(&with_charset), body).unwrap().0,
            PatchDialect::V2_0
        );
        for ct in [
            None,
            Some("application/json"),
            Some("application/json-patch+json"),
        ] {
            assert!(matches!(
                parse_patch(ct, body),
                Err(Error::UnsupportedMediaType(_))
            ));
        }
    }

    #[test]
    fn bodies_must_be_arrays_of_objects() {
        let v21 = Some(MEDIA_TYPE_V2_1);
        assert_eq!(
            message(parse_patch(v21, b"").map(|x| x.1)),
            "Body expected in request."
        );
        assert_eq!(
            message(parse_patch(v21, b"[").map(|x| x.1)),
            "Malformed JSON in request body."
        );
        assert_eq!(
            message(parse(MEDIA_TYPE_V2_1, json!({"op": "add"}))),
            "Request body must be a JSON array of operation objects."
        );
        assert_eq!(
            message(parse(MEDIA_TYPE_V2_1, json!("x"))),
            "Unexpected body type. Expected list/dict."
        );
        assert_eq!(
            message(parse(MEDIA_TYPE_V2_1, json!([1]))),
            "Operations must be JSON objects."
        );
    }
}
