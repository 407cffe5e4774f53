//! One operation object of a PATCH body, in either dialect: its op, its pointer (with the depth
//! each path allows), its value, and the per-change checks Glance runs while reading the request
//! (read-only and reserved paths, the value against the image schema).

use serde_json::{Map, Value};

use super::{OPERATIONS, PatchDialect, PatchOp, bad};
use crate::Error;
use crate::image::create::fields::{self, READ_ONLY, is_reserved, read_only, reserved};

/// Reads one operation object: op (per dialect), path (decoded, depth-checked), value (for add
/// and replace), then `check_change`.
pub(super) fn parse_change(
    dialect: PatchDialect,
    raw: &Map<String, Value>,
) -> Result<PatchOp, Error> {
    let (op, pointer) = match dialect {
        PatchDialect::V2_1 => op_and_path_v2_1(raw)?,
        PatchDialect::V2_0 => op_and_path_v2_0(raw)?,
    };
    let (path, depth) = resource_path(pointer, op)?;
    let change = if op == "remove" {
        PatchOp::Remove { path }
    } else {
        let value = raw.get("value").cloned().ok_or_else(|| {
            bad(&format!(
                "Operation \"{op}\" requires a member named \"value\"."
            ))
        })?;
        if op == "add" {
            PatchOp::Add { path, value }
        } else {
            PatchOp::Replace { path, value }
        }
    };
    check_change(&change, depth)?;
    Ok(change)
}

/// The 2.1 dialect (`{"op": "add", "path": "/x"}`): the op member, one of `OPERATIONS`, and the
/// path member.
fn op_and_path_v2_1(raw: &Map<String, Value>) -> Result<(&str, &Value), Error> {
    let op = match raw.get("op") {
        None => {
            return Err(bad(&format!(
                "Unable to find `op` in JSON Schema change. \
                 It must be one of the following: {}.",
                OPERATIONS.join(", ")
            )));
        }
        Some(Value::String(op)) if OPERATIONS.contains(&op.as_str()) => op.as_str(),
        Some(other) => {
            let shown = other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned);
            return Err(bad(&format!(
                "Invalid operation: `{shown}`. It must be one of the following: {}.",
                OPERATIONS.join(", ")
            )));
        }
    };
    let pointer = raw
        .get("path")
        .ok_or_else(|| bad("Unable to find 'path' in JSON Schema change"))?;
    Ok((op, pointer))
}

/// The 2.0 dialect (`{"add": "/x"}`): exactly one member named after an op, holding the path.
fn op_and_path_v2_0(raw: &Map<String, Value>) -> Result<(&'static str, &Value), Error> {
    let present: Vec<&str> = OPERATIONS
        .into_iter()
        .filter(|op| raw.contains_key(*op))
        .collect();
    let [op] = present[..] else {
        let how = if present.is_empty() {
            "exactly"
        } else {
            "only"
        };
        return Err(bad(&format!(
            "Operation objects must contain {how} one member named \
             \"add\", \"remove\", or \"replace\"."
        )));
    };
    Ok((op, &raw[op]))
}

/// The decoded pointer's first segment and its depth: two segments for adding or removing a
/// location (`/locations/0`), one for everything else.
fn resource_path(pointer: &Value, op: &str) -> Result<(String, usize), Error> {
    let mut segments = super::pointer::decode_pointer(pointer)?;
    let depth = match (segments[0].as_str(), op) {
        ("locations", "add" | "remove") => 2,
        _ => 1,
    };
    if segments.len() != depth {
        return Err(bad(&format!(
            "Invalid JSON pointer for this resource: '/{}'",
            segments.join("/")
        )));
    }
    Ok((segments.swap_remove(0), depth))
}

/// The checks Glance runs on every change while reading the request: read-only and reserved
/// paths (403), then, for add and replace, the value against the schema as `{path: value}`
/// (or `{"locations": [value]}` for a two-segment locations path).
pub(super) fn check_change(change: &PatchOp, depth: usize) -> Result<(), Error> {
    let path = change.path();
    if READ_ONLY.contains(&path) {
        return Err(read_only(path));
    }
    if is_reserved(path) {
        return Err(reserved(path));
    }
    match change {
        PatchOp::Remove { .. } => Ok(()),
        PatchOp::Add { value, .. } | PatchOp::Replace { value, .. } if depth == 2 => {
            fields::check_member(path, &Value::Array(vec![value.clone()]))
        }
        PatchOp::Add { value, .. } | PatchOp::Replace { value, .. } => {
            fields::check_member(path, value)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{message, parse};
    use super::super::{MEDIA_TYPE_V2_0, MEDIA_TYPE_V2_1};
    use super::*;

    #[test]
    fn both_dialects_give_the_same_operations() {
        let v21 = parse(
            MEDIA_TYPE_V2_1,
            json!([
                {"op": "replace", "path": "/name", "value": "x"},
                {"op": "add", "path": "/a~1b~0c", "value": "1"},
                {"op": "remove", "path": "/foo"},
            ]),
        )
        .unwrap();
        let v20 = parse(
            MEDIA_TYPE_V2_0,
            json!([
                {"replace": "/name", "value": "x"},
                {"add": "/a~1b~0c", "value": "1"},
                {"remove": "/foo"},
            ]),
        )
        .unwrap();
        assert_eq!(v21, v20);
        assert_eq!(
            v21[0],
            PatchOp::Replace {
                path: "name".into(),
                value: json!("x")
            }
        );
        assert_eq!(v21[1].path(), "a/b~c");
    }

    #[test]
    fn operations_are_checked() {
        assert!(
            message(parse(MEDIA_TYPE_V2_1, json!([{"path": "/x"}])))
                .starts_with("Unable to find `op`")
        );
        assert!(
            message(parse(
                MEDIA_TYPE_V2_1,
                json!([{"op": "move", "path": "/x"}])
            ))
            .starts_with("Invalid operation: `move`")
        );
        assert!(
            message(parse(MEDIA_TYPE_V2_1, json!([{"op": "remove"}])))
                .starts_with("Unable to find 'path'")
        );
        assert!(
            message(parse(
                MEDIA_TYPE_V2_0,
                json!([{"add": "/x", "remove": "/x"}])
            ))
            .contains("only one member")
        );
        assert!(
            message(parse(MEDIA_TYPE_V2_0, json!([{"value": 1}]))).contains("exactly one member")
        );
        assert_eq!(
            message(parse(MEDIA_TYPE_V2_1, json!([{"op": "add", "path": "/x"}]))),
            "Operation \"add\" requires a member named \"value\"."
        );
    }

    #[test]
    fn paths_have_the_allowed_depth() {
        let p = |path: &str| parse(MEDIA_TYPE_V2_1, json!([{"op": "remove", "path": path}]));
        assert!(message(p("name")).contains("does not start with"));
        assert_eq!(
            message(p("/tags/0")),
            "Invalid JSON pointer for this resource: '/tags/0'"
        );
        assert!(p("/locations/0").is_ok());
        assert!(message(p("/locations")).starts_with("Invalid JSON pointer"));
        let replace = |path: &str| {
            parse(
                MEDIA_TYPE_V2_1,
                json!([{"op": "replace", "path": path, "value": []}]),
            )
        };
        assert!(replace("/locations").is_ok());
        assert!(replace("/locations/-").is_err());
    }

    #[test]
    fn read_only_and_reserved_paths_are_forbidden() {
        for path in [
            "/status",
            "/id",
            "/checksum",
            "/os_hash_value",
            "/self",
            "/created_at",
        ] {
            let r = parse(
                MEDIA_TYPE_V2_1,
                json!([{"op": "replace", "path": path, "value": "x"}]),
            );
            assert!(
                matches!(r, Err(Error::Forbidden(ref m)) if m.ends_with("is read-only.")),
                "{path}"
            );
        }
        let r = parse(
            MEDIA_TYPE_V2_0,
            json!([{"add": "/os_glance_foo", "value": "bar"}]),
        );
        assert_eq!(message(r), "Attribute 'os_glance_foo' is reserved.");
        let r = parse(
            MEDIA_TYPE_V2_1,
            json!([{"op": "remove", "path": "/deleted"}]),
        );
        assert_eq!(message(r), "Attribute 'deleted' is reserved.");
    }

    #[test]
    fn values_are_checked_against_the_schema() {
        let r = |path: &str, value: Value| {
            parse(
                MEDIA_TYPE_V2_1,
                json!([{"op": "replace", "path": path, "value": value}]),
            )
        };
        assert!(matches!(
            r("/protected", json!("no")),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            r("/visibility", json!("all")),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            r("/custom", json!(5)),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            r("/tags", json!("a")),
            Err(Error::InvalidInput(_))
        ));
        assert!(r("/protected", json!(false)).is_ok());
        let loc = parse(
            MEDIA_TYPE_V2_1,
            json!([{"op": "add", "path": "/locations/-", "value": {"url": "u", "metadata": {}}}]),
        );
        assert!(loc.is_ok());
        // the first bad change decides, even if a later one is forbidden
        let first = parse(
            MEDIA_TYPE_V2_1,
            json!([
                {"op": "replace", "path": "/protected", "value": 1},
                {"op": "replace", "path": "/status", "value": "active"},
            ]),
        );
        assert!(matches!(first, Err(Error::InvalidInput(_))));
    }
}
