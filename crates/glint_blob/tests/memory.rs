//! Peak memory of streaming: a 512 MiB upload, then its download, each stay within 64 MiB of
//! resident memory above where they started, on local disk and (when GLINT_TEST_S3_URL is
//! set) on S3. A test binary of its own with one test, so the process's peak RSS (VmHWM in
//! /proc/self/status) measures only this work.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

mod support;

use std::time::Instant;

use futures::StreamExt;
use support::{Fixture, MIB, body, fresh_image_key};

const SIZE: usize = 512 * MIB;
const BUDGET: u64 = 64 * MIB as u64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_512_mib_keeps_memory_bounded() {
    let mut stores = vec![Fixture::local().await];
    stores.extend(Fixture::s3().await);
    for fx in &stores {
        let name = fx.store.describe();
        let key = fresh_image_key();

        let before = reset_peak();
        let started = Instant::now();
        let out = fx
            .store
            .put(&key, body(SIZE, 64 * 1024, 42), u64::MAX, None)
            .await
            .expect("put");
        let put_secs = started.elapsed().as_secs_f64();
        let put_growth = peak_rss() - before;
        assert_eq!(out.size, SIZE as u64);

        let before = reset_peak();
        let started = Instant::now();
        let mut stream = fx.store.get(&key, None).await.expect("get");
        let mut read = 0;
        while let Some(chunk) = stream.next().await {
            read += chunk.expect("chunk").len();
        }
        let get_secs = started.elapsed().as_secs_f64();
        let get_growth = peak_rss() - before;
        assert_eq!(read, SIZE);
        fx.store.delete(&key).await.expect("delete");

        eprintln!(
            "{name}: put 512 MiB in {put_secs:.2} s ({:.0} MiB/s), peak RSS +{} MiB; \
             get in {get_secs:.2} s ({:.0} MiB/s), peak RSS +{} MiB",
            512.0 / put_secs,
            put_growth / MIB as u64,
            512.0 / get_secs,
            get_growth / MIB as u64,
        );
        assert!(
            put_growth < BUDGET,
            "{name}: upload grew peak RSS by {put_growth} bytes"
        );
        assert!(
            get_growth < BUDGET,
            "{name}: download grew peak RSS by {get_growth} bytes"
        );
    }
}

/// A field of /proc/self/status in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"));
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("a number of kB");
    kib * 1024
}

/// Peak resident memory of this process so far.
fn peak_rss() -> u64 {
    status_bytes("VmHWM:")
}

/// Resets the peak to the current resident memory where the kernel allows it (writing 5 to
/// clear_refs), and returns the peak to measure from.
fn reset_peak() -> u64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    peak_rss()
}
