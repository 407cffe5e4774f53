//! Password hashing with argon2id, on one dedicated thread that reuses one block of argon2
//! memory for every hash and check, never on the async workers. A check against an unknown user
//! costs the same as against a known one.
//!
//! Each argon2id hash needs 19 MiB. Hashed on the blocking pool, every thread that ever hashed
//! kept that much in its allocator arena; one thread with one reused block keeps it once per
//! process. Sign-ins queue on that thread, which is the CPU they need anyway.

use std::sync::{OnceLock, mpsc};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use glint_core::{Error, Result};
use tokio::sync::oneshot;

/// A valid hash of a password nobody knows, checked when the user does not exist so that the
/// answer takes as long as for a real user.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0xUpuPIOG3a9vW3dt5SzPhXb9Nh1X2jyLRH0eBkmWAM";

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String>>,
    },
    Verify {
        password: String,
        stored: Option<String>,
        reply: oneshot::Sender<Result<bool>>,
    },
}

/// The hashing thread's queue, started on first use: one per process is the point.
static WORKER: OnceLock<std::result::Result<mpsc::Sender<Job>, String>> = OnceLock::new();

fn internal(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("{what}: {e}"))
}

fn worker() -> Result<&'static mpsc::Sender<Job>> {
    WORKER
        .get_or_init(|| {
            let (send, receive) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("glint-password".into())
                .spawn(move || run(&receive))
                .map(|_| send)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| internal("password thread", e))
}

fn run(jobs: &mpsc::Receiver<Job>) {
    let mut memory: Vec<Block> = Vec::new();
    for job in jobs {
        // A caller that went away no longer wants the answer.
        match job {
            Job::Hash { password, reply } => {
                let _ = reply.send(hash_with(&mut memory, &password));
            }
            Job::Verify {
                password,
                stored,
                reply,
            } => {
                let _ = reply.send(verify_with(&mut memory, &password, stored));
            }
        }
    }
}

/// `memory`, grown to what `params` needs.
fn blocks<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    let needed = params.block_count();
    if memory.len() < needed {
        memory.resize(needed, Block::default());
    }
    &mut memory[..needed]
}

fn compute(
    memory: &mut Vec<Block>,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: Salt<'_>,
    out: &mut [u8],
) -> Result<()> {
    let mut salt_buf = [0_u8; 64];
    let salt = salt
        .decode_b64(&mut salt_buf)
        .map_err(|e| internal("password salt", e))?;
    let memory = blocks(memory, &params);
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, out, memory)
        .map_err(|e| internal("password hashing", e))
}

fn hash_with(memory: &mut Vec<Block>, password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let mut out = [0_u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        memory,
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        salt.as_salt(),
        &mut out,
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| internal("password params", e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| internal("password hash", e))?),
    };
    Ok(phc.to_string())
}

fn verify_with(memory: &mut Vec<Block>, password: &str, stored: Option<String>) -> Result<bool> {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| DECOY_HASH.to_owned());
    let bad = |e: argon2::password_hash::Error| internal("stored password hash", e);
    let parsed = PasswordHash::new(&stored).map_err(bad)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(bad)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| internal("stored password hash", e))?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(bad)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(Error::Internal(
            "stored password hash: no salt or no hash".into(),
        ));
    };
    let mut out = vec![0_u8; expected.len()];
    compute(memory, algorithm, version, params, password, salt, &mut out)?;
    // `Output`'s equality takes the same time wherever the first difference is.
    let matches = Output::new(&out).map_err(bad)? == expected;
    Ok(known && matches)
}

/// Hashes a password as an argon2id PHC string.
pub(crate) async fn hash(password: String) -> Result<String> {
    let (reply, answer) = oneshot::channel();
    worker()?
        .send(Job::Hash { password, reply })
        .map_err(|e| internal("password thread", e))?;
    answer
        .await
        .map_err(|e| internal("password hashing task", e))?
}

/// Whether `password` matches `stored` (a PHC string); `None` checks against a decoy and is
/// always false.
pub(crate) async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    let (reply, answer) = oneshot::channel();
    worker()?
        .send(Job::Verify {
            password,
            stored,
            reply,
        })
        .map_err(|e| internal("password thread", e))?;
    answer
        .await
        .map_err(|e| internal("password check task", e))?
}

#[cfg(test)]
mod tests {
    use argon2::PasswordVerifier;

    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_decoys_never_match() -> Result<()> {
        let h = hash("s3cret".into()).await?;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("s3cret".into(), Some(h.clone())).await?);
        assert!(!verify("wrong".into(), Some(h)).await?);
        assert!(!verify("anything".into(), None).await?);
        Ok(())
    }

    #[tokio::test]
    async fn agrees_with_the_argon2_crate_both_ways() -> Result<()> {
        let ours = hash("pw".into()).await?;
        let parsed = PasswordHash::new(&ours).map_err(|e| internal("parse", e))?;
        assert!(Argon2::default().verify_password(b"pw", &parsed).is_ok());
        // A hash with other parameters (less memory) still checks.
        let params = Params::new(8192, 1, 1, None).map_err(|e| internal("params", e))?;
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2::PasswordHasher::hash_password(
            &Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            b"pw",
            &salt,
        )
        .map_err(|e| internal("hash", e))?
        .to_string();
        assert!(verify("pw".into(), Some(theirs.clone())).await?);
        assert!(!verify("no".into(), Some(theirs)).await?);
        Ok(())
    }
}
