//! `authorized_keys` files: each key's type, SHA-256 fingerprint and comment, as
//! `ssh-keygen -l` would show them.
//!
//! A line may start with options (`command="…"`, `from=…`, `restrict`), quoted strings
//! included; as in sshd, a line is first read as a key and, failing that, as options followed
//! by a key. A key counts only when its base64 blob decodes and names the same type as the
//! line does, which is what sshd would accept.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

const MAX_KEYS_PER_FILE: usize = 1000;
const MAX_BLOB_BASE64: usize = 64 * 1024;

/// A key as found in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedKey {
    pub(crate) key_type: String,
    pub(crate) fingerprint: String,
    pub(crate) comment: String,
    pub(crate) options: Option<String>,
}

/// Every key in an `authorized_keys` file; lines that are not keys are skipped, as sshd
/// skips them.
pub(crate) fn parse(text: &str) -> Vec<ParsedKey> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            key(line, None).or_else(|| {
                let (options, rest) = split_options(line)?;
                key(rest, Some(options))
            })
        })
        .take(MAX_KEYS_PER_FILE)
        .collect()
}

/// `SHA256:` and the unpadded base64 of the SHA-256 of the key blob.
pub(crate) fn fingerprint(blob: &[u8]) -> String {
    format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(blob)))
}

fn key(text: &str, options: Option<&str>) -> Option<ParsedKey> {
    let mut parts = text.splitn(2, char::is_whitespace);
    let key_type = parts.next()?;
    let rest = parts.next()?.trim_start();
    let mut parts = rest.splitn(2, char::is_whitespace);
    let encoded = parts.next()?;
    if encoded.len() > MAX_BLOB_BASE64 {
        return None;
    }
    let blob = STANDARD.decode(encoded).ok()?;
    let inner_len = usize::try_from(u32::from_be_bytes(blob.get(..4)?.try_into().ok()?)).ok()?;
    let inner = blob.get(4..4usize.checked_add(inner_len)?)?;
    if inner != key_type.as_bytes() {
        return None;
    }
    Some(ParsedKey {
        key_type: key_type.to_owned(),
        fingerprint: fingerprint(&blob),
        comment: parts.next().unwrap_or_default().trim().to_owned(),
        options: options.map(str::to_owned),
    })
}

/// Splits `options key…` at the first whitespace outside double quotes.
fn split_options(line: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                return Some((&line[..i], line[i..].trim_start()));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ed25519 public key (type string plus 32 key bytes) in base64.
    fn blob_b64(kind: &str) -> String {
        let mut blob = Vec::new();
        blob.extend_from_slice(&(kind.len() as u32).to_be_bytes());
        blob.extend_from_slice(kind.as_bytes());
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(&[7u8; 32]);
        STANDARD.encode(blob)
    }

    #[test]
    fn keys_with_and_without_options() {
        let b = blob_b64("ssh-ed25519");
        let text = format!(
            "# comment\n\nssh-ed25519 {b} alice@laptop\n\
             command=\"echo hi there\",no-pty ssh-ed25519 {b} bob key\n\
             restrict ssh-ed25519 {b}\n\
             ssh-rsa {b} wrong type inside\n\
             ssh-ed25519 !!notbase64!! x\n"
        );
        let keys = parse(&text);
        let summary: Vec<_> = keys
            .iter()
            .map(|k| (k.comment.as_str(), k.options.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("alice@laptop", None),
                ("bob key", Some("command=\"echo hi there\",no-pty")),
                ("", Some("restrict")),
            ]
        );
        assert!(keys.iter().all(|k| k.key_type == "ssh-ed25519"));
        assert!(keys[0].fingerprint.starts_with("SHA256:"));
        assert!(!keys[0].fingerprint.ends_with('='));
    }
}
