//! Random secrets and their fingerprints: token secrets, audit ids, generated passwords and the
//! SHA-256 under which a token is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use glint_core::{Error, Result};
use sha2::{Digest, Sha256};

/// `n` random bytes from the operating system, base64url-encoded without padding.
pub(crate) fn random_url_safe(n: usize) -> Result<String> {
    let mut buf = vec![0_u8; n];
    getrandom::fill(&mut buf).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(&buf))
}

/// A random integer in `low..=high`.
pub(crate) fn random_in(low: u64, high: u64) -> Result<u64> {
    let mut buf = [0_u8; 8];
    getrandom::fill(&mut buf).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    let span = high - low + 1;
    Ok(low + u64::from_le_bytes(buf) % span)
}

/// Lowercase hex SHA-256 of a token secret: what the store keeps instead of the secret.
pub(crate) fn token_hash(secret: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(secret.as_bytes());
    let mut hex = String::with_capacity(digest.len() * 2);
    for b in digest.iter() {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_url_safe() {
        let a = random_url_safe(32).unwrap_or_default();
        let b = random_url_safe(32).unwrap_or_default();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn random_in_stays_in_range() {
        for _ in 0..100 {
            let n = random_in(100_000, 99_999_999).unwrap_or(0);
            assert!((100_000..=99_999_999).contains(&n));
        }
    }
}
