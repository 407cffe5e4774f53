//! Copying an image to another region of its owner (Glint's extension, as AWS's CopyImage):
//! what the copy is made of. It is a new private image of the same owner in the target
//! region, with the source's name (or the one asked), formats, minimums, tags and properties,
//! and lineage properties naming the source; the deprecation properties stay behind (they
//! name images of the source's region), as do those the service writes for itself.

use crate::image::{Image, ImageId, Visibility, deprecation, lineage};
use crate::{Error, RegionName, Result, Timestamp};

/// The copy of `source` to be made in `target`, with id `id`, queued until its data arrives.
pub fn copy_of(
    source: &Image,
    target: &RegionName,
    name: Option<String>,
    id: ImageId,
    now: Timestamp,
) -> Image {
    let mut properties = source.properties.clone();
    properties.retain(|key, _| {
        !lineage::is_lineage(key)
            && !key.starts_with("os_glance")
            && !deprecation::PROPERTIES.contains(&key.as_str())
    });
    let owner = source.owner.clone();
    lineage::record(
        &mut properties,
        source,
        owner.as_deref().unwrap_or_default(),
    );
    Image {
        name: name.or_else(|| source.name.clone()),
        visibility: Visibility::Private,
        disk_format: source.disk_format.clone(),
        container_format: source.container_format.clone(),
        min_ram: source.min_ram,
        min_disk: source.min_disk,
        tags: source.tags.clone(),
        properties,
        ..Image::queued(id, target.clone(), owner, now)
    }
}

/// Reads the request `{"region", "name"}` (`name` optional, 1 to 255 characters).
pub fn request_from_json(body: &serde_json::Value) -> Result<(RegionName, Option<String>)> {
    let object = body.as_object().ok_or_else(|| {
        Error::InvalidInput("Expected a JSON object in the request body: {\"region\": …}.".into())
    })?;
    if let Some(other) = object
        .keys()
        .find(|k| !["region", "name"].contains(&k.as_str()))
    {
        return Err(Error::InvalidInput(format!(
            "Unknown field '{}': a copy to another region takes region and name.",
            other.escape_debug()
        )));
    }
    let region = match object.get("region") {
        Some(serde_json::Value::String(text)) => RegionName::parse(text).map_err(|_| {
            Error::InvalidInput(format!("'{}' is not a region name.", text.escape_debug()))
        })?,
        Some(_) => return Err(Error::InvalidInput("'region' must be a string.".into())),
        None => {
            return Err(Error::InvalidInput(
                "A copy needs the 'region' to copy the image to.".into(),
            ));
        }
    };
    let name = match object.get("name") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(text)) if (1..=255).contains(&text.chars().count()) => {
            Some(text.clone())
        }
        Some(_) => {
            return Err(Error::InvalidInput(
                "'name' must be a string of 1 to 255 characters.".into(),
            ));
        }
    };
    Ok((region, name))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_copy_keeps_what_describes_the_data_and_names_its_source() {
        let mut source = Image::queued(
            ImageId::parse("11111111-2222-3333-4444-555555555555").unwrap(),
            RegionName::from_trusted("DFW".into()),
            Some("100".into()),
            Timestamp::from_micros(0),
        );
        source.name = Some("web".into());
        source.visibility = Visibility::Shared;
        source.min_disk = 10;
        source.tags.insert("prod".into());
        for (k, v) in [
            ("os_distro", "debian"),
            ("glint_deprecated", "true"),
            ("glint_source_image_id", "older"),
            ("os_glance_importing_to_stores", ""),
        ] {
            source.properties.insert(k.into(), v.into());
        }
        let target = RegionName::from_trusted("IAD".into());
        let id = ImageId::parse("99999999-2222-3333-4444-555555555555").unwrap();
        let copy = copy_of(
            &source,
            &target,
            None,
            id.clone(),
            Timestamp::from_micros(5),
        );
        assert_eq!((copy.id, copy.region.as_str()), (id, "IAD"));
        assert_eq!(copy.visibility, Visibility::Private);
        assert_eq!(copy.owner.as_deref(), Some("100"));
        assert_eq!((copy.name.as_deref(), copy.min_disk), (Some("web"), 10));
        assert!(copy.tags.contains("prod"));
        let keys: Vec<&str> = copy.properties.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["glint_source_image_id", "glint_source_region", "os_distro"]
        );
        assert_eq!(copy.properties["glint_source_image_id"], source.id.as_str());
    }

    #[test]
    fn requests_name_a_region() {
        let (region, name) = request_from_json(&json!({"region": "IAD", "name": "w"})).unwrap();
        assert_eq!((region.as_str(), name.as_deref()), ("IAD", Some("w")));
        for bad in [
            json!({}),
            json!({"region": 1}),
            json!({"region": "IAD", "x": 1}),
            json!({"region": "IAD", "name": ""}),
            json!([]),
        ] {
            assert!(request_from_json(&bad).is_err(), "{bad}");
        }
    }
}
