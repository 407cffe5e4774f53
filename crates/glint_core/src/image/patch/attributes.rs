//! Setting one member of an image from a validated PATCH value: the base attributes (with the
//! format, minimum and tag-quota rules) and custom string properties.

use serde_json::Value;

use crate::Error;
use crate::image::create::fields::{self, BASE_ATTRIBUTES};
use crate::image::{Image, ImageLimits, ImageStatus};

/// Whether `path` is a base attribute (which always exists and may not be removed).
pub(super) fn is_base(path: &str) -> bool {
    BASE_ATTRIBUTES.contains(&path)
}

/// Sets base attribute `path`. Formats change only while the image is queued or importing.
pub(super) fn set_base(
    image: &mut Image,
    path: &str,
    value: &Value,
    limits: &ImageLimits,
) -> Result<(), Error> {
    match path {
        "name" => image.name = fields::nullable_string(value),
        "owner" => image.owner = fields::nullable_string(value),
        "visibility" => {
            let text = value.as_str().unwrap_or_default();
            image.visibility = text.parse()?;
        }
        "protected" => image.protected = fields::boolean(value)?,
        "os_hidden" => image.os_hidden = fields::boolean(value)?,
        "min_ram" | "min_disk" => {
            let n = fields::integer(value)?;
            fields::check_not_negative(path, n)?;
            if path == "min_ram" {
                image.min_ram = n;
            } else {
                image.min_disk = n;
            }
        }
        "container_format" | "disk_format" => {
            if !matches!(image.status, ImageStatus::Queued | ImageStatus::Importing) {
                return Err(Error::Forbidden(format!(
                    "Attribute {path} can be only replaced for a queued image."
                )));
            }
            let format = fields::nullable_string(value);
            if path == "container_format" {
                image.container_format = format;
            } else {
                image.disk_format = format;
            }
        }
        "tags" => {
            let tags = fields::tags(value)?;
            fields::check_tag_quota(tags.len(), limits)?;
            image.tags = tags.into_iter().collect();
        }
        other => return Err(Error::Internal(format!("{other} is not a base attribute"))),
    }
    Ok(())
}

/// Sets a custom property; a null (allowed only for `kernel_id`/`ramdisk_id`) removes it.
pub(super) fn set_property(image: &mut Image, path: &str, value: &Value) -> Result<(), Error> {
    match value {
        Value::String(text) => {
            image.properties.insert(path.to_owned(), text.clone());
        }
        Value::Null => {
            image.properties.remove(path);
        }
        other => fields::check_member(path, other)?,
    }
    Ok(())
}

/// A queued image owned by `p1` with one custom property, for tests.
#[cfg(test)]
pub(super) fn sample_image() -> Image {
    use std::collections::BTreeMap;

    use crate::image::ImageId;
    use crate::{RegionName, Timestamp};

    Image {
        name: Some("n".into()),
        owner: Some("p1".into()),
        properties: BTreeMap::from([("os_distro".to_string(), "cirros".to_string())]),
        ..Image::queued(
            ImageId::from_trusted("4b434528-5e2b-4e3c-a3bb-2c6d2bdd3d55".into()),
            RegionName::from_trusted("r1".into()),
            None,
            Timestamp::from_micros(0),
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn set(image: &mut Image, path: &str, value: Value) -> Result<(), Error> {
        set_base(image, path, &value, &ImageLimits::default())
    }

    #[test]
    fn formats_change_only_while_queued_or_importing() {
        let mut image = sample_image();
        set(&mut image, "disk_format", json!("raw")).unwrap();
        assert_eq!(image.disk_format.as_deref(), Some("raw"));
        image.status = ImageStatus::Importing;
        set(&mut image, "container_format", json!("bare")).unwrap();
        for status in [
            ImageStatus::Active,
            ImageStatus::Saving,
            ImageStatus::Deactivated,
        ] {
            image.status = status;
            let r = set(&mut image, "disk_format", json!("qcow2"));
            assert!(
                matches!(r, Err(Error::Forbidden(ref m)) if m == "Attribute disk_format can be only replaced for a queued image."),
                "{status}"
            );
        }
        assert_eq!(image.disk_format.as_deref(), Some("raw"));
    }

    #[test]
    fn minimums_tags_and_visibility_are_checked() {
        let mut image = sample_image();
        let negative = set(&mut image, "min_ram", json!(-1));
        assert!(
            matches!(negative, Err(Error::InvalidInput(m)) if m == "Invalid value '-1' for parameter 'min_ram': Cannot be a negative value")
        );
        set(&mut image, "min_disk", json!(0)).unwrap();
        let limits = ImageLimits {
            tag_quota: 1,
            ..ImageLimits::default()
        };
        let too_many = set_base(&mut image, "tags", &json!(["a", "b"]), &limits);
        assert!(matches!(too_many, Err(Error::QuotaExceeded(_))));
        set(&mut image, "tags", json!(["a", "a"])).unwrap();
        assert_eq!(image.tags.len(), 1);
        set(&mut image, "visibility", json!("private")).unwrap();
        assert!(set(&mut image, "visibility", json!("all")).is_err());
    }

    #[test]
    fn custom_properties_are_strings_and_null_clears() {
        let mut image = sample_image();
        set_property(
            &mut image,
            "kernel_id",
            &json!("00000000-1111-2222-3333-444455556666"),
        )
        .unwrap();
        set_property(&mut image, "kernel_id", &Value::Null).unwrap();
        assert!(!image.properties.contains_key("kernel_id"));
        assert!(set_property(&mut image, "x", &json!(1)).is_err());
        assert!(is_base("tags") && !is_base("os_distro"));
    }
}
