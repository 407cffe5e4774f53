//! The side-by-side run: the same workloads against Glint and the reference, one after the other
//! for each workload so that both see the same machine: (a) creates, (c) member adds and
//! accepts, (b) list pages, (d) one large image up and down, and (e) every non-2xx answer.

mod sides;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use self::sides::{Side, glint_side, reference_side};
use crate::auth::{self, GlintTarget};
use crate::load::{self, Bounds, Outcome};
use crate::ops::{self, Op};
use crate::procs::Reference;
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

/// The workloads in their order: creates (whose images the shares use), shares, lists, the
/// cost of a token (Glint only), then the large transfer.
async fn workloads(cmp: &mut Comparison, sides: &[Side; 2], plan: Plan) -> Result<()> {
    let produced = creates(cmp, sides, plan).await?;
    shares(cmp, sides, plan, &produced).await?;
    lists(cmp, sides, plan).await?;
    let glint = &sides[0];
    let target = GlintTarget {
        url: &glint.url,
        owner: &glint.owner,
        token: &glint.token,
        db_url: &glint.db_url,
    };
    cmp.notes.push(auth::token_cost(&target, plan).await?);
    transfers(cmp, sides, plan).await
}

impl Plan {
    /// The bounds of a load of `count` requests from `clients` clients, with the warm-up
    /// before it.
    fn load(&self, count: usize, clients: usize) -> (Bounds, Duration) {
        let bounds = Bounds {
            count,
            clients,
            deadline: self.deadline,
        };
        (bounds, self.warm_up)
    }
}

/// (a) Creates at 1, 4 and 16 clients; returns each side's images created by the producer (at
/// 4 and 16 clients), which the shares use.
async fn creates(cmp: &mut Comparison, sides: &[Side; 2], plan: Plan) -> Result<[Vec<String>; 2]> {
    println!(
        "== (a) create {} image records at 1, 4 and 16 clients",
        plan.creates
    );
    let mut produced: [Vec<String>; 2] = [Vec::new(), Vec::new()];
    for clients in [1, 4, 16] {
        let label = format!("create ×{} at {clients} client(s)", plan.creates);
        let pair = both(cmp, sides, &label, plan.load(plan.creates, clients), |s| {
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
    Ok(produced)
}

/// (c) The producer adds the consumer to half of `produced` at 1 client and the other half at
/// 4, then the consumer accepts them the same way.
async fn shares(
    cmp: &mut Comparison,
    sides: &[Side; 2],
    plan: Plan,
    produced: &[Vec<String>; 2],
) -> Result<()> {
    let half = plan.shares / 2;
    println!(
        "== (c) member add and accept, {half} at 1 client then {} at 4",
        plan.shares - half
    );
    for (action, who) in [("add", "producer"), ("accept", "consumer")] {
        for (clients, range) in [(1, 0..half), (4, half..plan.shares)] {
            let label = format!("member {action} ×{} at {clients} client(s)", range.len());
            let pair = both(cmp, sides, &label, plan.load(range.len(), clients), |s| {
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
    Ok(())
}

/// (b) The first page of the list, as the owner of every created image and as the consumer
/// of every share; each first page must hold the images expected.
async fn lists(cmp: &mut Comparison, sides: &[Side; 2], plan: Plan) -> Result<()> {
    println!(
        "== (b) GET /v2/images?limit=100, {} times each at 1 client",
        plan.lists
    );
    let workload = format!("(b) list, owner of {} images", plan.creates);
    let owner = |s: &Side| ops::lists(&s.owner);
    list_as(cmp, sides, plan, "owner", plan.creates, &workload, owner).await?;
    let workload = format!("(b) list, consumer of {} shares", plan.shares);
    let consumer = |s: &Side| ops::lists(&s.consumer);
    list_as(
        cmp,
        sides,
        plan,
        "consumer",
        plan.shares,
        &workload,
        consumer,
    )
    .await
}

/// One list load as `who`, whose first page must hold 100 images, or `visible` when fewer.
async fn list_as(
    cmp: &mut Comparison,
    sides: &[Side; 2],
    plan: Plan,
    who: &str,
    visible: usize,
    workload: &str,
    make: impl Fn(&Side) -> Op,
) -> Result<()> {
    let label = format!("list as the {who}");
    let pair = both(cmp, sides, &label, plan.load(plan.lists, 1), make).await?;
    check_page(&pair, 100.min(visible), who)?;
    cmp.load_rows(workload, &pair, false, true);
    Ok(())
}

/// (d) The hashing limit of this machine, then one large image up and down on each side; a
/// failed transfer counts as an error and records empty figures.
async fn transfers(cmp: &mut Comparison, sides: &[Side; 2], plan: Plan) -> Result<()> {
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
