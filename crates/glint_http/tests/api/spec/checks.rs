//! Checks the specs share: Glance's error shape, and the digests and test data of uploads.

use axum::http::StatusCode;
use md5::Digest;

use crate::app::TestResponse;

/// Asserts the status and Glance's error body: `code` "404 Not Found", WebOb's `title`, a
/// `message`.
#[track_caller]
pub fn assert_glance_error(r: &TestResponse, status: StatusCode) {
    assert_eq!(r.status, status, "{:?}", r.body);
    // WebOb's titles: the standard reason phrases but for 413 and 416.
    let reason = match status.as_u16() {
        413 => "Request Entity Too Large",
        416 => "Request Range Not Satisfiable",
        _ => status.canonical_reason().expect("reason"),
    };
    assert_eq!(r.body["code"], format!("{} {reason}", status.as_u16()));
    assert_eq!(r.body["title"], reason);
    assert!(r.body["message"].is_string());
}

/// `n` bytes of a repeating pattern, as raw image data.
pub fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The MD5 of `data` in hex, as Glance's `checksum`.
pub fn md5_hex(data: &[u8]) -> String {
    hex(&md5::Md5::digest(data))
}

/// The SHA-512 of `data` in hex, as Glance's `os_hash_value`.
pub fn sha512_hex(data: &[u8]) -> String {
    hex(&sha2::Sha512::digest(data))
}
