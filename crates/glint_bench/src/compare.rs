//! The side-by-side run: the same workloads against Glint and the reference, one after the other
//! for each workload so that both see the same machine: (a) creates, (c) member adds and
//! accepts, (b) list pages, (d) one large image up and down, and (e) every non-2xx answer.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use reqwest::Method;
use sha2::{Digest, Sha256};

use crate::api::{self, Caller};
use crate::load::{self, Bounds, Outcome};
use crate::procs::{Glint, GlintSetup, Reference};
use crate::report::{Better, Row};
use crate::transfer::{self, Transfer};

/// How big each workload is.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub creates: usize,
    pub shares: usize,
    pub lists: usize,
    pub transfer_mib: usize,
    pub deadline: Duration,
}

impl Plan {
    pub fn full() -> Plan {
        Plan {
            creates: 2_000,
            shares: 500,
            lists: 200,
            transfer_mib: 1_024,
            deadline: Duration::from_secs(900),
        }
    }

    pub fn quick() -> Plan {
        Plan {
            creates: 40,
            shares: 20,
            lists: 20,
            transfer_mib: 64,
            deadline: Duration::from_secs(20),
        }
    }
}

/// Where the programs and folders are.
#[derive(Debug, Clone)]
pub struct Paths {
    pub glint_bin: PathBuf,
    pub work: PathBuf,
    pub reference_tools: PathBuf,
    pub reference_dir: PathBuf,
}

/// One server with its three accounts.
struct Side {
    name: &'static str,
    owner: Caller,
    producer: Caller,
    consumer: Caller,
    consumer_id: &'static str,
    pid: u32,
    url: String,
    /// Glint only: the owner's token and the store's URL.
    token: Option<String>,
    db_url: Option<String>,
}

/// Everything the run measured.
#[derive(Debug, Default)]
pub struct Comparison {
    pub rows: Vec<Row>,
    /// Glint-only figures on where a request's time goes.
    pub notes: Vec<String>,
    pub hash_limit_mib_s: f64,
    /// Non-2xx answers and failures: (server, workload, text).
    pub failures: Vec<(String, String, String)>,
    pub total_errors: [u64; 2],
}

const PASSWORD: &str = "bench-password-1";
const ACCOUNTS: [(&str, &str); 3] = [
    ("bench-owner", "710001"),
    ("bench-producer", "710002"),
    ("bench-consumer", "710003"),
];

async fn glint_side(paths: &Paths) -> Result<(Glint, Side)> {
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
        <[Caller; 3]>::try_from(callers).map_err(|_| anyhow::anyhow!("three accounts expected"))?;
    let pid = glint.pid;
    let side = Side {
        name: "Glint",
        owner,
        producer,
        consumer,
        consumer_id: ACCOUNTS[2].1,
        pid,
        url: glint.url.clone(),
        token: tokens.into_iter().next(),
        db_url: Some(format!(
            "sqlite://{}?mode=rw",
            setup.data_dir.join("glint.db").display()
        )),
    };
    Ok((glint, side))
}

fn reference_side(reference: &Reference) -> Result<Side> {
    let client = api::client()?;
    Ok(Side {
        name: "reference",
        owner: Caller::reference(&client, &reference.url, ACCOUNTS[0].1)?,
        producer: Caller::reference(&client, &reference.url, ACCOUNTS[1].1)?,
        consumer: Caller::reference(&client, &reference.url, ACCOUNTS[2].1)?,
        consumer_id: ACCOUNTS[2].1,
        pid: reference.pid,
        url: reference.url.clone(),
        token: None,
        db_url: None,
    })
}

impl Comparison {
    fn note_failures(&mut self, side: usize, name: &str, outcome: &Outcome) {
        self.total_errors[side] += outcome.errors();
        if outcome.errors() > 0 {
            self.failures
                .push((name.to_owned(), outcome.label.clone(), outcome.error_text()));
        }
    }

    /// Rows for a load measured on both sides: rate, latencies, errors, as asked.
    fn load_rows(&mut self, workload: &str, pair: &[Outcome; 2], rate: bool, latency: bool) {
        if rate {
            self.rows.push(Row::new(
                workload,
                "req/s",
                pair[0].rate(),
                pair[1].rate(),
                Better::Higher,
            ));
        }
        if latency {
            self.rows.push(Row::new(
                workload,
                "p50 ms",
                pair[0].ms(0.5),
                pair[1].ms(0.5),
                Better::Lower,
            ));
            self.rows.push(Row::new(
                workload,
                "p99 ms",
                pair[0].ms(0.99),
                pair[1].ms(0.99),
                Better::Lower,
            ));
        }
        self.rows.push(Row::errors(workload, &pair[0], &pair[1]));
    }
}

/// Runs one load on both sides (Glint first) and records its failures.
async fn both<F>(
    cmp: &mut Comparison,
    sides: &[Side; 2],
    label: &str,
    bounds: Bounds,
    make: F,
) -> Result<[Outcome; 2]>
where
    F: Fn(&Side) -> Op,
{
    let mut out = Vec::with_capacity(2);
    for (n, side) in sides.iter().enumerate() {
        let op = make(side);
        let outcome = load::run(&format!("{} {label}", side.name), bounds, op).await?;
        cmp.note_failures(n, side.name, &outcome);
        out.push(outcome);
    }
    <[Outcome; 2]>::try_from(out).map_err(|_| anyhow::anyhow!("two outcomes expected"))
}

type Op = Box<dyn Fn(usize) -> futures::future::BoxFuture<'static, load::Reply> + Send + Sync>;

fn creates(caller: &Caller, prefix: &str) -> Op {
    let (caller, prefix) = (caller.clone(), prefix.to_owned());
    Box::new(move |i| {
        let (caller, name) = (caller.clone(), format!("{prefix}-{i}"));
        Box::pin(async move { caller.create_image(name).await })
    })
}

fn member_adds(caller: &Caller, images: &[String], member: &str) -> Op {
    let (caller, images, member) = (caller.clone(), images.to_vec(), member.to_owned());
    Box::new(move |i| {
        let (caller, image, member) = (
            caller.clone(),
            images.get(i).cloned().unwrap_or_default(),
            member.clone(),
        );
        Box::pin(async move { caller.add_member(&image, &member).await })
    })
}

fn accepts(caller: &Caller, images: &[String], member: &str) -> Op {
    let (caller, images, member) = (caller.clone(), images.to_vec(), member.to_owned());
    Box::new(move |i| {
        let (caller, image, member) = (
            caller.clone(),
            images.get(i).cloned().unwrap_or_default(),
            member.clone(),
        );
        Box::pin(async move { caller.set_member_status(&image, &member, "accepted").await })
    })
}

fn lists(caller: &Caller) -> Op {
    let caller = caller.clone();
    Box::new(move |i| {
        let caller = caller.clone();
        Box::pin(async move { caller.list("limit=100", i == 0).await })
    })
}

/// Checks that the first list answers had the expected number of images.
fn check_page(pair: &[Outcome; 2], want: usize, who: &str) -> Result<()> {
    for outcome in pair {
        let got = outcome
            .values
            .first()
            .map(|(_, v)| v.as_str())
            .unwrap_or("none");
        if got != want.to_string() {
            bail!(
                "{}: the {who}'s first page had {got} images, not {want}",
                outcome.label
            );
        }
    }
    Ok(())
}

/// Runs every workload on both servers; `paths.work` holds Glint's data.
pub async fn run(paths: &Paths, plan: Plan) -> Result<Comparison> {
    let mut cmp = Comparison::default();
    println!("== starting Glint and the reference");
    let (glint, glint_side) = glint_side(paths).await?;
    let reference = Reference::start(&paths.reference_tools, &paths.reference_dir).await?;
    println!(
        "  reference serving on {} (pid {})",
        reference.url, reference.pid
    );
    let sides = [glint_side, reference_side(&reference)?];
    let result = workloads(&mut cmp, &sides, plan).await;
    let stopped = (glint.stop().await, reference.stop().await);
    result?;
    stopped.0?;
    stopped.1?;
    Ok(cmp)
}

async fn workloads(cmp: &mut Comparison, sides: &[Side; 2], plan: Plan) -> Result<()> {
    let bounds = |count, clients| Bounds {
        count,
        clients,
        deadline: plan.deadline,
    };
    println!(
        "== (a) create {} image records at 1, 4 and 16 clients",
        plan.creates
    );
    let mut produced: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for clients in [1, 4, 16] {
        let label = format!("create ×{} at {clients} client(s)", plan.creates);
        let pair = both(cmp, sides, &label, bounds(plan.creates, clients), |s| {
            if clients == 1 {
                creates(&s.owner, "owned")
            } else {
                creates(&s.producer, "produced")
            }
        })
        .await?;
        if clients > 1 {
            for (n, outcome) in pair.iter().enumerate() {
                produced[n].extend(outcome.ids());
            }
        }
        cmp.load_rows(
            &format!("(a) create, {clients} client(s)"),
            &pair,
            true,
            true,
        );
    }
    let half = plan.shares / 2;
    println!(
        "== (c) member add and accept, {half} at 1 client then {} at 4",
        plan.shares - half
    );
    for (action, who) in [("add", "producer"), ("accept", "consumer")] {
        for (clients, range) in [(1, 0..half), (4, half..plan.shares)] {
            let label = format!("member {action} ×{} at {clients} client(s)", range.len());
            let pair = both(cmp, sides, &label, bounds(range.len(), clients), |s| {
                let n = if s.name == "Glint" { 0 } else { 1 };
                let images = produced[n].get(range.clone()).unwrap_or_default();
                if who == "producer" {
                    member_adds(&s.producer, images, s.consumer_id)
                } else {
                    accepts(&s.consumer, images, s.consumer_id)
                }
            })
            .await?;
            cmp.load_rows(
                &format!("(c) member {action}, {clients} client(s)"),
                &pair,
                true,
                false,
            );
        }
    }
    println!(
        "== (b) GET /v2/images?limit=100, {} times each at 1 client",
        plan.lists
    );
    let owner = both(
        cmp,
        sides,
        "list as the owner",
        bounds(plan.lists, 1),
        |s| lists(&s.owner),
    )
    .await?;
    check_page(&owner, 100.min(plan.creates), "owner")?;
    cmp.load_rows(
        &format!("(b) list, owner of {} images", plan.creates),
        &owner,
        false,
        true,
    );
    let consumer = both(
        cmp,
        sides,
        "list as the consumer",
        bounds(plan.lists, 1),
        |s| lists(&s.consumer),
    )
    .await?;
    check_page(&consumer, 100.min(plan.shares), "consumer")?;
    cmp.load_rows(
        &format!("(b) list, consumer of {} shares", plan.shares),
        &consumer,
        false,
        true,
    );

    auth_cost(cmp, &sides[0], plan).await?;

    println!("== (d) {} MiB upload and download", plan.transfer_mib);
    cmp.hash_limit_mib_s = transfer::hash_limit(plan.transfer_mib.max(256)).await?;
    println!(
        "  hashing limit (md5 + sha512, two threads): {:.0} MiB/s",
        cmp.hash_limit_mib_s
    );
    let mut moved: Vec<Transfer> = Vec::new();
    for (n, side) in sides.iter().enumerate() {
        match transfer::run(side.name, &side.owner, side.pid, plan.transfer_mib).await {
            Ok(t) => moved.push(t),
            Err(e) => {
                cmp.total_errors[n] += 1;
                cmp.failures
                    .push((side.name.into(), "transfer".into(), e.to_string()));
                println!("  {}: transfer failed: {e}", side.name);
                moved.push(Transfer::default());
            }
        }
    }
    let w = format!("(d) {} MiB image", plan.transfer_mib);
    cmp.rows.push(Row::new(
        &w,
        "upload MiB/s",
        moved[0].upload_mib_s,
        moved[1].upload_mib_s,
        Better::Higher,
    ));
    cmp.rows.push(Row::new(
        &w,
        "download MiB/s",
        moved[0].download_mib_s,
        moved[1].download_mib_s,
        Better::Higher,
    ));
    cmp.rows.push(Row::new(
        &w,
        "peak RSS receiving, MiB",
        moved[0].upload_peak_mib,
        moved[1].upload_peak_mib,
        Better::Lower,
    ));
    cmp.rows.push(Row::new(
        &w,
        "peak RSS sending, MiB",
        moved[0].download_peak_mib,
        moved[1].download_peak_mib,
        Better::Lower,
    ));
    cmp.notes.push(format!(
        "Upload at {:.0} % of the hashing limit ({:.0} MiB/s); peak RSS per process: Glint {}; reference {}.",
        100.0 * moved[0].upload_mib_s / cmp.hash_limit_mib_s.max(1e-9),
        cmp.hash_limit_mib_s,
        moved[0].breakdown,
        moved[1].breakdown
    ));
    Ok(())
}

/// Where a Glint request's time goes: an answer without a token or the database, one with a
/// validated token and nothing else, and the token lookup alone, straight at the store.
async fn auth_cost(cmp: &mut Comparison, glint: &Side, plan: Plan) -> Result<()> {
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
    cmp.notes.push(format!(
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
    ));
    Ok(())
}

/// p50 and p99, in µs, of `glint_db::tokens::lookup` for the owner's token, called directly.
async fn token_lookups(glint: &Side, count: usize) -> Result<(f64, f64)> {
    let (Some(db_url), Some(token)) = (&glint.db_url, &glint.token) else {
        bail!("Glint's database and token are needed for the lookup timing");
    };
    let db = glint_db::Db::connect(db_url).await?;
    let hash: String = Sha256::digest(token.as_bytes())
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
