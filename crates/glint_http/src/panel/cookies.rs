//! The panel's cookies: reading the `Cookie` header, and writing `Set-Cookie` values with the
//! flags each cookie needs (the session is HttpOnly; the CSRF value is readable by the page;
//! both are SameSite=Lax, Path=/, and Secure when the public URL is https).

use axum::http::{HeaderMap, HeaderValue, header};

/// The session cookie: the token's secret.
pub(crate) const SESSION: &str = "glint_session";
/// The CSRF cookie: the double-submit value every state-changing request repeats.
pub(crate) const CSRF: &str = "glint_csrf";
/// Marks a browser that signed in and has not signed out, so that a session cookie that the
/// browser dropped at the token's expiry still leads to the "session expired" message.
pub(crate) const SIGNED_IN: &str = "glint_signed_in";
/// A one-shot message for the next page (hex-encoded text, prefixed by its tone).
pub(crate) const FLASH: &str = "glint_flash";

/// The value of the cookie `name` in the request, if any.
pub(crate) fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// How a cookie is set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flags {
    pub http_only: bool,
    pub secure: bool,
    /// Seconds to live; `None` for a cookie that ends with the browser session.
    pub max_age: Option<i64>,
}

/// A `Set-Cookie` value.
pub(crate) fn set(name: &str, value: &str, flags: Flags) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; SameSite=Lax");
    if flags.http_only {
        cookie.push_str("; HttpOnly");
    }
    if flags.secure {
        cookie.push_str("; Secure");
    }
    if let Some(age) = flags.max_age {
        cookie.push_str(&format!("; Max-Age={}", age.max(0)));
    }
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// A `Set-Cookie` value that deletes the cookie.
pub(crate) fn clear(name: &str, secure: bool) -> HeaderValue {
    set(
        name,
        "",
        Flags {
            http_only: true,
            secure,
            max_age: Some(0),
        },
    )
}

/// A fresh random value (244 bits from the OS), as hex: for CSRF tokens.
pub(crate) fn random_value() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Text as lowercase hex, so that any message fits in a cookie.
pub(crate) fn hex_encode(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The text back from `hex_encode`; `None` when it is not valid hex of UTF-8.
pub(crate) fn hex_decode(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

/// Compares two secrets in time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; glint_csrf=abc ; b=2"),
        );
        assert_eq!(get(&headers, CSRF).as_deref(), Some("abc"));
        assert_eq!(get(&headers, SESSION), None);
    }

    #[test]
    fn hex_round_trips_any_text() {
        let text = "Image <b>\"x\"</b> é; removed";
        assert_eq!(hex_decode(&hex_encode(text)).as_deref(), Some(text));
        assert_eq!(hex_decode("zz"), None);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
