//! Metadata-definition schemas (`/v2/schemas/metadefs/...`), each with its proper `name` and the
//! shape of what `/v2/metadefs/…` serves (`glint_core::metadef`): the same fields and limits
//! (80 characters for names, 500 for a namespace's description, 255 for its owner).

use serde_json::{Map, Value, json};

use super::collection;

/// The schema at `/v2/schemas/metadefs/<name>`, for `namespace(s)`, `resource_type(s)`,
/// `object(s)`, `property`/`properties` and `tag(s)`; `None` for any other name.
pub fn metadef_schema(name: &str) -> Option<Value> {
    Some(match name {
        "namespace" => namespace(),
        "namespaces" => collection("namespaces", namespace()),
        "resource_type" => resource_type(),
        "resource_types" => collection("resource_type_associations", resource_type()),
        "object" => object(),
        "objects" => collection("objects", object()),
        "property" => property(true),
        "properties" => properties(),
        "tag" => tag(),
        "tags" => collection("tags", tag()),
        _ => return None,
    })
}

fn single(name: &str, properties: Value, required: &[&str]) -> Value {
    json!({
        "name": name,
        "properties": properties,
        "additionalProperties": false,
        "required": required,
    })
}

fn timestamps(properties: &mut Value) {
    if let Some(map) = properties.as_object_mut() {
        for key in ["created_at", "updated_at"] {
            map.insert(
                key.into(),
                json!({"type": "string", "readOnly": true, "format": "date-time"}),
            );
        }
    }
}

fn namespace() -> Value {
    let mut p = json!({
        "namespace": {"type": "string", "description": "The unique namespace text.", "maxLength": 80},
        "display_name": {"type": "string", "maxLength": 80},
        "description": {"type": "string", "maxLength": 500},
        "visibility": {"type": "string", "enum": ["public", "private"]},
        "protected": {"type": "boolean"},
        "owner": {"type": "string", "maxLength": 255},
    });
    timestamps(&mut p);
    if let Some(map) = p.as_object_mut() {
        map.insert("schema".into(), json!({"readOnly": true, "type": "string"}));
        map.insert("self".into(), json!({"readOnly": true, "type": "string"}));
        map.insert(
            "resource_type_associations".into(),
            json!({"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"},
                "prefix": {"type": "string"},
                "properties_target": {"type": "string"},
            }}}),
        );
        map.insert("properties".into(), json!({"type": "object"}));
        map.insert(
            "objects".into(),
            json!({"type": "array", "items": {"type": "object"}}),
        );
        map.insert(
            "tags".into(),
            json!({"type": "array", "items": {"type": "object"}}),
        );
    }
    single("namespace", p, &["namespace"])
}

fn resource_type() -> Value {
    let mut p = json!({
        "name": {"type": "string", "maxLength": 80},
        "prefix": {"type": "string", "maxLength": 80},
        "properties_target": {"type": "string", "maxLength": 80},
    });
    timestamps(&mut p);
    single("resource_type_association", p, &["name"])
}

fn object() -> Value {
    let mut p = json!({
        "name": {"type": "string", "maxLength": 80},
        "description": {"type": "string"},
        "required": {"type": "array", "items": {"type": "string"}},
        "properties": {"type": "object"},
        "schema": {"readOnly": true, "type": "string"},
        "self": {"readOnly": true, "type": "string"},
    });
    timestamps(&mut p);
    single("object", p, &["name"])
}

fn property(require_name: bool) -> Value {
    let types = json!([
        "array", "boolean", "integer", "number", "object", "string", null
    ]);
    let p = json!({
        "name": {"type": "string", "maxLength": 80},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "type": {"type": "string", "enum": types},
        "default": {},
        "readonly": {"type": "boolean"},
        "enum": {"type": "array"},
        "minimum": {"type": "number"},
        "maximum": {"type": "number"},
        "maxLength": {"type": "integer", "minimum": 0},
        "minLength": {"type": "integer", "minimum": 0},
        "pattern": {"type": "string", "format": "regex"},
    });
    let required: &[&str] = if require_name {
        &["type", "title", "name"]
    } else {
        &["type", "title"]
    };
    single("property", p, required)
}

/// The properties collection is keyed by property name, so its items need no `name`.
fn properties() -> Value {
    let mut doc = collection("properties", Value::Null);
    let mut item = Map::new();
    item.insert("type".into(), json!("object"));
    item.insert("additionalProperties".into(), property(false));
    doc["properties"]["properties"] = Value::Object(item);
    doc
}

fn tag() -> Value {
    let mut p = json!({"name": {"type": "string", "maxLength": 80}});
    timestamps(&mut p);
    single("tag", p, &["name"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metadef_schema_has_the_name_tempest_expects() {
        for (path, name) in [
            ("namespace", "namespace"),
            ("namespaces", "namespaces"),
            ("resource_type", "resource_type_association"),
            ("resource_types", "resource_type_associations"),
            ("object", "object"),
            ("objects", "objects"),
            ("property", "property"),
            ("properties", "properties"),
            ("tag", "tag"),
            ("tags", "tags"),
        ] {
            let schema = metadef_schema(path).unwrap();
            assert_eq!(schema["name"], name, "{path}");
        }
        assert_eq!(metadef_schema("image"), None);
    }

    #[test]
    fn collections_wrap_their_items() {
        let tags = metadef_schema("tags").unwrap();
        assert_eq!(tags["properties"]["tags"]["items"]["name"], "tag");
        let props = metadef_schema("properties").unwrap();
        let item = &props["properties"]["properties"]["additionalProperties"];
        assert_eq!(item["required"], json!(["type", "title"]));
        assert_eq!(
            metadef_schema("property").unwrap()["required"],
            json!(["type", "title", "name"])
        );
    }
}
