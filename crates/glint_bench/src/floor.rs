//! Timings at the store, below HTTP: the first list page through `image_list::list`, and the
//! floor under it — a bare round trip to the engine, the owner's page of 100 rows fetched,
//! and the same statement run without moving its rows (`count(*)` over it) — so that the SQL's
//! own cost and the cost of carrying rows through the driver can be told apart.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use glint_core::RegionName;
use glint_core::image::query::parse_list_query;
use glint_db::image_list::{self, ListScope};
use glint_db::{Db, images, sql};

use crate::dataset::OWNER;
use crate::load;

/// The list scope of `account` in DFW; the account named "admin" lists as the admin.
pub fn scope<'a>(region: &'a RegionName, account: &'a str) -> ListScope<'a> {
    ListScope {
        region,
        account,
        is_admin: account == "admin",
    }
}

/// Runs `op` up to `count` times (two minutes at most); p50 and p99 in ms.
async fn timed<F, Fut>(count: usize, mut op: F) -> Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let mut latency = load::histogram()?;
    let started = Instant::now();
    for _ in 0..count {
        if started.elapsed() > Duration::from_secs(120) {
            break;
        }
        let t = Instant::now();
        op().await?;
        let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
        latency.saturating_record(micros.max(1));
    }
    let p = |q| latency.value_at_quantile(q) as f64 / 1000.0;
    Ok((p(0.5), p(0.99)))
}

/// p50 and p99 in ms of `image_list::list` for `account`'s first page of 100, called directly.
pub async fn list_timing(db: &Db, account: &str, count: usize) -> Result<(f64, f64)> {
    let region = RegionName::from_trusted("DFW".into());
    let query = parse_list_query(Some("limit=100"), 25, 1000)?;
    let scope = scope(&region, account);
    timed(count, || async {
        let page = image_list::list(db, &scope, &query, None).await?;
        if page.len() != 100 {
            bail!("the {account} list gave {} images, not 100", page.len());
        }
        Ok(())
    })
    .await
}

/// The owner's newest 100 images, every column a list reads, in one index-ordered statement.
fn owner_page() -> String {
    format!(
        "SELECT {} FROM images i WHERE i.region = 'DFW' AND i.owner = $1 AND i.deleted = 0 \
         ORDER BY i.created_at DESC, i.id DESC LIMIT 100",
        images::select_list()
    )
}

/// How many columns that page has.
fn owner_page_columns() -> usize {
    images::select_list().split(", ").count()
}

/// One sentence on the floor under a list at the store, p50s of `count` runs each.
pub async fn probe(db: &Db, engine: &str, images: usize, count: usize) -> Result<String> {
    let (trip, _) = timed(count, || async {
        sql::query("SELECT 1").fetch_one(db).await?;
        Ok(())
    })
    .await?;
    let page = owner_page();
    let (rows, _) = timed(count, || async {
        let got = sql::query(page.clone()).bind(OWNER).fetch_all(db).await?;
        if got.len() != 100 {
            bail!("the owner's page had {} rows", got.len());
        }
        Ok(())
    })
    .await?;
    let counted = format!("SELECT count(*) FROM ({page}) AS page");
    let (sql_only, _) = timed(count, || async {
        sql::query(counted.clone())
            .bind(OWNER)
            .fetch_one(db)
            .await?;
        Ok(())
    })
    .await?;
    let text = format!(
        "{engine}, {images} images, p50 at the store: a round trip (SELECT 1) {:.0} µs; the \
         owner's page of 100 rows × {} columns fetched {rows:.2} ms, the same statement \
         without moving its rows (count(*) over it) {sql_only:.2} ms.",
        trip * 1000.0,
        owner_page_columns()
    );
    println!("  {text}");
    Ok(text)
}
