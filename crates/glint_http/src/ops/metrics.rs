//! The request figures behind `GET /metrics`, kept cheap for the hot path they sit on: every
//! request adds to one series, keyed by its route template (axum's `MatchedPath`, never the
//! raw path, so the number of series stays bounded by the routes), method and status. Series
//! live in a few shards, each a small map behind its own lock; a thread keeps to one shard, so
//! the lock is uncontended and recording is a lookup and a few additions, with no allocation
//! once a series exists. Gauges and byte counts are plain atomics. A scrape merges the shards
//! and writes Prometheus' text format.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::Method;

/// Shards of the series map; more than the threads that serve requests.
const SHARDS: usize = 16;

/// Upper bounds of the latency buckets, in seconds (`+Inf` follows).
pub(crate) const BUCKETS: [f64; 15] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// The request figures of this process.
#[derive(Debug)]
pub struct Metrics {
    shards: Box<[Mutex<HashMap<SeriesKey, Series>>]>,
    pub(crate) in_flight: AtomicI64,
    pub(crate) uploads: AtomicI64,
    pub(crate) received: AtomicU64,
    pub(crate) sent: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            in_flight: AtomicI64::new(0),
            uploads: AtomicI64::new(0),
            received: AtomicU64::new(0),
            sent: AtomicU64::new(0),
        }
    }
}

/// A request's method as a label: the standard ones, and `OTHER` for any other, so that a
/// client cannot add series by inventing methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum MethodLabel {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Other,
}

impl MethodLabel {
    pub(crate) fn of(method: &Method) -> Self {
        match *method {
            Method::GET => MethodLabel::Get,
            Method::HEAD => MethodLabel::Head,
            Method::POST => MethodLabel::Post,
            Method::PUT => MethodLabel::Put,
            Method::PATCH => MethodLabel::Patch,
            Method::DELETE => MethodLabel::Delete,
            Method::OPTIONS => MethodLabel::Options,
            _ => MethodLabel::Other,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            MethodLabel::Get => "GET",
            MethodLabel::Head => "HEAD",
            MethodLabel::Post => "POST",
            MethodLabel::Put => "PUT",
            MethodLabel::Patch => "PATCH",
            MethodLabel::Delete => "DELETE",
            MethodLabel::Options => "OPTIONS",
            MethodLabel::Other => "OTHER",
        }
    }
}

/// The route template a request matched; `None` for requests no route took (unknown paths,
/// version negotiation's answers, refused request ids), counted as `unmatched`.
#[derive(Debug, Clone)]
struct RouteLabel(Option<MatchedPath>);

impl RouteLabel {
    fn as_str(&self) -> &str {
        self.0.as_ref().map_or("unmatched", MatchedPath::as_str)
    }
}

impl PartialEq for RouteLabel {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RouteLabel {}

impl Hash for RouteLabel {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SeriesKey {
    route: RouteLabel,
    method: MethodLabel,
    status: u16,
}

/// One series: how many requests, and how long they took.
#[derive(Debug, Clone, Copy, Default)]
struct Series {
    count: u64,
    /// Requests per latency bucket (not cumulative; the last is `+Inf`).
    buckets: [u64; BUCKETS.len() + 1],
    micros: u64,
}

impl Series {
    fn add(&mut self, other: &Series) {
        self.count += other.count;
        self.micros += other.micros;
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine += theirs;
        }
    }
}

thread_local! {
    /// The shard this thread records into.
    static SHARD: usize = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS
    };
}

impl Metrics {
    /// Counts one answered request.
    pub(crate) fn record(
        &self,
        route: Option<MatchedPath>,
        method: MethodLabel,
        status: u16,
        took: Duration,
    ) {
        let key = SeriesKey {
            route: RouteLabel(route),
            method,
            status,
        };
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let shard = SHARD.with(|s| *s);
        let Ok(mut series) = self.shards[shard].lock() else {
            return;
        };
        let series = series.entry(key).or_default();
        series.count += 1;
        series.buckets[bucket] += 1;
        series.micros = series.micros.saturating_add(micros);
    }

    /// Every series, merged over the shards, in a stable order.
    fn merged(&self) -> BTreeMap<(String, MethodLabel, u16), Series> {
        let mut all: BTreeMap<(String, MethodLabel, u16), Series> = BTreeMap::new();
        for shard in self.shards.iter() {
            let Ok(series) = shard.lock() else { continue };
            for (key, one) in series.iter() {
                all.entry((key.route.as_str().to_owned(), key.method, key.status))
                    .or_default()
                    .add(one);
            }
        }
        all
    }

    /// The request series in Prometheus' text format: the counter by route, method and
    /// status, and the latency histogram by route and method.
    pub(crate) fn write_requests(&self, out: &mut String) {
        let merged = self.merged();
        family(
            out,
            "glint_http_requests_total",
            "counter",
            "HTTP requests answered, by route template, method and status.",
        );
        for ((route, method, status), series) in &merged {
            let _ = writeln!(
                out,
                "glint_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                method.as_str(),
                series.count
            );
        }
        let mut by_route: BTreeMap<(&str, MethodLabel), Series> = BTreeMap::new();
        for ((route, method, _), series) in &merged {
            by_route.entry((route, *method)).or_default().add(series);
        }
        family(
            out,
            "glint_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its answer's head, by route template and method.",
        );
        for ((route, method), series) in &by_route {
            write_histogram(out, &escape(route), method.as_str(), series);
        }
    }
}

fn write_histogram(out: &mut String, route: &str, method: &str, series: &Series) {
    let name = "glint_http_request_duration_seconds";
    let labels = format!("route=\"{route}\",method=\"{method}\"");
    let mut cumulative = 0;
    for (at, count) in series.buckets.iter().enumerate() {
        cumulative += count;
        let le = BUCKETS
            .get(at)
            .map_or_else(|| "+Inf".to_owned(), f64::to_string);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {cumulative}");
    }
    let sum = series.micros as f64 / 1e6;
    let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
    let _ = writeln!(out, "{name}_count{{{labels}}} {}", series.count);
}

/// The `# HELP` and `# TYPE` lines of a family.
pub(crate) fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as the text format wants it: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly by design")]

    use super::*;

    #[test]
    fn a_series_counts_its_requests_and_buckets_their_latency() {
        let metrics = Metrics::default();
        for millis in [0, 3, 3, 700] {
            metrics.record(None, MethodLabel::Get, 404, Duration::from_millis(millis));
        }
        let mut out = String::new();
        metrics.write_requests(&mut out);
        let line = |start: &str| {
            out.lines()
                .find(|l| l.starts_with(start))
                .unwrap_or_else(|| panic!("no {start} in\n{out}"))
                .rsplit(' ')
                .next()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            line("glint_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"),
            "4"
        );
        let bucket = |le: &str| {
            line(&format!(
                "glint_http_request_duration_seconds_bucket{{route=\"unmatched\",method=\"GET\",le=\"{le}\"}}"
            ))
        };
        assert_eq!(bucket("0.001"), "1");
        assert_eq!(bucket("0.005"), "3");
        assert_eq!(bucket("0.5"), "3");
        assert_eq!(bucket("1"), "4");
        assert_eq!(bucket("+Inf"), "4");
    }

    #[test]
    fn invented_methods_share_one_label() {
        let odd = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(MethodLabel::of(&odd), MethodLabel::Other);
        assert_eq!(MethodLabel::of(&Method::PATCH).as_str(), "PATCH");
    }
}
