//! The image document's field rules, shared by create and PATCH: the schema check of one member
//! (`{key: value}`, as Glance validates a partial image), which keys are base attributes,
//! read-only or reserved, and the property and tag quotas. Messages follow Glance's texts.
//! The published schema (`schema.rs`) describes the same rules and takes its constants from here.

use std::collections::BTreeMap;

use serde_json::Value;

use super::repr::repr;
use crate::Error;
use crate::image::{CONTAINER_FORMATS, DISK_FORMATS, ImageLimits, ImageStatus, Visibility};

/// The id pattern the schema publishes (8-4-4-4-12 hex digits).
pub(crate) const UUID_PATTERN: &str =
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$";

/// Longest name, owner, tag and custom key (characters).
pub(crate) const MAX_NAME: usize = 255;

/// Values of `cinder_encryption_key_deletion_policy`.
pub(crate) const KEY_DELETION_POLICIES: [&str; 2] = ["on_image_deletion", "do_not_delete"];

/// Attributes of the image record a client may set; everything else a client sends is a custom
/// property (or refused as read-only or reserved).
pub(crate) const BASE_ATTRIBUTES: [&str; 10] = [
    "name",
    "visibility",
    "protected",
    "os_hidden",
    "min_ram",
    "min_disk",
    "container_format",
    "disk_format",
    "owner",
    "tags",
];

/// Keys no request may set (PATCH paths and create keys alike).
pub(crate) const READ_ONLY: [&str; 14] = [
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "size",
    "virtual_size",
    "direct_url",
    "self",
    "file",
    "schema",
    "id",
    "os_hash_algo",
    "os_hash_value",
    "stores",
];

/// Whether a custom key is reserved for the service (`location`, `deleted`, `deleted_at`, the
/// `os_glance` namespace and Glint's lineage properties).
pub(crate) fn is_reserved(key: &str) -> bool {
    matches!(key, "location" | "deleted" | "deleted_at")
        || key.starts_with("os_glance")
        || crate::image::lineage::is_lineage(key)
}

/// 403 "Attribute '<key>' is read-only."
pub(crate) fn read_only(key: &str) -> Error {
    Error::Forbidden(format!("Attribute '{key}' is read-only."))
}

/// 403 "Attribute '<key>' is reserved."
pub(crate) fn reserved(key: &str) -> Error {
    Error::Forbidden(format!("Attribute '{key}' is reserved."))
}

/// 400 for a document that breaks the image schema.
pub(crate) fn schema_error(reason: &str) -> Error {
    Error::InvalidInput(format!(
        "Provided object does not match schema 'image': {reason}"
    ))
}

/// 400 when a custom key is longer than 255 characters.
pub(crate) fn check_custom_key(key: &str) -> Result<(), Error> {
    if key.chars().count() > MAX_NAME {
        return Err(Error::InvalidInput(
            "Custom property should not be greater than 255 characters.".into(),
        ));
    }
    Ok(())
}

/// Checks `{key: value}` against the image schema: base attribute types, enums, lengths and
/// patterns, the extra properties of `schema-image.json`, and strings for every other key.
pub(crate) fn check_member(key: &str, value: &Value) -> Result<(), Error> {
    match key {
        "id" => uuid(value, false),
        "name" | "owner" => string(value, true, Some(MAX_NAME)),
        "checksum" => string(value, true, Some(32)),
        "os_hash_algo" => string(value, true, Some(64)),
        "os_hash_value" => string(value, true, Some(128)),
        "status" => one_of(value, false, &ImageStatus::ALL.map(ImageStatus::as_str)),
        "visibility" => one_of(value, false, &Visibility::ALL.map(Visibility::as_str)),
        "container_format" => one_of(value, true, CONTAINER_FORMATS),
        "disk_format" => one_of(value, true, DISK_FORMATS),
        "protected" | "os_hidden" => boolean(value).map(drop),
        "size" | "virtual_size" if value.is_null() => Ok(()),
        "size" | "virtual_size" => integer_of_types(value, "'null', 'integer'").map(drop),
        "min_ram" | "min_disk" => integer(value).map(drop),
        "tags" => tags(value).map(drop),
        "locations" => locations(value),
        "kernel_id" | "ramdisk_id" => uuid(value, true),
        "cinder_encryption_key_deletion_policy" => one_of(value, false, &KEY_DELETION_POLICIES),
        _ => string(value, false, None),
    }
}

/// A boolean member.
pub(crate) fn boolean(value: &Value) -> Result<bool, Error> {
    value
        .as_bool()
        .ok_or_else(|| not_of_type(value, "'boolean'"))
}

/// An integer member (a float with no fraction counts, as in JSON Schema).
pub(crate) fn integer(value: &Value) -> Result<i64, Error> {
    integer_of_types(value, "'integer'")
}

fn integer_of_types(value: &Value, types: &str) -> Result<i64, Error> {
    let Value::Number(n) = value else {
        return Err(not_of_type(value, types));
    };
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                .map(|f| f as i64)
        })
        .ok_or_else(|| not_of_type(value, types))
}

/// 400 unless `min_ram`/`min_disk` is zero or more.
pub(crate) fn check_not_negative(key: &str, n: i64) -> Result<(), Error> {
    if n < 0 {
        return Err(Error::InvalidInput(format!(
            "Invalid value '{n}' for parameter '{key}': Cannot be a negative value"
        )));
    }
    Ok(())
}

/// A `tags` member: an array of strings of at most 255 characters, as sent (duplicates kept, so
/// that the quota counts what was attempted).
pub(crate) fn tags(value: &Value) -> Result<Vec<String>, Error> {
    let items = value
        .as_array()
        .ok_or_else(|| not_of_type(value, "'array'"))?;
    items
        .iter()
        .map(|item| {
            let tag = item.as_str().ok_or_else(|| not_of_type(item, "'string'"))?;
            max_length(item, tag, MAX_NAME)?;
            Ok(tag.to_owned())
        })
        .collect()
}

/// An optional string member: `None` for null (where allowed).
pub(crate) fn nullable_string(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// 413 when more than `tag_quota` tags are attempted.
pub(crate) fn check_tag_quota(attempted: usize, limits: &ImageLimits) -> Result<(), Error> {
    check_quota("tags", attempted, limits.tag_quota)
}

/// 413 when an image would carry more than `property_quota` custom properties (the service's
/// own `os_glance` keys do not count).
pub(crate) fn check_property_quota(
    properties: &BTreeMap<String, String>,
    limits: &ImageLimits,
) -> Result<(), Error> {
    let attempted = properties
        .keys()
        .filter(|k| !k.starts_with("os_glance"))
        .count();
    check_quota("properties", attempted, limits.property_quota)
}

fn check_quota(what: &str, attempted: usize, maximum: i64) -> Result<(), Error> {
    match u64::try_from(maximum) {
        Ok(max) if attempted as u64 > max => Err(Error::QuotaExceeded(format!(
            "The limit has been exceeded on the number of allowed image {what}. \
             Attempted: {attempted}, Maximum: {maximum}"
        ))),
        _ => Ok(()),
    }
}

fn string(value: &Value, nullable: bool, max: Option<usize>) -> Result<(), Error> {
    match value {
        Value::Null if nullable => Ok(()),
        Value::String(s) => max.map_or(Ok(()), |max| max_length(value, s, max)),
        _ if nullable => Err(not_of_type(value, "'null', 'string'")),
        _ => Err(not_of_type(value, "'string'")),
    }
}

fn one_of(value: &Value, nullable: bool, allowed: &[&str]) -> Result<(), Error> {
    match value {
        Value::Null if nullable => return Ok(()),
        Value::String(s) if allowed.contains(&s.as_str()) => return Ok(()),
        _ => {}
    }
    let mut listed: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
    if nullable {
        listed.insert(0, "None".into());
    }
    Err(schema_error(&format!(
        "{} is not one of [{}]",
        repr(value),
        listed.join(", ")
    )))
}

fn uuid(value: &Value, nullable: bool) -> Result<(), Error> {
    string(value, nullable, None)?;
    match value.as_str() {
        Some(s) if crate::image::ImageId::parse(s).is_err() => Err(schema_error(&format!(
            "{} does not match '{UUID_PATTERN}'",
            repr(value)
        ))),
        _ => Ok(()),
    }
}

fn locations(value: &Value) -> Result<(), Error> {
    let items = value
        .as_array()
        .ok_or_else(|| not_of_type(value, "'array'"))?;
    for item in items {
        let object = item
            .as_object()
            .ok_or_else(|| not_of_type(item, "'object'"))?;
        for required in ["url", "metadata"] {
            if !object.contains_key(required) {
                return Err(schema_error(&format!(
                    "'{required}' is a required property"
                )));
            }
        }
        string(&object["url"], false, Some(MAX_NAME))?;
        for key in ["metadata", "validation_data"] {
            match object.get(key) {
                Some(v) if !v.is_object() => return Err(not_of_type(v, "'object'")),
                _ => {}
            }
        }
    }
    Ok(())
}

fn max_length(value: &Value, s: &str, max: usize) -> Result<(), Error> {
    if s.chars().count() > max {
        return Err(schema_error(&format!("{} is too long", repr(value))));
    }
    Ok(())
}

fn not_of_type(value: &Value, types: &str) -> Error {
    schema_error(&format!("{} is not of type {types}", repr(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(result: Result<(), Error>) -> String {
        match result {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn base_attributes_are_typed() {
        assert!(check_member("name", &Value::Null).is_ok());
        assert!(check_member("name", &json!("x".repeat(255))).is_ok());
        assert!(check_member("name", &json!("x".repeat(256))).is_err());
        assert!(check_member("protected", &json!("true")).is_err());
        assert!(check_member("min_ram", &json!(true)).is_err());
        assert!(check_member("min_ram", &json!(2.0)).is_ok());
        assert!(check_member("min_ram", &json!(2.5)).is_err());
        assert!(check_member("size", &Value::Null).is_ok());
        assert!(check_member("size", &json!("5")).is_err());
        assert!(check_member("id", &json!("not-a-uuid")).is_err());
    }

    #[test]
    fn enums_name_their_choices_like_glance() {
        let m = message(check_member("container_format", &json!("wrong")));
        assert!(m.starts_with(
            "Provided object does not match schema 'image': 'wrong' is not one of [None, 'ami'"
        ));
        assert!(check_member("disk_format", &Value::Null).is_ok());
        assert!(check_member("visibility", &Value::Null).is_err());
        assert!(check_member("cinder_encryption_key_deletion_policy", &json!("later")).is_err());
    }

    #[test]
    fn extras_follow_schema_image_json() {
        assert!(check_member("ramdisk_id", &json!("00000000-1111-2222-3333-444455556666")).is_ok());
        assert!(check_member("kernel_id", &Value::Null).is_ok());
        assert!(check_member("kernel_id", &json!("abc")).is_err());
        assert!(check_member("os_distro", &Value::Null).is_err());
        assert!(check_member("custom", &json!(1)).is_err());
        assert!(check_member("custom", &json!("1")).is_ok());
    }

    #[test]
    fn tags_and_locations_have_shapes() {
        assert_eq!(
            tags(&json!(["a", "a"])).ok(),
            Some(vec!["a".into(), "a".into()])
        );
        assert!(tags(&json!("a")).is_err());
        assert!(tags(&json!([1])).is_err());
        assert!(tags(&json!(["x".repeat(256)])).is_err());
        assert!(check_member("locations", &json!([])).is_ok());
        assert!(check_member("locations", &json!([{"url": "http://x"}])).is_err());
        assert!(check_member("locations", &json!([{"url": "u", "metadata": {}}])).is_ok());
    }

    #[test]
    fn reserved_and_quota_rules() {
        assert!(
            is_reserved("os_glance_foo") && is_reserved("deleted_at") && is_reserved("location")
        );
        assert!(!is_reserved("locations") && !is_reserved("os_distro"));
        assert!(is_reserved("glint_source_image_id") && !is_reserved("glint_deprecated"));
        let limits = ImageLimits {
            tag_quota: 2,
            property_quota: 1,
            ..ImageLimits::default()
        };
        assert!(check_tag_quota(2, &limits).is_ok());
        assert!(matches!(
            check_tag_quota(3, &limits),
            Err(Error::QuotaExceeded(_))
        ));
        let mut props = BTreeMap::from([("a".to_string(), String::new())]);
        props.insert("os_glance_x".into(), String::new());
        assert!(check_property_quota(&props, &limits).is_ok());
        props.insert("b".into(), String::new());
        assert!(matches!(
            check_property_quota(&props, &limits),
            Err(Error::QuotaExceeded(_))
        ));
        let unlimited = ImageLimits {
            property_quota: -1,
            ..limits
        };
        assert!(check_property_quota(&props, &unlimited).is_ok());
    }
}
