//! Applying parsed PATCH operations to an image, all or nothing: the meaning of add, replace and
//! remove on base attributes and custom properties, the owner, visibility, format and quota
//! rules, and the refusal of location changes (locations are never exposed). `updated_at` is
//! left to the store.

use serde_json::Value;

use super::attributes::{is_base, set_base, set_property};
use super::{PatchCaller, PatchDialect, PatchOp, check_change};
use crate::Error;
use crate::image::create::fields;
use crate::image::{Image, ImageLimits};

/// Applies all `ops` to a copy of `image` and returns it, or fails leaving nothing changed.
///
/// Errors: `Forbidden` (403) for read-only or reserved paths, removing a base attribute, an
/// owner change by a non-admin, `visibility: public` by a non-admin, a format change once data
/// may exist, and any `locations` operation; `InvalidInput` (400) for bad values; `StateConflict`
/// (409) for v2.0 `add` on an existing member, and `replace`/`remove` of a missing property;
/// `QuotaExceeded` (413) for the tag and property quotas.
pub fn apply_patch(
    image: &Image,
    dialect: PatchDialect,
    ops: &[PatchOp],
    caller: &PatchCaller,
    limits: &ImageLimits,
) -> Result<Image, Error> {
    let mut patched = image.clone();
    for op in ops {
        if op.path() == "locations" {
            return Err(refuse_locations(op));
        }
        check_change(op, 1)?;
        match op {
            PatchOp::Replace { path, value } => {
                replace(&mut patched, path, value, caller, limits)?;
            }
            PatchOp::Add { path, value } => {
                add(&mut patched, dialect, path, value, caller, limits)?
            }
            PatchOp::Remove { path } => remove(&mut patched, path)?,
        }
    }
    let added_property = patched
        .properties
        .keys()
        .any(|key| !image.properties.contains_key(key));
    if added_property {
        fields::check_property_quota(&patched.properties, limits)?;
    }
    Ok(patched)
}

fn replace(
    image: &mut Image,
    path: &str,
    value: &Value,
    caller: &PatchCaller,
    limits: &ImageLimits,
) -> Result<(), Error> {
    if path == "owner" && !caller.is_admin {
        return Err(owner_refused());
    }
    check_visibility(path, value, caller)?;
    if is_base(path) {
        set_base(image, path, value, limits)
    } else if image.properties.contains_key(path) {
        set_property(image, path, value)
    } else {
        Err(missing(path))
    }
}

fn add(
    image: &mut Image,
    dialect: PatchDialect,
    path: &str,
    value: &Value,
    caller: &PatchCaller,
    limits: &ImageLimits,
) -> Result<(), Error> {
    check_visibility(path, value, caller)?;
    let present = is_base(path) || image.properties.contains_key(path);
    if dialect == PatchDialect::V2_0 && present {
        return Err(Error::StateConflict(format!(
            "Property {path} already present."
        )));
    }
    if path == "owner" && !caller.is_admin {
        return Err(owner_refused());
    }
    if is_base(path) {
        set_base(image, path, value, limits)
    } else {
        fields::check_custom_key(path)?;
        set_property(image, path, value)
    }
}

fn remove(image: &mut Image, path: &str) -> Result<(), Error> {
    if is_base(path) {
        return Err(Error::Forbidden(format!(
            "Property {path} may not be removed."
        )));
    }
    image
        .properties
        .remove(path)
        .map(drop)
        .ok_or_else(|| missing(path))
}

fn check_visibility(path: &str, value: &Value, caller: &PatchCaller) -> Result<(), Error> {
    if path == "visibility" && value.as_str() == Some("public") && !caller.is_admin {
        return Err(Error::Forbidden(
            "You are not authorized to complete publicize_image action.".into(),
        ));
    }
    Ok(())
}

fn refuse_locations(op: &PatchOp) -> Error {
    let message = match op {
        PatchOp::Replace { value, .. } if value.as_array().is_some_and(Vec::is_empty) => {
            "Cannot set locations to empty list."
        }
        PatchOp::Replace { .. } => {
            "It's not allowed to update locations if locations are invisible."
        }
        PatchOp::Add { .. } => "It's not allowed to add locations if locations are invisible.",
        PatchOp::Remove { .. } => {
            "It's not allowed to remove locations if locations are invisible."
        }
    };
    Error::Forbidden(message.into())
}

fn owner_refused() -> Error {
    Error::Forbidden("Owner can't be updated by non admin.".into())
}

fn missing(path: &str) -> Error {
    Error::StateConflict(format!("Property {path} does not exist."))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::attributes::sample_image;
    use super::*;
    use crate::image::Visibility;

    const USER: PatchCaller = PatchCaller { is_admin: false };
    const ADMIN: PatchCaller = PatchCaller { is_admin: true };

    fn image() -> Image {
        sample_image()
    }

    fn add(path: &str, value: Value) -> PatchOp {
        PatchOp::Add {
            path: path.into(),
            value,
        }
    }

    fn replace(path: &str, value: Value) -> PatchOp {
        PatchOp::Replace {
            path: path.into(),
            value,
        }
    }

    fn remove(path: &str) -> PatchOp {
        PatchOp::Remove { path: path.into() }
    }

    fn apply(dialect: PatchDialect, ops: &[PatchOp], caller: PatchCaller) -> Result<Image, Error> {
        apply_patch(&image(), dialect, ops, &caller, &ImageLimits::default())
    }

    fn v21(ops: &[PatchOp]) -> Result<Image, Error> {
        apply(PatchDialect::V2_1, ops, USER)
    }

    #[test]
    fn base_attributes_are_set_and_not_removed() {
        let ops = [
            replace("name", Value::Null),
            replace("protected", json!(true)),
            add("os_hidden", json!(true)),
            replace("min_ram", json!(512)),
            replace("disk_format", json!("raw")),
            replace("container_format", json!("bare")),
            replace("visibility", json!("community")),
            replace("tags", json!(["b", "a", "b"])),
        ];
        let patched = v21(&ops).unwrap();
        assert_eq!(patched.name, None);
        assert!(patched.protected && patched.os_hidden);
        assert_eq!(patched.min_ram, 512);
        assert_eq!(patched.disk_format.as_deref(), Some("raw"));
        assert_eq!(patched.container_format.as_deref(), Some("bare"));
        assert_eq!(patched.visibility, Visibility::Community);
        assert_eq!(patched.tags.len(), 2);
        assert_eq!(patched.updated_at, image().updated_at);
        let removed = v21(&[remove("name")]);
        assert!(
            matches!(removed, Err(Error::Forbidden(m)) if m == "Property name may not be removed.")
        );
    }

    #[test]
    fn custom_properties_follow_add_replace_remove() {
        let patched = v21(&[
            add("a", json!("1")),
            replace("os_distro", json!("ubuntu")),
            remove("a"),
        ])
        .unwrap();
        assert_eq!(
            patched.properties.get("os_distro").map(String::as_str),
            Some("ubuntu")
        );
        assert!(!patched.properties.contains_key("a"));
        let missing = v21(&[replace("nope", json!("x"))]);
        assert!(
            matches!(missing, Err(Error::StateConflict(m)) if m == "Property nope does not exist.")
        );
        assert!(matches!(
            v21(&[remove("nope")]),
            Err(Error::StateConflict(_))
        ));
        let null_kernel = v21(&[
            add("kernel_id", json!("00000000-1111-2222-3333-444455556666")),
            replace("kernel_id", Value::Null),
        ]);
        assert!(!null_kernel.unwrap().properties.contains_key("kernel_id"));
    }

    #[test]
    fn add_differs_between_dialects() {
        assert_eq!(
            v21(&[add("os_distro", json!("x"))]).unwrap().properties["os_distro"],
            "x"
        );
        assert_eq!(
            v21(&[add("name", json!("x"))]).unwrap().name.as_deref(),
            Some("x")
        );
        let v20 = |op| apply(PatchDialect::V2_0, &[op], USER);
        assert!(
            matches!(v20(add("os_distro", json!("x"))), Err(Error::StateConflict(m)) if m == "Property os_distro already present.")
        );
        assert!(matches!(
            v20(add("name", json!("x"))),
            Err(Error::StateConflict(_))
        ));
        assert!(v20(add("new", json!("x"))).is_ok());
        assert!(v20(replace("protected", json!(false))).is_ok());
    }

    #[test]
    fn owner_and_public_need_an_admin() {
        assert!(
            matches!(v21(&[replace("owner", json!("p2"))]), Err(Error::Forbidden(m)) if m == "Owner can't be updated by non admin.")
        );
        assert!(matches!(
            v21(&[add("owner", json!("p2"))]),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            v21(&[replace("visibility", json!("public"))]),
            Err(Error::Forbidden(_))
        ));
        let by_admin = apply(
            PatchDialect::V2_1,
            &[
                replace("owner", json!("p2")),
                replace("visibility", json!("public")),
            ],
            ADMIN,
        )
        .unwrap();
        assert_eq!(
            (by_admin.owner.as_deref(), by_admin.visibility),
            (Some("p2"), Visibility::Public)
        );
    }

    #[test]
    fn values_are_validated_again() {
        assert!(matches!(
            v21(&[replace("min_disk", json!(-1))]),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            v21(&[replace("visibility", json!("all"))]),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            v21(&[add("x", json!(1))]),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            v21(&[replace("status", json!("active"))]),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            v21(&[add("os_glance_x", json!("1"))]),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            v21(&[add(&"k".repeat(256), json!("1"))]),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn locations_are_never_changed() {
        for op in [
            replace("locations", json!([])),
            replace("locations", json!([{"url": "u", "metadata": {}}])),
            add("locations", json!({})),
            remove("locations"),
        ] {
            assert!(matches!(v21(&[op]), Err(Error::Forbidden(_))));
        }
        assert!(
            matches!(v21(&[replace("locations", json!([]))]), Err(Error::Forbidden(m)) if m == "Cannot set locations to empty list.")
        );
    }

    #[test]
    fn quotas_give_413_and_count_only_when_adding() {
        let limits = ImageLimits {
            property_quota: 1,
            tag_quota: 1,
            ..ImageLimits::default()
        };
        let run = |ops: &[PatchOp]| apply_patch(&image(), PatchDialect::V2_1, ops, &USER, &limits);
        assert!(matches!(
            run(&[add("b", json!("2"))]),
            Err(Error::QuotaExceeded(_))
        ));
        assert!(run(&[add("b", json!("2")), remove("os_distro")]).is_ok());
        assert!(matches!(
            run(&[replace("tags", json!(["a", "b"]))]),
            Err(Error::QuotaExceeded(_))
        ));
        let over = ImageLimits {
            property_quota: 0,
            ..limits
        };
        let kept = apply_patch(
            &image(),
            PatchDialect::V2_1,
            &[replace("os_distro", json!("x"))],
            &USER,
            &over,
        );
        assert!(
            kept.is_ok(),
            "an image already over quota may still change existing properties"
        );
    }

    #[test]
    fn a_failing_operation_changes_nothing() {
        let original = image();
        let r = apply_patch(
            &original,
            PatchDialect::V2_1,
            &[replace("name", json!("x")), remove("nope")],
            &USER,
            &ImageLimits::default(),
        );
        assert!(r.is_err());
        assert_eq!(original, image());
    }
}
