//! The side-by-side run: the same workloads against Glint and the reference, one after the other
//! for each workload so that both see the same machine: (a) creates, (c) member adds and
//! accepts, (b) list pages, (d) one large image up and down, and (e) every non-2xx answer.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use crate::api::{self, Caller};
use crate::auth::{self, GlintTarget};
use crate::load::{self, Bounds, Outcome};
use crate::ops::{self, Op};
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
    /// Light requests to a server just before each of its measured loads (see `ops::warm_up`).
    pub warm_up: Duration,
}

impl Plan {
    pub fn full() -> Plan {
        Plan {
            creates: 2_000,
            shares: 500,
            lists: 200,
            transfer_mib: 1_024,
            deadline: Duration::from_secs(900),
            warm_up: Duration::from_secs(1),
        }
    }

    pub fn quick() -> Plan {
        Plan {
            creates: 40,
            shares: 20,
            lists: 20,
            transfer_mib: 64,
            deadline: Duration::from_secs(20),
            warm_up: Duration::from_millis(100),
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
    /// Glint only: the owner's token and the store's URL (empty for the reference).
    token: String,
    db_url: String,
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
        token: String::new(),
        db_url: String::new(),
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
    (bounds, warm): (Bounds, Duration),
    make: F,
) -> Result<[Outcome; 2]>
where
    F: Fn(&Side) -> Op,
{
    let mut out = Vec::with_capacity(2);
    for (n, side) in sides.iter().enumerate() {
        let op = make(side);
        ops::warm_up(&side.owner, warm).await;
        let outcome = load::run(&format!("{} {label}", side.name), bounds, op).await?;
        cmp.note_failures(n, side.name, &outcome);
        out.push(outcome);
    }
    <[Outcome; 2]>::try_from(out).map_err(|_| anyhow!("two outcomes expected"))
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
    let bounds = |count, clients| {
        let bounds = Bounds {
            count,
            clients,
            deadline: plan.deadline,
        };
        (bounds, plan.warm_up)
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
                ops::creates(&s.owner, "owned")
            } else {
                ops::creates(&s.producer, "produced")
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
                    ops::member_adds(&s.producer, images, s.consumer_id)
                } else {
                    ops::accepts(&s.consumer, images, s.consumer_id)
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
        |s| ops::lists(&s.owner),
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
        |s| ops::lists(&s.consumer),
    )
    .await?;
    check_page(&consumer, 100.min(plan.shares), "consumer")?;
    cmp.load_rows(
        &format!("(b) list, consumer of {} shares", plan.shares),
        &consumer,
        false,
        true,
    );

    let glint = &sides[0];
    let target = GlintTarget {
        url: &glint.url,
        owner: &glint.owner,
        token: &glint.token,
        db_url: &glint.db_url,
    };
    cmp.notes.push(auth::token_cost(&target, plan).await?);

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
    transfer::record(cmp, plan.transfer_mib, &moved);
    Ok(())
}
