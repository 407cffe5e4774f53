//! The JSON schemas served under `/v2/schemas/`: the image schema (Glance's base properties plus
//! the `schema-image.json` extras, permissive for custom string properties), the images
//! collection, the member and members schemas, and minimal metadata-definition schemas. Clients
//! (glanceclient's warlock models) validate what we return against these, so they must describe
//! the image documents the API emits.

mod metadef;

use serde_json::{Map, Value, json};

pub use self::metadef::metadef_schema;
use super::create::fields::{KEY_DELETION_POLICIES, MAX_NAME, UUID_PATTERN};
use super::{CONTAINER_FORMATS, DISK_FORMATS, ImageStatus, MemberStatus, Visibility};

/// `GET /v2/schemas/image`.
pub fn image_schema() -> Value {
    json!({
        "name": "image",
        "properties": image_properties(),
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    })
}

/// `GET /v2/schemas/images`.
pub fn images_schema() -> Value {
    collection("images", image_schema())
}

/// `GET /v2/schemas/member` (a minimal schema: no `additionalProperties`).
pub fn member_schema() -> Value {
    let statuses: Vec<&str> = MemberStatus::ALL.iter().map(|s| s.as_str()).collect();
    json!({
        "name": "member",
        "properties": {
            "member_id": {
                "type": "string",
                "description": "An identifier for the image member (tenantId)",
            },
            "image_id": {
                "type": "string",
                "description": "An identifier for the image",
                "pattern": UUID_PATTERN,
            },
            "created_at": {"type": "string", "description": "Date and time of image member creation"},
            "updated_at": {
                "type": "string",
                "description": "Date and time of last modification of image member",
            },
            "status": {
                "type": "string",
                "description": "The status of this image member",
                "enum": statuses,
            },
            "schema": {"readOnly": true, "type": "string"},
        },
    })
}

/// `GET /v2/schemas/members`.
pub fn members_schema() -> Value {
    json!({
        "name": "members",
        "properties": {
            "members": {"type": "array", "items": member_schema()},
            "schema": {"type": "string"},
        },
        "links": [{"rel": "describedby", "href": "{schema}"}],
    })
}

/// A collection schema over `item` (with `first`, `next` and `schema` links).
fn collection(name: &str, item: Value) -> Value {
    let mut properties = Map::new();
    properties.insert(name.into(), json!({"type": "array", "items": item}));
    properties.insert("first".into(), json!({"type": "string"}));
    properties.insert("next".into(), json!({"type": "string"}));
    properties.insert("schema".into(), json!({"type": "string"}));
    json!({
        "name": name,
        "properties": properties,
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    })
}

/// The `properties` of the image schema: every base attribute and the extras of Glance's
/// `schema-image.json`, with their types, limits and descriptions.
///
/// A declarative data table (one `put` per property), kept in one function on purpose so that
/// it reads side by side with Glance's schema; it is exempt from the 60-line rule.
fn image_properties() -> Map<String, Value> {
    let statuses: Vec<&str> = ImageStatus::ALL.iter().map(|s| s.as_str()).collect();
    let visibilities: Vec<&str> = Visibility::ALL.iter().map(|v| v.as_str()).collect();
    let nullable_enum = |formats: &[&str]| {
        let mut values = vec![Value::Null];
        values.extend(formats.iter().map(|f| json!(f)));
        values
    };
    let read_only_string =
        |description: &str| json!({"type": "string", "readOnly": true, "description": description});
    let nullable_string = |max: usize, read_only: bool, description: &str| {
        let mut p =
            json!({"type": ["null", "string"], "description": description, "maxLength": max});
        if read_only {
            p["readOnly"] = json!(true);
        }
        p
    };
    let mut p = Map::new();
    let mut put = |key: &str, value: Value| {
        p.insert(key.into(), value);
    };
    put(
        "id",
        json!({"type": "string", "description": "An identifier for the image", "pattern": UUID_PATTERN}),
    );
    put(
        "name",
        nullable_string(MAX_NAME, false, "Descriptive name for the image"),
    );
    put(
        "status",
        json!({"type": "string", "readOnly": true, "description": "Status of the image", "enum": statuses}),
    );
    put(
        "visibility",
        json!({"type": "string", "description": "Scope of image accessibility", "enum": visibilities}),
    );
    put(
        "protected",
        json!({"type": "boolean", "description": "If true, image will not be deletable."}),
    );
    put(
        "os_hidden",
        json!({"type": "boolean", "description": "If true, image will not appear in default image list response."}),
    );
    put(
        "checksum",
        nullable_string(32, true, "md5 hash of image contents."),
    );
    put(
        "os_hash_algo",
        nullable_string(64, true, "Algorithm to calculate the os_hash_value"),
    );
    put(
        "os_hash_value",
        nullable_string(
            128,
            true,
            "Hexdigest of the image contents using the algorithm specified by the os_hash_algo",
        ),
    );
    put(
        "owner",
        nullable_string(MAX_NAME, false, "Owner of the image"),
    );
    put(
        "size",
        json!({"type": ["null", "integer"], "readOnly": true, "description": "Size of image file in bytes"}),
    );
    put(
        "virtual_size",
        json!({"type": ["null", "integer"], "readOnly": true, "description": "Virtual size of image in bytes"}),
    );
    put(
        "container_format",
        json!({"type": ["null", "string"], "description": "Format of the container", "enum": nullable_enum(CONTAINER_FORMATS)}),
    );
    put(
        "disk_format",
        json!({"type": ["null", "string"], "description": "Format of the disk", "enum": nullable_enum(DISK_FORMATS)}),
    );
    put(
        "created_at",
        read_only_string("Date and time of image registration"),
    );
    put(
        "updated_at",
        read_only_string("Date and time of the last image modification"),
    );
    put(
        "tags",
        json!({"type": "array", "description": "List of strings related to the image", "items": {"type": "string", "maxLength": MAX_NAME}}),
    );
    put(
        "direct_url",
        read_only_string("URL to access the image file kept in external store"),
    );
    put(
        "min_ram",
        json!({"type": "integer", "description": "Amount of ram (in MB) required to boot image."}),
    );
    put(
        "min_disk",
        json!({"type": "integer", "description": "Amount of disk space (in GB) required to boot image."}),
    );
    put("self", read_only_string("An image self url"));
    put("file", read_only_string("An image file url"));
    put(
        "stores",
        read_only_string(
            "Store in which image data resides.  Only present when the operator has enabled multiple stores.  May be a comma-separated list of store identifiers.",
        ),
    );
    put("schema", read_only_string("An image schema url"));
    put("locations", locations());
    for (key, description) in [
        (
            "kernel_id",
            "ID of image stored in Glance that should be used as the kernel when booting an AMI-style image.",
        ),
        (
            "ramdisk_id",
            "ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image.",
        ),
    ] {
        put(
            key,
            json!({"type": ["null", "string"], "pattern": UUID_PATTERN, "description": description, "is_base": false}),
        );
    }
    for (key, description) in [
        (
            "instance_uuid",
            "Metadata which can be used to record which instance this image is associated with. (Informational only, does not create an instance snapshot.)",
        ),
        (
            "architecture",
            "Operating system architecture as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html",
        ),
        (
            "os_distro",
            "Common name of operating system distribution as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html",
        ),
        (
            "os_version",
            "Operating system version as specified by the distributor.",
        ),
        (
            "description",
            "A human-readable string describing this image.",
        ),
        (
            "cinder_encryption_key_id",
            "Identifier in the OpenStack Key Management Service for the encryption key for the Block Storage Service to use when mounting a volume created from this image",
        ),
    ] {
        put(
            key,
            json!({"type": "string", "description": description, "is_base": false}),
        );
    }
    put(
        "cinder_encryption_key_deletion_policy",
        json!({
            "description": "States the condition under which the Image Service will delete the object associated with the 'cinder_encryption_key_id' image property.  If this property is missing, the Image Service will take no action",
            "type": "string",
            "enum": KEY_DELETION_POLICIES,
            "is_base": false,
        }),
    );
    p
}

fn locations() -> Value {
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "url": {"type": "string", "maxLength": MAX_NAME},
                "metadata": {"type": "object"},
                "validation_data": {
                    "description": "Values to be used to populate the corresponding image properties. If the image status is not 'queued', values must exactly match those already contained in the image properties.",
                    "type": "object",
                    "writeOnly": true,
                    "additionalProperties": false,
                    "properties": {
                        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
                        "os_hash_algo": {"type": "string", "maxLength": 64},
                        "os_hash_value": {"type": "string", "maxLength": 128},
                    },
                    "required": ["os_hash_algo", "os_hash_value"],
                },
            },
            "required": ["url", "metadata"],
        },
        "description": "A set of URLs to access the image file kept in external store",
    })
}

#[cfg(test)]
mod tests;
