//! Image API wire views: an image as Glance's serializer shows it (every base key present, null
//! or not, custom properties flattened as strings), and a member.

use glint_core::image::{Image, ImageMember};
use serde_json::{Map, Value, json};

/// The image body.
pub(crate) fn image(image: &Image) -> Value {
    let id = image.id.as_str();
    let mut body = Map::new();
    for (name, value) in &image.properties {
        body.insert(name.clone(), Value::String(value.clone()));
    }
    let base = json!({
        "id": id,
        "name": image.name,
        "status": image.status.as_str(),
        "visibility": image.visibility.as_str(),
        "protected": image.protected,
        "os_hidden": image.os_hidden,
        "checksum": image.checksum,
        "os_hash_algo": image.os_hash_algo,
        "os_hash_value": image.os_hash_value,
        "owner": image.owner,
        "size": image.size,
        "virtual_size": image.virtual_size,
        "disk_format": image.disk_format,
        "container_format": image.container_format,
        "min_ram": image.min_ram,
        "min_disk": image.min_disk,
        "created_at": image.created_at.to_glance(),
        "updated_at": image.updated_at.to_glance(),
        "tags": image.tags.iter().collect::<Vec<_>>(),
        "self": format!("/v2/images/{id}"),
        "file": format!("/v2/images/{id}/file"),
        "schema": "/v2/schemas/image",
    });
    if let Value::Object(base) = base {
        body.extend(base);
    }
    Value::Object(body)
}

/// The member body: exactly the six keys glanceclient's schema allows.
pub(crate) fn member(member: &ImageMember) -> Value {
    json!({
        "created_at": member.created_at.to_glance(),
        "updated_at": member.updated_at.to_glance(),
        "image_id": member.image_id.as_str(),
        "member_id": member.member_id,
        "status": member.status.as_str(),
        "schema": "/v2/schemas/member",
    })
}
