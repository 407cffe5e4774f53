//! The published schemas: their names and shapes, and that the image documents the API emits
//! validate against the image schema (checked with a small validator for the keywords used).

use serde_json::{Value, json};

use super::*;
use crate::image::ImageId;

/// Validates `value` against `schema` for the keywords the image schema uses: type (one or a
/// list), enum, maxLength, pattern (only the UUID pattern), items, properties, required and
/// additionalProperties.
fn validate(schema: &Value, value: &Value) -> Result<(), String> {
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return Err("bad type keyword".into()),
        };
        let fits = |t: &str| match t {
            "null" => value.is_null(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        };
        if !types.iter().any(|t| fits(t)) {
            return Err(format!("{value} is not of type {types:?}"));
        }
    }
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.contains(value)
    {
        return Err(format!("{value} is not one of {allowed:?}"));
    }
    let max_length = schema.get("maxLength").and_then(Value::as_u64);
    if let (Some(max), Some(s)) = (max_length, value.as_str())
        && s.chars().count() as u64 > max
    {
        return Err(format!("{value} is too long"));
    }
    if let (Some(pattern), Some(s)) = (
        schema.get("pattern").and_then(Value::as_str),
        value.as_str(),
    ) {
        assert_eq!(
            pattern, UUID_PATTERN,
            "only the UUID pattern is understood here"
        );
        ImageId::parse(s).map_err(|e| e.to_string())?;
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        values.iter().try_for_each(|v| validate(items, v))?;
    }
    if let Some(object) = value.as_object() {
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !object.contains_key(required.as_str().unwrap_or_default()) {
                return Err(format!("{required} is a required property"));
            }
        }
        for (key, v) in object {
            match schema.get("properties").and_then(|p| p.get(key)) {
                Some(sub) => validate(sub, v)?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => return Err(format!("unexpected {key}")),
                    Some(sub @ Value::Object(_)) => validate(sub, v)?,
                    _ => {}
                },
            }
        }
    }
    Ok(())
}

/// An image as the API shows it: every always-present key, nulls included, plus custom keys.
fn queued_image() -> Value {
    json!({
        "id": "4b434528-5e2b-4e3c-a3bb-2c6d2bdd3d55", "name": null, "status": "queued",
        "visibility": "shared", "protected": false, "os_hidden": false, "checksum": null,
        "os_hash_algo": null, "os_hash_value": null, "owner": "7c1f3a", "size": null,
        "virtual_size": null, "disk_format": null, "container_format": null, "min_ram": 0,
        "min_disk": 0, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "tags": [], "self": "/v2/images/4b434528-5e2b-4e3c-a3bb-2c6d2bdd3d55",
        "file": "/v2/images/4b434528-5e2b-4e3c-a3bb-2c6d2bdd3d55/file", "schema": "/v2/schemas/image",
    })
}

#[test]
fn image_documents_validate_against_the_image_schema() {
    let schema = image_schema();
    let mut image = queued_image();
    validate(&schema, &image).unwrap();
    image["status"] = json!("active");
    image["checksum"] = json!("0".repeat(32));
    image["os_hash_algo"] = json!("sha512");
    image["os_hash_value"] = json!("f".repeat(128));
    image["size"] = json!(1024);
    image["virtual_size"] = json!(1024);
    image["disk_format"] = json!("raw");
    image["container_format"] = json!("bare");
    image["tags"] = json!(["a", "b"]);
    image["ramdisk_id"] = json!("00000000-1111-2222-3333-444455556666");
    image["os_distro"] = json!("cirros");
    image["hw_custom"] = json!("");
    validate(&schema, &image).unwrap();
    image["hw_custom"] = json!(1);
    assert!(
        validate(&schema, &image).is_err(),
        "custom properties must be strings"
    );
}

#[test]
fn the_image_schema_describes_every_base_property() {
    let schema = image_schema();
    assert_eq!(schema["name"], "image");
    assert_eq!(schema["additionalProperties"], json!({"type": "string"}));
    let links: Vec<&str> = schema["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    assert_eq!(links, ["self", "enclosure", "describedby"]);
    let props = &schema["properties"];
    let extras = [
        "direct_url",
        "stores",
        "locations",
        "kernel_id",
        "ramdisk_id",
        "instance_uuid",
        "architecture",
        "os_distro",
        "os_version",
        "description",
        "cinder_encryption_key_id",
        "cinder_encryption_key_deletion_policy",
    ];
    for key in crate::image::BASE_KEYS.into_iter().chain(extras) {
        assert!(props.get(key).is_some(), "{key} missing");
    }
    assert_eq!(props["name"]["type"], json!(["null", "string"]));
    assert_eq!(props["status"]["readOnly"], json!(true));
    assert_eq!(props["disk_format"]["enum"][0], Value::Null);
    assert_eq!(
        props["container_format"]["enum"].as_array().unwrap().len(),
        CONTAINER_FORMATS.len() + 1
    );
    assert_eq!(
        props["visibility"]["enum"],
        json!(["community", "public", "private", "shared"])
    );
    assert_eq!(
        props["tags"]["items"],
        json!({"type": "string", "maxLength": 255})
    );
    assert_eq!(props["locations"]["type"], "array");
    assert_eq!(props["kernel_id"]["is_base"], json!(false));
    assert!(validate(&props["kernel_id"], &json!("nope")).is_err());
    assert!(validate(&props["kernel_id"], &Value::Null).is_ok());
}

#[test]
fn the_images_schema_wraps_the_image_schema() {
    let schema = images_schema();
    assert_eq!(schema["name"], "images");
    assert_eq!(schema["properties"]["images"]["items"], image_schema());
    let page =
        json!({"images": [queued_image()], "first": "/v2/images", "schema": "/v2/schemas/images"});
    validate(&schema, &page).unwrap();
    let links: Vec<&str> = schema["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert_eq!(links, ["{first}", "{next}", "{schema}"]);
}

#[test]
fn member_schemas_are_minimal() {
    let member = member_schema();
    assert_eq!(member["name"], "member");
    assert!(member.get("additionalProperties").is_none());
    assert_eq!(
        member["properties"]["status"]["enum"],
        json!(["pending", "accepted", "rejected"])
    );
    let row = json!({
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "image_id": "4b434528-5e2b-4e3c-a3bb-2c6d2bdd3d55", "member_id": "p2",
        "status": "pending", "schema": "/v2/schemas/member",
    });
    validate(&member, &row).unwrap();
    let members = members_schema();
    assert_eq!(members["name"], "members");
    assert_eq!(members["properties"]["members"]["items"], member);
    assert_eq!(
        members["links"],
        json!([{"rel": "describedby", "href": "{schema}"}])
    );
}
