//! Where a Glint request's time goes: an answer with neither a token nor the database, one
//! with a validated token and nothing else, and the token lookup alone, straight at the store.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use reqwest::Method;
use sha2::{Digest, Sha256};

use crate::api::{self, Caller};
use crate::compare::Plan;
use crate::load::{self, Bounds};

/// What the token check needs of the Glint under test.
pub struct GlintTarget<'a> {
    pub url: &'a str,
    pub owner: &'a Caller,
    pub token: &'a str,
    pub db_url: &'a str,
}

/// Measures the three and returns a sentence for the report.
pub async fn token_cost(glint: &GlintTarget<'_>, plan: Plan) -> Result<String> {
    println!("== where a Glint request's time goes (token check)");
    let count = plan.lists * 10;
    let bounds = Bounds {
        count,
        clients: 4,
        deadline: plan.deadline,
    };
    let client = api::client()?;
    let url = format!("{}/image/DFW/versions", glint.url);
    let open = load::run(
        "Glint GET /image/DFW/versions (no token) at 4 clients",
        bounds,
        move |_| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let response = client.get(&url).send().await.map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                response.bytes().await.map_err(|e| e.to_string())?;
                Ok((status, None))
            }
        },
    )
    .await?;
    let owner = glint.owner.clone();
    let authed = load::run(
        "Glint GET /v2/schemas/member (token) at 4 clients",
        bounds,
        move |_| {
            let owner = owner.clone();
            async move { owner.call(Method::GET, "/schemas/member", None).await }
        },
    )
    .await?;
    let store = token_lookups(glint, count).await?;
    Ok(format!(
        "Token check (Glint, 4 clients): GET /image/DFW/versions, no token and no database: \
         {:.0} req/s, p50 {:.2} ms; GET /v2/schemas/member, token validated and nothing else \
         read: {:.0} req/s, p50 {:.2} ms. The token lookup alone at the store (SQLite, one \
         caller): p50 {:.0} µs, p99 {:.0} µs.",
        open.rate(),
        open.ms(0.5),
        authed.rate(),
        authed.ms(0.5),
        store.0,
        store.1
    ))
}

/// p50 and p99, in µs, of `glint_db::tokens::lookup` for the owner's token, called directly.
async fn token_lookups(glint: &GlintTarget<'_>, count: usize) -> Result<(f64, f64)> {
    let db = glint_db::Db::connect(glint.db_url).await?;
    let hash: String = Sha256::digest(glint.token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut latency = load::histogram()?;
    let started = Instant::now();
    for _ in 0..count {
        if started.elapsed() > Duration::from_secs(30) {
            break;
        }
        let t = Instant::now();
        let found = glint_db::tokens::lookup(&db, &hash, glint_core::Timestamp::now()).await?;
        latency.saturating_record(
            u64::try_from(t.elapsed().as_micros())
                .unwrap_or(u64::MAX)
                .max(1),
        );
        if found.is_none() {
            bail!("the owner's token was not found in Glint's store");
        }
    }
    db.close().await;
    let p = |q| latency.value_at_quantile(q) as f64;
    println!(
        "  Glint token lookup at the store: p50 {:.0} µs, p99 {:.0} µs",
        p(0.5),
        p(0.99)
    );
    Ok((p(0.5), p(0.99)))
}
