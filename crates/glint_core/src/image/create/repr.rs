//! Values written the way Glance's messages show them: Python's `repr` of the decoded JSON
//! (`'text'`, `None`, `True`, `[1, 'a']`, `{'k': 'v'}`), so that error texts match the reference.

use std::fmt::Write as _;

use serde_json::Value;

/// A value written the way Glance's (Python) messages show it: `'text'`, `None`, `True`, `5`.
pub(crate) fn repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", quote(k), repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// `s` in single quotes, with the escapes Python's `repr` writes.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_shown_as_python_does() {
        assert_eq!(
            repr(&json!({"a": [true, null, 1, "it's"]})),
            "{'a': [True, None, 1, 'it\\'s']}"
        );
    }
}
