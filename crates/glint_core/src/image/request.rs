//! Image API request values that the edge parses once into domain types: the media type of
//! image data, an import request, a PATCH (`ImagePatch`), and `Deferred`, which carries a parse
//! error to the point of the service's checks where the reference reports it.

use serde_json::Value;

use crate::Error;
use crate::image::Visibility;
use crate::image::patch::{PatchDialect, PatchOp, parse_patch};

/// A request value parsed at the edge whose error, if any, the service reports only when its
/// checks reach that value: the reference looks an image up before it reads a PATCH body, a
/// member status or an import method, so a request that is wrong on both counts gets the 404.
pub type Deferred<T> = Result<T, Error>;

/// The one media type image data is sent as.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// The media type a request sent image data as (`Content-Type` of `PUT …/file` and `…/stage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataMediaType {
    /// `application/octet-stream`, with or without parameters.
    OctetStream,
    /// Anything else, as sent.
    Other(String),
    /// No `Content-Type`.
    Unstated,
}

impl DataMediaType {
    /// Reads a `Content-Type` header value (parameters and case are ignored).
    pub fn from_header(value: Option<&str>) -> Self {
        let Some(value) = value else {
            return DataMediaType::Unstated;
        };
        let essence = value.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case(OCTET_STREAM) {
            DataMediaType::OctetStream
        } else {
            DataMediaType::Other(value.to_owned())
        }
    }

    /// `UnsupportedMediaType` (415) unless the data came as `application/octet-stream`.
    pub fn require_octet_stream(&self) -> Result<(), Error> {
        let sent = match self {
            DataMediaType::OctetStream => return Ok(()),
            DataMediaType::Other(value) => value.as_str(),
            DataMediaType::Unstated => "(none)",
        };
        Err(Error::UnsupportedMediaType(format!(
            "The request media type {sent} is not supported by this server: send image data as {OCTET_STREAM}."
        )))
    }
}

/// A JSON-Patch update of an image, in one of the two media types.
#[derive(Debug, Clone, PartialEq)]
pub struct ImagePatch {
    pub dialect: PatchDialect,
    pub ops: Vec<PatchOp>,
}

impl ImagePatch {
    /// Parses a PATCH body given its `Content-Type` (see `parse_patch` for the errors).
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<ImagePatch, Error> {
        let (dialect, ops) = parse_patch(content_type, body)?;
        Ok(ImagePatch { dialect, ops })
    }

    /// The update that gives an image `visibility`, as a client's `replace /visibility` would.
    pub fn set_visibility(visibility: Visibility) -> ImagePatch {
        ImagePatch {
            dialect: PatchDialect::V2_1,
            ops: vec![PatchOp::Replace {
                path: "visibility".into(),
                value: Value::String(visibility.as_str().to_owned()),
            }],
        }
    }
}

/// Import methods the reference knows of.
const KNOWN_METHODS: &[&str] = &[
    "glance-direct",
    "web-download",
    "copy-image",
    "glance-download",
];

/// A `POST …/import` request: the method, one this cloud offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRequest {
    pub method: String,
    /// The URI to fetch, for `web-download`.
    pub uri: Option<String>,
    /// The body's `stores`, when it names some.
    pub stores: Option<Vec<String>>,
    /// The body's `all_stores` (false when absent).
    pub all_stores: bool,
    /// The body's `all_stores_must_succeed` (true when absent, as Glance).
    pub all_stores_must_succeed: bool,
    /// The request's `X-Image-Meta-Store` header, which the handler sets.
    pub store_header: Option<String>,
    /// The body as sent, which the import's task records (Glance's `import_req`).
    pub body: Value,
}

impl ImportRequest {
    /// Reads an import body; `offered` are the methods this cloud offers.
    pub fn parse(body: &Value, offered: &[&str]) -> Result<ImportRequest, Error> {
        let invalid = |m: &str| Error::InvalidInput(m.to_owned());
        let method = body
            .get("method")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("Import request requires a 'method' field."))?;
        let name = method
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("Import request requires a 'name' field."))?;
        if !KNOWN_METHODS.contains(&name) {
            return Err(invalid(&format!("Unknown import method name '{name}'.")));
        }
        if !offered.contains(&name) {
            return Err(invalid(&format!(
                "Import method '{name}' is not offered here; use one of: {}.",
                offered.join(", ")
            )));
        }
        for flag in ["all_stores", "all_stores_must_succeed"] {
            if body.get(flag).is_some_and(|v| !v.is_boolean()) {
                return Err(invalid(&format!("'{flag}' must be a boolean.")));
            }
        }
        let stores = match body.get("stores") {
            None => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<String>>>()
                    .ok_or_else(|| invalid("'stores' must be a list of store ids."))?,
            ),
            Some(_) => return Err(invalid("'stores' must be a list of store ids.")),
        };
        let flag =
            |name: &str, absent: bool| body.get(name).and_then(Value::as_bool).unwrap_or(absent);
        let uri = match (name, method.get("uri")) {
            ("web-download", Some(Value::String(uri))) => Some(uri.clone()),
            ("web-download", _) => {
                return Err(invalid(
                    "A web-download import requires the 'uri' of the data, as a string.",
                ));
            }
            _ => None,
        };
        Ok(ImportRequest {
            method: name.to_owned(),
            uri,
            stores,
            all_stores: flag("all_stores", false),
            all_stores_must_succeed: flag("all_stores_must_succeed", true),
            store_header: None,
            body: body.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn data_must_be_an_octet_stream_whatever_its_parameters() {
        let of = DataMediaType::from_header;
        assert_eq!(
            of(Some("Application/Octet-Stream; x=1")),
            DataMediaType::OctetStream
        );
        assert!(of(Some(OCTET_STREAM)).require_octet_stream().is_ok());
        for refused in [of(Some("text/plain")), of(None)] {
            assert!(matches!(
                refused.require_octet_stream(),
                Err(Error::UnsupportedMediaType(_))
            ));
        }
    }

    #[test]
    fn import_requests_name_an_offered_method() {
        let offered = ["glance-direct"];
        let parse = |body: Value| ImportRequest::parse(&body, &offered);
        assert_eq!(
            parse(json!({"method": {"name": "glance-direct"}}))
                .unwrap()
                .method,
            "glance-direct"
        );
        for refused in [
            json!({}),
            json!({"method": {}}),
            json!({"method": {"name": "nope"}}),
            json!({"method": {"name": "web-download"}}),
            json!({"method": {"name": "glance-direct"}, "all_stores": "yes"}),
            json!({"method": {"name": "glance-direct"}, "stores": "a"}),
            json!({"method": {"name": "glance-direct"}, "stores": [1]}),
        ] {
            assert!(matches!(parse(refused), Err(Error::InvalidInput(_))));
        }
    }

    #[test]
    fn making_an_image_shareable_is_a_replace_of_its_visibility() {
        let patch = ImagePatch::set_visibility(Visibility::Shared);
        let sent = ImagePatch::parse(
            Some(crate::image::patch::MEDIA_TYPE_V2_1),
            br#"[{"op": "replace", "path": "/visibility", "value": "shared"}]"#,
        )
        .unwrap();
        assert_eq!(patch, sent);
    }
}
