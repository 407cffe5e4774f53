//! Glance's legacy tasks API (`/v2/tasks`): who may use it (the cloud admin only, Glance's
//! default `tasks_api_access: role:admin`), what a `POST /v2/tasks` body must hold and how a
//! refusal is worded (Glance's deserializer, its task schema, `unpack_task_input` and
//! `validate_legacy_import_from_uri`), and the `import` task it records. List queries are
//! `query`'s, the JSON schemas `schema`'s. Creating the image, resolving the source's host and
//! fetching it are the service's.

pub mod query;
pub mod schema;

use serde_json::{Map, Value};
use url::Url;

use crate::image::create::repr::repr;
use crate::image::web_download::ImportFilter;
use crate::task::{ImageTask, TaskStatus};
use crate::{AuthContext, Error, Result, Timestamp};

/// The type of the tasks this API creates: an image made from `image_properties` and filled
/// from `import_from`.
pub const LEGACY_IMPORT_TYPE: &str = "import";

/// Every task type Glance's task schema names (the other two are made by its own APIs).
pub const TASK_TYPES: [&str; 3] = ["import", "api_image_import", "location_import"];

/// The input fields an `import` task needs, in the order Glance checks them.
const INPUT_FIELDS: [&str; 3] = ["import_from", "import_from_format", "image_properties"];

/// The only source schemes Glance's legacy import knows.
const SOURCE_SCHEMES: [&str; 2] = ["http://", "https://"];

/// 403 unless the caller is the cloud admin (Glance's `tasks_api_access`, checked before
/// anything else, so a stranger learns nothing about any task).
pub fn require_access(ctx: &AuthContext) -> Result<()> {
    if ctx.is_admin() {
        return Ok(());
    }
    Err(Error::Forbidden(
        "You are not authorized to complete tasks_api_access action.".into(),
    ))
}

/// A `POST /v2/tasks` body that passed every check that needs no lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct LegacyImport {
    /// The source, as sent.
    pub import_from: String,
    /// The image's properties, to be checked as an image create body.
    pub image_properties: Map<String, Value>,
    /// The task's input as sent, which the task shows.
    pub input: Value,
}

fn schema_error(reason: &str) -> Error {
    Error::InvalidInput(format!(
        "Provided object does not match schema 'task': {reason}"
    ))
}

/// Checks one member of the body against Glance's task schema (which allows no other key).
fn check_member(key: &str, value: &Value) -> Result<()> {
    let not_of = |types: &str| schema_error(&format!("{} is not of type {types}", repr(value)));
    match key {
        "type" => {
            let Some(text) = value.as_str() else {
                return Err(not_of("'string'"));
            };
            if !TASK_TYPES.contains(&text) {
                let names: Vec<String> = TASK_TYPES.iter().map(|t| format!("'{t}'")).collect();
                return Err(schema_error(&format!(
                    "{} is not one of [{}]",
                    repr(value),
                    names.join(", ")
                )));
            }
        }
        "input" | "result" if !(value.is_null() || value.is_object()) => {
            return Err(not_of("'null', 'object'"));
        }
        "expires_at" if !(value.is_null() || value.is_string()) => {
            return Err(not_of("'null', 'string'"));
        }
        "status"
            if value
                .as_str()
                .and_then(|s| s.parse::<TaskStatus>().ok())
                .is_none() =>
        {
            return Err(schema_error(&format!(
                "{} is not one of ['pending', 'processing', 'success', 'failure']",
                repr(value)
            )));
        }
        "id" | "owner" | "message" | "image_id" | "request_id" | "user_id" | "created_at"
        | "updated_at" | "self" | "schema"
            if !value.is_string() =>
        {
            return Err(not_of("'string'"));
        }
        "input" | "result" | "expires_at" | "status" | "id" | "owner" | "message" | "image_id"
        | "request_id" | "user_id" | "created_at" | "updated_at" | "self" | "schema" => {}
        other => {
            return Err(schema_error(&format!(
                "Additional properties are not allowed ('{other}' was unexpected)"
            )));
        }
    }
    Ok(())
}

/// Parses a `POST /v2/tasks` body in Glance's order: `type` and `input` present, the body
/// against the task schema, then (Glint refuses at once what Glance's task would fail on)
/// the type and each input field.
pub fn parse_create(body: &Value) -> Result<LegacyImport> {
    let Some(body) = body.as_object() else {
        return Err(schema_error(&format!(
            "{} is not of type 'object'",
            repr(body)
        )));
    };
    for required in ["type", "input"] {
        if !body.contains_key(required) {
            return Err(Error::InvalidInput(format!(
                "Task '{required}' is required"
            )));
        }
    }
    for (key, value) in body {
        check_member(key, value)?;
    }
    let task_type = body["type"].as_str().unwrap_or_default();
    if task_type != LEGACY_IMPORT_TYPE {
        return Err(Error::InvalidInput(format!(
            "Provided type of task is unsupported: {task_type}"
        )));
    }
    let input = body["input"].as_object().cloned().unwrap_or_default();
    if let Some(missing) = INPUT_FIELDS.iter().find(|f| !input.contains_key(**f)) {
        return Err(Error::InvalidInput(format!(
            "Input does not contain '{missing}' field"
        )));
    }
    let import_from = match &input["import_from"] {
        Value::String(text) => text.clone(),
        other => return Err(invalid_location(other)),
    };
    let Some(image_properties) = input["image_properties"].as_object().cloned() else {
        return Err(Error::InvalidInput(format!(
            "Invalid image_properties: {} is not an object",
            repr(&input["image_properties"])
        )));
    };
    Ok(LegacyImport {
        import_from,
        image_properties,
        input: Value::Object(input),
    })
}

fn invalid_location(value: &Value) -> Error {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => repr(other),
    };
    Error::InvalidInput(format!("Invalid location: {shown}"))
}

/// The refusal of a source that does not pass the operator's filter, or whose host does not
/// resolve to an address a fetch may reach (Glance's words for both).
pub fn not_passing(uri: &str) -> Error {
    Error::InvalidInput(format!(
        "URI for legacy import task does not pass filtering: {}",
        uri.escape_debug()
    ))
}

/// Checks the source as Glance does before anything is stored: an http(s) URI (file URIs are
/// refused by name) that passes the import filter. Where its host resolves is checked after.
pub fn check_source(uri: &str, filter: &ImportFilter) -> Result<Url> {
    if uri.is_empty() {
        return Err(invalid_location(&Value::String(String::new())));
    }
    if uri.starts_with("file:///") || uri.starts_with("filesystem:///") {
        return Err(Error::InvalidInput(
            "File based imports are not allowed. Please use a non-local source of image data."
                .into(),
        ));
    }
    if !SOURCE_SCHEMES.iter().any(|s| uri.starts_with(s)) {
        return Err(Error::InvalidInput(
            "The given uri is not valid. Please specify a valid uri from the following list of \
             supported uri ['http']"
                .into(),
        ));
    }
    let url = Url::parse(uri).map_err(|_| not_passing(uri))?;
    if !url.username().is_empty() || url.password().is_some() || !filter.permits(&url) {
        return Err(not_passing(uri));
    }
    Ok(url)
}

impl ImageTask {
    /// A new pending `import` task, asked for by `ctx` in request `request_id`, that fills
    /// the image `image_id` (made for it) from its `input`.
    pub fn legacy_import(
        id: String,
        ctx: &AuthContext,
        image_id: &str,
        request_id: &str,
        input: Value,
        now: Timestamp,
    ) -> Self {
        ImageTask::pending(
            LEGACY_IMPORT_TYPE,
            id,
            ctx,
            image_id,
            request_id,
            input,
            now,
        )
    }

    /// Whether the task was made by the legacy tasks API; Glance keeps no image id on those
    /// (the image is named by the result).
    pub fn is_legacy_import(&self) -> bool {
        self.task_type == LEGACY_IMPORT_TYPE
    }
}

#[cfg(test)]
mod tests;
