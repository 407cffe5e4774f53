//! Image API wire views: an image as Glance's serializer shows it (every base key present, null
//! or not, custom properties flattened as strings), and a member.

use glint_core::image::{BASE_KEYS, Image, ImageMember};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

/// The image body, written straight to the output: the custom properties in name order, then
/// the base keys (a property named like a base key takes its place with the base value).
pub(crate) struct ImageView(pub(crate) Image);

fn base_entry<M: SerializeMap>(map: &mut M, key: &str, image: &Image) -> Result<(), M::Error> {
    let id = image.id.as_str();
    match key {
        "id" => map.serialize_entry(key, id),
        "name" => map.serialize_entry(key, &image.name),
        "status" => map.serialize_entry(key, image.status.as_str()),
        "visibility" => map.serialize_entry(key, image.visibility.as_str()),
        "protected" => map.serialize_entry(key, &image.protected),
        "os_hidden" => map.serialize_entry(key, &image.os_hidden),
        "checksum" => map.serialize_entry(key, &image.checksum),
        "os_hash_algo" => map.serialize_entry(key, &image.os_hash_algo),
        "os_hash_value" => map.serialize_entry(key, &image.os_hash_value),
        "owner" => map.serialize_entry(key, &image.owner),
        "size" => map.serialize_entry(key, &image.size),
        "virtual_size" => map.serialize_entry(key, &image.virtual_size),
        "disk_format" => map.serialize_entry(key, &image.disk_format),
        "container_format" => map.serialize_entry(key, &image.container_format),
        "min_ram" => map.serialize_entry(key, &image.min_ram),
        "min_disk" => map.serialize_entry(key, &image.min_disk),
        "created_at" => map.serialize_entry(key, &image.created_at.to_glance()),
        "updated_at" => map.serialize_entry(key, &image.updated_at.to_glance()),
        "tags" => map.serialize_entry(key, &image.tags),
        "self" => map.serialize_entry(key, &format_args!("/v2/images/{id}")),
        "file" => map.serialize_entry(key, &format_args!("/v2/images/{id}/file")),
        _ => map.serialize_entry(key, "/v2/schemas/image"),
    }
}

impl Serialize for ImageView {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let image = &self.0;
        let mut map = serializer.serialize_map(None)?;
        for (name, value) in &image.properties {
            if BASE_KEYS.contains(&name.as_str()) {
                base_entry(&mut map, name, image)?;
            } else {
                map.serialize_entry(name, value)?;
            }
        }
        for key in BASE_KEYS {
            if !image.properties.contains_key(key) {
                base_entry(&mut map, key, image)?;
            }
        }
        if !image.stores.is_empty() {
            map.serialize_entry("stores", &image.stores.join(","))?;
        }
        map.end()
    }
}

/// A page of images: `images`, `first`, `schema`, and `next` when the page is full.
#[derive(serde::Serialize)]
pub(crate) struct ImageList {
    pub(crate) images: Vec<ImageView>,
    pub(crate) first: String,
    pub(crate) schema: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) next: Option<String>,
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

#[cfg(test)]
mod tests {
    use glint_core::image::{Image, ImageId, ImageStatus, Visibility};
    use glint_core::{RegionName, Timestamp};
    use serde_json::{Map, Value, json};

    use super::ImageView;

    /// The body as it was built before: a JSON map, properties first, base keys over them.
    fn as_map(image: &Image) -> Value {
        let id = image.id.as_str();
        let mut body = Map::new();
        for (name, value) in &image.properties {
            body.insert(name.clone(), Value::String(value.clone()));
        }
        let base = json!({
            "id": id, "name": image.name, "status": image.status.as_str(),
            "visibility": image.visibility.as_str(), "protected": image.protected,
            "os_hidden": image.os_hidden, "checksum": image.checksum,
            "os_hash_algo": image.os_hash_algo, "os_hash_value": image.os_hash_value,
            "owner": image.owner, "size": image.size, "virtual_size": image.virtual_size,
            "disk_format": image.disk_format, "container_format": image.container_format,
            "min_ram": image.min_ram, "min_disk": image.min_disk,
            "created_at": image.created_at.to_glance(), "updated_at": image.updated_at.to_glance(),
            "tags": image.tags.iter().collect::<Vec<_>>(),
            "self": format!("/v2/images/{id}"), "file": format!("/v2/images/{id}/file"),
            "schema": "/v2/schemas/image",
        });
        if let Value::Object(base) = base {
            body.extend(base);
        }
        if !image.stores.is_empty() {
            body.insert("stores".into(), Value::String(image.stores.join(",")));
        }
        Value::Object(body)
    }

    #[test]
    fn writes_what_the_json_map_held_in_the_same_order() -> serde_json::Result<()> {
        let mut image = Image {
            id: ImageId::from_trusted("1b2c".into()),
            region: RegionName::from_trusted("DFW".into()),
            name: Some("web \"1\"".into()),
            owner: None,
            status: ImageStatus::Active,
            visibility: Visibility::Shared,
            protected: true,
            os_hidden: false,
            checksum: Some("abc".into()),
            os_hash_algo: None,
            os_hash_value: None,
            size: Some(5),
            virtual_size: None,
            disk_format: Some("raw".into()),
            container_format: None,
            min_ram: 3,
            min_disk: 0,
            created_at: Timestamp::from_micros(1_700_000_000_000_000),
            updated_at: Timestamp::from_micros(1_700_000_001_000_000),
            tags: ["b", "a"].iter().map(|t| (*t).to_owned()).collect(),
            properties: Default::default(),
            quarantined_at: None,
            quarantine_note: None,
            stores: Vec::new(),
        };
        for (k, v) in [("os_distro", "debian"), ("a", "1"), ("zz", "ü")] {
            image.properties.insert(k.into(), v.into());
        }
        let expected = serde_json::to_string(&as_map(&image))?;
        assert_eq!(serde_json::to_string(&ImageView(image.clone()))?, expected);
        // A property named like a base key keeps its place and shows the base value.
        image.properties.insert("owner".into(), "x".into());
        let expected = serde_json::to_string(&as_map(&image))?;
        assert_eq!(serde_json::to_string(&ImageView(image.clone()))?, expected);
        // With several stores per region, the stores that hold the data, comma-separated.
        image.stores = vec!["fast".into(), "cheap".into()];
        let shown = serde_json::to_value(ImageView(image.clone()))?;
        assert_eq!(shown["stores"], "fast,cheap");
        assert_eq!(
            serde_json::to_string(&ImageView(image.clone()))?,
            serde_json::to_string(&as_map(&image))?
        );
        Ok(())
    }
}
