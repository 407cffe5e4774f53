//! `application/x-www-form-urlencoded` query strings: splitting into decoded pairs (`+` is a
//! space, a malformed `%` escape stays as it is, bad UTF-8 is replaced) and encoding pairs back
//! the way Python's `urlencode` does (unreserved characters kept, space as `+`).

use std::fmt::Write as _;

/// The decoded `(key, value)` pairs of a raw query string, in order. Empty segments are skipped;
/// a segment without `=` has an empty value.
pub(super) fn decode_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (key, value) = segment.split_once('=').unwrap_or((segment, ""));
            (decode(key), decode(value))
        })
        .collect()
}

/// Percent-decodes one component, with `+` as a space.
pub(super) fn decode(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: Option<&u8>) -> Option<u8> {
    let c = char::from(*byte?);
    c.to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Encodes pairs as `k=v&k2=v2`.
pub(super) fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (key, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        encode_into(&mut out, key);
        out.push('=');
        encode_into(&mut out, value);
    }
    out
}

/// Encodes one component.
pub(super) fn encode(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    encode_into(&mut out, component);
    out
}

fn encode_into(out: &mut String, component: &str) {
    for byte in component.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_encoding() {
        assert_eq!(
            decode_pairs("a=1&&b=x+y%2Bz&c&d=%E2%9C%93&e=%zz%4"),
            [
                ("a".to_string(), "1".to_string()),
                ("b".into(), "x y+z".into()),
                ("c".into(), String::new()),
                ("d".into(), "✓".into()),
                ("e".into(), "%zz%4".into()),
            ]
        );
        assert_eq!(decode("name%3Din%3A%22a%2Cb%22"), "name=in:\"a,b\"");
        assert_eq!(decode("%FF"), "\u{FFFD}");
    }

    #[test]
    fn encodes_as_urlencode_does() {
        assert_eq!(
            encode_pairs([("a b", "x/y:z"), ("t", "✓~_.-")]),
            "a+b=x%2Fy%3Az&t=%E2%9C%93~_.-"
        );
        assert_eq!(encode("in:\"a,b\""), "in%3A%22a%2Cb%22");
        for raw in ["a b", "+", "%", "é&="] {
            assert_eq!(decode(&encode(raw)), raw);
        }
    }
}
