//! JSON pointers in PATCH operations, validated and decoded as Glance does: a leading `/`, no
//! empty (or blank) segments, no trailing `/`, `~` only in `~0`/`~1`; segments are trimmed.

use serde_json::Value;

use crate::Error;

/// Validates and decodes a JSON pointer the way Glance does (leading `/`, no empty segments,
/// no trailing `/`, only `~0`/`~1` escapes; segments are trimmed).
pub(super) fn decode_pointer(pointer: &Value) -> Result<Vec<String>, Error> {
    let Some(pointer) = pointer.as_str() else {
        return Err(bad(&format!(
            "Pointer `{pointer}` does not start with \"/\"."
        )));
    };
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(bad(&format!(
            "Pointer `{pointer}` does not start with \"/\"."
        )));
    };
    if has_adjacent_slashes(rest) {
        return Err(bad(&format!(
            "Pointer `{pointer}` contains adjacent \"/\"."
        )));
    }
    if pointer.len() > 1 && pointer.ends_with('/') {
        return Err(bad(&format!("Pointer `{pointer}` end with \"/\".")));
    }
    if rest.trim() == "/" {
        return Err(bad(&format!(
            "Pointer `{pointer}` does not contains valid token."
        )));
    }
    let bad_escape = pointer
        .match_indices('~')
        .any(|(i, _)| !matches!(pointer.as_bytes().get(i + 1), Some(b'0' | b'1')));
    if bad_escape {
        return Err(bad(&format!(
            "Pointer `{pointer}` contains \"~\" not part of a recognized escape sequence."
        )));
    }
    Ok(pointer
        .trim_start_matches('/')
        .split('/')
        .map(|part| part.replace("~1", "/").replace("~0", "~").trim().to_owned())
        .collect())
}

/// Whether two slashes follow each other with nothing but whitespace between.
fn has_adjacent_slashes(s: &str) -> bool {
    s.match_indices('/')
        .any(|(i, _)| s[i + 1..].trim_start().starts_with('/'))
}

fn bad(message: &str) -> Error {
    Error::InvalidInput(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(pointer: &str) -> String {
        match decode_pointer(&json!(pointer)) {
            Err(Error::InvalidInput(m)) => m,
            other => panic!("expected InvalidInput for {pointer}, got {other:?}"),
        }
    }

    #[test]
    fn decodes_escapes_and_trims_segments() {
        let decoded = decode_pointer(&json!("/a~1b~0c/ d ")).unwrap();
        assert_eq!(decoded, ["a/b~c", "d"]);
        assert_eq!(decode_pointer(&json!("/~01")).unwrap(), ["~1"]);
    }

    #[test]
    fn refuses_malformed_pointers() {
        assert_eq!(refused("name"), "Pointer `name` does not start with \"/\".");
        assert!(decode_pointer(&json!(5)).is_err());
        assert_eq!(refused("/a//b"), "Pointer `/a//b` contains adjacent \"/\".");
        assert!(refused("/a/ /b").contains("adjacent"));
        assert_eq!(refused("/a/"), "Pointer `/a/` end with \"/\".");
        assert!(refused("/ / ").contains("does not contains valid token"));
        assert!(refused("/a~2").contains("not part of a recognized escape sequence"));
        assert!(refused("/a~").contains("recognized escape"));
    }
}
