//! The two servers of the side-by-side run as the workloads see them: Glint started on a fresh
//! store with three accounts signed in, and the reference's callers for the same accounts.

use anyhow::{Result, anyhow};

use super::Paths;
use crate::api::{self, Caller};
use crate::procs::{Glint, GlintSetup, Reference};

/// One server with its three accounts.
pub(super) struct Side {
    pub(super) name: &'static str,
    pub(super) owner: Caller,
    pub(super) producer: Caller,
    pub(super) consumer: Caller,
    pub(super) consumer_id: &'static str,
    pub(super) pid: u32,
    pub(super) url: String,
    /// Glint only: the owner's token and the store's URL (empty for the reference).
    pub(super) token: String,
    pub(super) db_url: String,
}

const PASSWORD: &str = "bench-password-1";
const ACCOUNTS: [(&str, &str); 3] = [
    ("bench-owner", "710001"),
    ("bench-producer", "710002"),
    ("bench-consumer", "710003"),
];

/// Starts Glint on a fresh store with the three accounts and signs them in.
pub(super) async fn glint_side(paths: &Paths) -> Result<(Glint, Side)> {
    let data_dir = paths.work.join("compare-glint");
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)?;
    }
    let setup = GlintSetup {
        bin: paths.glint_bin.clone(),
        data_dir,
        database_url: None,
    };
    for (name, number) in ACCOUNTS {
        setup.account(name, number, PASSWORD).await?;
    }
    let glint = Glint::start(&setup).await?;
    println!("  Glint serving on {} (pid {})", glint.url, glint.pid);
    let client = api::client()?;
    let mut callers = Vec::new();
    let mut tokens = Vec::new();
    for (name, _) in ACCOUNTS {
        let token = api::glint_token(&client, &glint.url, name, PASSWORD).await?;
        callers.push(Caller::glint(&client, &glint.url, &token)?);
        tokens.push(token);
    }
    let [owner, producer, consumer] =
        <[Caller; 3]>::try_from(callers).map_err(|_| anyhow!("three accounts expected"))?;
    let pid = glint.pid;
    let side = Side {
        name: "Glint",
        owner,
        producer,
        consumer,
        consumer_id: ACCOUNTS[2].1,
        pid,
        url: glint.url.clone(),
        token: tokens.into_iter().next().unwrap_or_default(),
        db_url: format!(
            "sqlite://{}?mode=rw",
            setup.data_dir.join("glint.db").display()
        ),
    };
    Ok((glint, side))
}

/// The reference's three accounts (it takes the project id as the caller).
pub(super) fn reference_side(reference: &Reference) -> Result<Side> {
    let client = api::client()?;
    Ok(Side {
        name: "reference",
        owner: Caller::reference(&client, &reference.url, ACCOUNTS[0].1)?,
        producer: Caller::reference(&client, &reference.url, ACCOUNTS[1].1)?,
        consumer: Caller::reference(&client, &reference.url, ACCOUNTS[2].1)?,
        consumer_id: ACCOUNTS[2].1,
        pid: reference.pid,
        url: reference.url.clone(),
        token: String::new(),
        db_url: String::new(),
    })
}
