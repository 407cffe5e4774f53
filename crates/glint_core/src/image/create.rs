//! Parsing and validation of a create request (`POST /v2/images`) in Glance's check order:
//! read-only keys, schema, custom key rules, tag quota, read-only attributes, reserved keys,
//! value rules and property quota. Owner and visibility policy and the duplicate-id check belong
//! to the service layer, not here.

pub(crate) mod fields;
pub(crate) mod repr;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use self::fields::{BASE_ATTRIBUTES, is_reserved, read_only, reserved};
use crate::Error;
use crate::image::{ImageId, ImageLimits, Visibility};

/// Keys refused before anything else (Glance's `_disallowed_properties`).
const DISALLOWED: [&str; 5] = ["direct_url", "self", "file", "schema", "stores"];

/// Read-only attributes a create body may not set, in the order Glance reports them.
const READ_ONLY_ATTRIBUTES: [&str; 8] = [
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "size",
    "virtual_size",
];

/// What a create request sets; everything else takes its default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewImage {
    /// The id the client chose, if any (else the service picks a random one).
    pub id: Option<ImageId>,
    pub name: Option<String>,
    /// `None`: the default (`shared`).
    pub visibility: Option<Visibility>,
    pub protected: bool,
    pub os_hidden: bool,
    /// `None` when the body gave no owner (or `null`): the caller's project owns it.
    pub owner: Option<String>,
    pub min_ram: i64,
    pub min_disk: i64,
    pub container_format: Option<String>,
    pub disk_format: Option<String>,
    pub tags: BTreeSet<String>,
    /// Custom properties, including the extras of `schema-image.json` (`kernel_id`, …); a null
    /// `kernel_id`/`ramdisk_id` is not stored.
    pub properties: BTreeMap<String, String>,
}

impl NewImage {
    /// A bare image to upload data into, named `name` with `disk_format`, as the Control
    /// Panel's upload form asks for one; both are checked as the same members of a create
    /// request are.
    pub fn for_upload(name: &str, disk_format: &str) -> Result<NewImage, Error> {
        fields::check_member("name", &Value::String(name.to_owned()))?;
        fields::check_member("disk_format", &Value::String(disk_format.to_owned()))?;
        Ok(NewImage {
            name: Some(name.to_owned()),
            disk_format: Some(disk_format.to_owned()),
            container_format: Some("bare".to_owned()),
            ..NewImage::default()
        })
    }
}

/// Parses and validates a `POST /v2/images` body in Glance's check order (§1.4 steps 1–5 and
/// the property and tag quotas of step 8).
///
/// Errors: `Forbidden` for read-only and reserved keys, `InvalidInput` for schema and value
/// violations, `QuotaExceeded` for too many tags or properties.
pub fn parse_create(body: &Value, limits: &ImageLimits) -> Result<NewImage, Error> {
    let Some(body) = body.as_object() else {
        return Err(fields::schema_error(&format!(
            "{} is not of type 'object'",
            repr::repr(body)
        )));
    };
    let tags = check_keys(body, limits)?;
    let mut image = NewImage {
        tags: tags.into_iter().collect(),
        ..NewImage::default()
    };
    for (key, value) in body {
        image.set_member(key, value)?;
    }
    fields::check_property_quota(&image.properties, limits)?;
    Ok(image)
}

/// Glance's checks on the body's keys, in its order (steps 1–5 and the tag quota): disallowed
/// keys, every member against the schema, custom key rules, the tag quota, read-only
/// attributes, `locations`. Returns the body's tags.
fn check_keys(body: &Map<String, Value>, limits: &ImageLimits) -> Result<Vec<String>, Error> {
    if let Some(key) = DISALLOWED.iter().find(|k| body.contains_key(**k)) {
        return Err(read_only(key));
    }
    for (key, value) in body {
        fields::check_member(key, value)?;
    }
    let is_custom = |key: &str| {
        !BASE_ATTRIBUTES.contains(&key) && !READ_ONLY_ATTRIBUTES.contains(&key) && key != "id"
    };
    for key in body.keys().filter(|k| is_custom(k)) {
        fields::check_custom_key(key)?;
        if is_reserved(key) {
            return Err(reserved(key));
        }
    }
    let tags = match body.get("tags") {
        Some(value) => fields::tags(value)?,
        None => Vec::new(),
    };
    fields::check_tag_quota(tags.len(), limits)?;
    if let Some(key) = READ_ONLY_ATTRIBUTES.iter().find(|k| body.contains_key(**k)) {
        return Err(read_only(key));
    }
    if body.contains_key("locations") {
        return Err(reserved("locations"));
    }
    Ok(tags)
}

impl NewImage {
    /// Takes one member of a checked create body: a base attribute sets its field (`tags`
    /// are taken before), any other key with a string value becomes a property.
    fn set_member(&mut self, key: &str, value: &Value) -> Result<(), Error> {
        match key {
            "id" => self.id = value.as_str().map(ImageId::parse).transpose()?,
            "name" => self.name = fields::nullable_string(value),
            "owner" => self.owner = fields::nullable_string(value),
            "visibility" => self.visibility = value.as_str().map(str::parse).transpose()?,
            "protected" => self.protected = fields::boolean(value)?,
            "os_hidden" => self.os_hidden = fields::boolean(value)?,
            "min_ram" | "min_disk" => {
                let n = fields::integer(value)?;
                fields::check_not_negative(key, n)?;
                if key == "min_ram" {
                    self.min_ram = n;
                } else {
                    self.min_disk = n;
                }
            }
            "container_format" => self.container_format = fields::nullable_string(value),
            "disk_format" => self.disk_format = fields::nullable_string(value),
            "tags" => {}
            custom => {
                if let Some(text) = value.as_str() {
                    self.properties.insert(custom.to_owned(), text.to_owned());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<NewImage, Error> {
        parse_create(&body, &ImageLimits::default())
    }

    fn forbidden(body: Value) -> String {
        match parse(body) {
            Err(Error::Forbidden(m)) => m,
            other => panic!("expected Forbidden, got {other:?}"),
        }
    }

    fn invalid(body: Value) {
        assert!(matches!(parse(body), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn an_empty_body_takes_every_default() {
        let image = parse(json!({})).unwrap();
        assert_eq!(image, NewImage::default());
        assert_eq!(image.min_ram, 0);
        assert!(image.visibility.is_none());
    }

    #[test]
    fn base_keys_become_attributes_and_the_rest_properties() {
        let image = parse(json!({
            "id": "4b434528-5e2b-4e3c-a3bb-2c6d2bdd3d55", "name": "cirros", "visibility": "private",
            "protected": true, "os_hidden": true, "owner": "p1", "min_ram": 512, "min_disk": 1,
            "container_format": "bare", "disk_format": "raw", "tags": ["b", "a", "b"],
            "ramdisk_id": "00000000-1111-2222-3333-444455556666", "kernel_id": null, "os_distro": "cirros",
        }))
        .unwrap();
        assert_eq!(
            image.id.unwrap().as_str(),
            "4b434528-5e2b-4e3c-a3bb-2c6d2bdd3d55"
        );
        assert_eq!(image.name.as_deref(), Some("cirros"));
        assert_eq!(image.visibility, Some(Visibility::Private));
        assert!(image.protected && image.os_hidden);
        assert_eq!(image.owner.as_deref(), Some("p1"));
        assert_eq!((image.min_ram, image.min_disk), (512, 1));
        assert_eq!(image.container_format.as_deref(), Some("bare"));
        assert_eq!(image.disk_format.as_deref(), Some("raw"));
        assert_eq!(image.tags.into_iter().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(image.properties.len(), 2, "a null kernel_id is not stored");
        assert_eq!(image.properties["os_distro"], "cirros");
    }

    #[test]
    fn link_keys_are_read_only_before_the_schema_runs() {
        assert_eq!(
            forbidden(json!({"self": 5, "name": 7})),
            "Attribute 'self' is read-only."
        );
        assert_eq!(
            forbidden(json!({"stores": "a"})),
            "Attribute 'stores' is read-only."
        );
    }

    #[test]
    fn schema_violations_are_bad_requests() {
        invalid(json!([]));
        invalid(json!({"container_format": "wrong"}));
        invalid(json!({"disk_format": "wrong"}));
        invalid(json!({"visibility": "everyone"}));
        invalid(json!({"protected": "yes"}));
        invalid(json!({"id": "1234"}));
        invalid(json!({"name": "n".repeat(256)}));
        invalid(json!({"custom": 1}));
        invalid(json!({"custom": null}));
        invalid(json!({"tags": ["t".repeat(256)]}));
        invalid(json!({"min_ram": "1"}));
        // the schema runs before the read-only check: a mistyped status is a 400
        invalid(json!({"status": 1}));
    }

    #[test]
    fn custom_keys_are_checked_in_body_order() {
        invalid(json!({"k".repeat(256): "v"}));
        assert_eq!(
            forbidden(json!({"os_glance_foo": "bar"})),
            "Attribute 'os_glance_foo' is reserved."
        );
        assert_eq!(
            forbidden(json!({"deleted": "x"})),
            "Attribute 'deleted' is reserved."
        );
        assert!(matches!(
            parse(json!({"k".repeat(256): "v", "location": "x"})),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn read_only_attributes_and_locations_are_refused() {
        assert_eq!(
            forbidden(json!({"status": "active"})),
            "Attribute 'status' is read-only."
        );
        assert_eq!(
            forbidden(json!({"size": 5, "created_at": "x"})),
            "Attribute 'created_at' is read-only."
        );
        assert_eq!(
            forbidden(json!({"os_hash_algo": "sha512"})),
            "Attribute 'os_hash_algo' is read-only."
        );
        assert_eq!(
            forbidden(json!({"locations": []})),
            "Attribute 'locations' is reserved."
        );
        invalid(json!({"locations": "x"}));
    }

    #[test]
    fn negative_minimums_are_bad_requests() {
        invalid(json!({"min_ram": -1}));
        invalid(json!({"min_disk": -5}));
    }

    #[test]
    fn quotas_give_413() {
        let limits = ImageLimits {
            tag_quota: 2,
            property_quota: 1,
            ..ImageLimits::default()
        };
        let ok = parse_create(&json!({"tags": ["a", "b"], "p": "1"}), &limits);
        assert!(ok.is_ok());
        let tags = parse_create(&json!({"tags": ["a", "b", "c"]}), &limits);
        assert!(matches!(tags, Err(Error::QuotaExceeded(_))));
        let props = parse_create(&json!({"p": "1", "q": "2"}), &limits);
        assert!(matches!(props, Err(Error::QuotaExceeded(_))));
        // the tag quota comes before the read-only check, as in Glance
        let both = parse_create(
            &json!({"tags": ["a", "b", "c"], "status": "active"}),
            &limits,
        );
        assert!(matches!(both, Err(Error::QuotaExceeded(_))));
    }
}
