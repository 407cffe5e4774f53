//! The load runner: a fixed number of requests from a fixed number of concurrent clients, bounded
//! in count and in time, with every answer's latency and every non-2xx status counted.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::task::JoinSet;

/// What one request gave: its HTTP status and, for creates, the new id.
pub type Reply = Result<(u16, Option<String>), String>;

/// How much load to apply.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Requests to send at most.
    pub count: usize,
    /// Clients sending at once, each waiting for its answer before the next request.
    pub clients: usize,
    /// No request starts after this much time.
    pub deadline: Duration,
}

/// The result of one load.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub label: String,
    pub sent: u64,
    pub elapsed: Duration,
    /// Latency of every answered request, in microseconds.
    pub latency: Histogram<u64>,
    /// Non-2xx answers by status, and transport failures under "io".
    pub failures: BTreeMap<String, u64>,
    /// The ids that successful requests returned, by request number.
    pub values: Vec<(usize, String)>,
    /// Whether the deadline cut the load short.
    pub cut_short: bool,
}

impl Outcome {
    /// Requests per second over the whole load.
    pub fn rate(&self) -> f64 {
        self.sent as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// A latency percentile in milliseconds.
    pub fn ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }

    /// Every non-2xx answer and transport failure.
    pub fn errors(&self) -> u64 {
        self.failures.values().sum()
    }

    /// `0`, or the count with its breakdown, e.g. `3 (500×2, io×1)`.
    pub fn error_text(&self) -> String {
        if self.failures.is_empty() {
            return "0".into();
        }
        let parts: Vec<String> = self
            .failures
            .iter()
            .map(|(k, v)| format!("{k}×{v}"))
            .collect();
        format!("{} ({})", self.errors(), parts.join(", "))
    }

    /// The returned ids in request order.
    pub fn ids(&self) -> Vec<String> {
        self.values.iter().map(|(_, v)| v.clone()).collect()
    }

    /// One progress line.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} requests in {:.1} s = {:.1} req/s, p50 {:.2} ms, p99 {:.2} ms, errors {}{}",
            self.label,
            self.sent,
            self.elapsed.as_secs_f64(),
            self.rate(),
            self.ms(0.5),
            self.ms(0.99),
            self.error_text(),
            if self.cut_short {
                " (stopped at the time bound)"
            } else {
                ""
            }
        )
    }
}

/// A latency histogram: 1 µs to 10 min at 3 significant digits.
pub fn histogram() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, 600_000_000, 3)?)
}

/// What one client saw.
struct Worker {
    latency: Histogram<u64>,
    failures: BTreeMap<String, u64>,
    values: Vec<(usize, String)>,
}

impl Worker {
    /// Counts the reply to request `n`, which took `micros`: its latency when answered, its
    /// id when a 2xx gave one, else its status (or "io") as a failure.
    fn record(&mut self, n: usize, reply: Reply, micros: u64) {
        match reply {
            Ok((status, value)) => {
                self.latency.saturating_record(micros.max(1));
                if (200..300).contains(&status) {
                    if let Some(value) = value {
                        self.values.push((n, value));
                    }
                } else {
                    *self.failures.entry(status.to_string()).or_default() += 1;
                }
            }
            Err(_) => *self.failures.entry("io".into()).or_default() += 1,
        }
    }
}

/// The counters the clients share: the next request number, the requests done, and whether
/// the deadline cut the load.
#[derive(Clone, Default)]
struct Counters {
    next: Arc<AtomicUsize>,
    done: Arc<AtomicUsize>,
    cut: Arc<AtomicBool>,
}

/// Runs `op(0)`, `op(1)`, … from `bounds.clients` clients until `bounds.count` requests were
/// sent or the deadline passed, printing progress every few seconds.
pub async fn run<F, Fut>(label: &str, bounds: Bounds, op: F) -> anyhow::Result<Outcome>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    let op = Arc::new(op);
    let counters = Counters::default();
    let started = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..bounds.clients.max(1) {
        let worker = Worker {
            latency: histogram()?,
            failures: BTreeMap::new(),
            values: Vec::new(),
        };
        set.spawn(client(
            op.clone(),
            counters.clone(),
            (started, bounds),
            worker,
        ));
    }
    let ticker = ticker(label, counters.done.clone(), started, bounds);
    let mut outcome = Outcome {
        label: label.to_owned(),
        sent: 0,
        elapsed: Duration::ZERO,
        latency: histogram()?,
        failures: BTreeMap::new(),
        values: Vec::new(),
        cut_short: false,
    };
    while let Some(joined) = set.join_next().await {
        let Ok(worker) = joined else {
            *outcome.failures.entry("panic".into()).or_default() += 1;
            continue;
        };
        let _ = outcome.latency.add(&worker.latency);
        for (k, v) in worker.failures {
            *outcome.failures.entry(k).or_default() += v;
        }
        outcome.values.extend(worker.values);
    }
    ticker.abort();
    outcome.elapsed = started.elapsed();
    outcome.sent = counters.done.load(Ordering::Relaxed) as u64;
    outcome.cut_short =
        counters.cut.load(Ordering::Relaxed) && (outcome.sent as usize) < bounds.count;
    outcome.values.sort_by_key(|(n, _)| *n);
    println!("  {}", outcome.summary());
    Ok(outcome)
}

/// One client: takes the next request number and sends it, waiting for each answer, until
/// the count is reached or the deadline (counted from `started`) has passed.
async fn client<F, Fut>(
    op: Arc<F>,
    counters: Counters,
    (started, bounds): (Instant, Bounds),
    mut worker: Worker,
) -> Worker
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Reply>,
{
    loop {
        if started.elapsed() >= bounds.deadline {
            counters.cut.store(true, Ordering::Relaxed);
            break;
        }
        let n = counters.next.fetch_add(1, Ordering::Relaxed);
        if n >= bounds.count {
            break;
        }
        let sent = Instant::now();
        let reply = op(n).await;
        let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
        worker.record(n, reply, micros);
        counters.done.fetch_add(1, Ordering::Relaxed);
    }
    worker
}

/// Prints the load's progress every 10 seconds until aborted.
fn ticker(
    label: &str,
    done: Arc<AtomicUsize>,
    started: Instant,
    bounds: Bounds,
) -> tokio::task::JoinHandle<()> {
    let label = label.to_owned();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(10));
        every.tick().await;
        loop {
            every.tick().await;
            let n = done.load(Ordering::Relaxed);
            println!(
                "    … {label}: {n}/{} after {:.0} s",
                bounds.count,
                started.elapsed().as_secs_f64()
            );
        }
    })
}
