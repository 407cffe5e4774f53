//! Upload throughput against this machine's hashing limit.
//!
//! `cargo run -p glint_blob --release --example throughput -- [MiB] [chunk KiB]` (defaults
//! 1024 MiB in 64 KiB chunks) measures MD5+SHA-512 in two threads over that much data, then
//! streams as much into a local store in a temp folder (GLINT_BENCH_DIR, else the system's temp
//! folder) and, when GLINT_TEST_S3_URL is set, into that S3 store; it prints MiB/s and the
//! peak RSS each upload added.

#![allow(clippy::expect_used, reason = "a benchmark fails loudly")]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use glint_blob::{BlobStore, measure_hash_limit};
use support::{MIB, body, fresh_image_key};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let mib = args.first().copied().unwrap_or(1024);
    let chunk = args.get(1).copied().unwrap_or(64) * 1024;

    let limit = measure_hash_limit(mib * MIB);
    println!("hash limit (md5 + sha512 in two threads): {limit:.0} MiB/s");

    let parent = std::env::var("GLINT_BENCH_DIR").map_or_else(|_| std::env::temp_dir(), Into::into);
    let dir = tempfile::tempdir_in(parent).expect("temp dir");
    let local = BlobStore::open(&dir.path().display().to_string())
        .await
        .expect("local store");
    let mut stores = vec![local];
    if let Ok(url) = std::env::var("GLINT_TEST_S3_URL") {
        stores.push(BlobStore::open(&url).await.expect("s3 store"));
    }
    for store in stores {
        let key = fresh_image_key();
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = peak_rss();
        let started = Instant::now();
        let out = store
            .put(&key, body(mib * MIB, chunk, 1), u64::MAX, None)
            .await
            .expect("put");
        let secs = started.elapsed().as_secs_f64();
        let grown = peak_rss().saturating_sub(before) / MIB as u64;
        let rate = mib as f64 / secs;
        println!(
            "{}: put {} MiB in {secs:.2} s = {rate:.0} MiB/s ({:.0} % of the hash limit), peak RSS +{grown} MiB",
            store.describe(),
            out.size / MIB as u64,
            100.0 * rate / limit,
        );
        store.delete(&key).await.expect("delete");
    }
}

fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}
