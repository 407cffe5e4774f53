//! Password hashing with argon2id. Hashing and checking run on the blocking pool, never on the
//! async workers, and a check against an unknown user costs the same as against a known one.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use glint_core::{Error, Result};

/// A valid hash of a password nobody knows, checked when the user does not exist so that the
/// answer takes as long as for a real user.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0xUpuPIOG3a9vW3dt5SzPhXb9Nh1X2jyLRH0eBkmWAM";

/// Hashes a password as an argon2id PHC string.
pub(crate) async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("password hashing task: {e}")))?
}

/// Whether `password` matches `stored` (a PHC string); `None` checks against a decoy and is
/// always false.
pub(crate) async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DECOY_HASH.to_owned());
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::Internal(format!("stored password hash: {e}")))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
    .map_err(|e| Error::Internal(format!("password check task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_decoys_never_match() -> Result<()> {
        let h = hash("s3cret".into()).await?;
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("s3cret".into(), Some(h.clone())).await?);
        assert!(!verify("wrong".into(), Some(h)).await?);
        assert!(!verify("anything".into(), None).await?);
        Ok(())
    }
}
