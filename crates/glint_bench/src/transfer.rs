//! Workload (d): one large image up and down, with the server's peak memory while the bytes
//! move, and the machine's MD5 + SHA-512 limit measured in the same run to compare uploads with.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use bytes::Bytes;
use futures::StreamExt;
use reqwest::Method;

use crate::api::Caller;
use crate::compare::Comparison;
use crate::procs;
use crate::report::{Better, Row};

const MIB: usize = 1 << 20;

/// What moving one image gave.
#[derive(Debug, Clone, Default)]
pub struct Transfer {
    pub upload_mib_s: f64,
    pub download_mib_s: f64,
    /// The server processes' peak RSS while receiving, in MiB (the sum over the processes).
    pub upload_peak_mib: f64,
    /// The same while sending.
    pub download_peak_mib: f64,
    /// The processes' RSS just before the upload, in MiB (what they held already).
    pub before_mib: f64,
    /// The peak of each process, in MiB, while receiving then sending.
    pub breakdown: String,
}

/// MiB of MD5 + SHA-512 input per second in two threads, over `mib` MiB.
pub async fn hash_limit(mib: usize) -> Result<f64> {
    Ok(tokio::task::spawn_blocking(move || glint_blob::measure_hash_limit(mib * MIB)).await?)
}

/// 1 MiB of bytes that do not compress or hash in a shortcut.
fn block() -> Bytes {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut out = Vec::with_capacity(MIB);
    while out.len() < MIB {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    Bytes::from(out)
}

/// Samples the processes' summed RSS every 20 ms until stopped; returns the highest.
fn sample_rss(pids: Vec<u32>) -> (Arc<AtomicBool>, tokio::task::JoinHandle<u64>) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let handle = tokio::spawn(async move {
        let mut highest = 0;
        while !flag.load(Ordering::Relaxed) {
            highest = highest.max(procs::rss_kib(&pids));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        highest
    });
    (stop, handle)
}

/// The peak while `work` runs: the larger of the summed VmHWM marks and the sampled sum, MiB.
async fn with_peak<F, T>(pids: &[u32], work: F) -> (T, f64, Vec<u64>)
where
    F: std::future::Future<Output = T>,
{
    procs::reset_peaks(pids);
    let (stop, sampler) = sample_rss(pids.to_vec());
    let out = work.await;
    stop.store(true, Ordering::Relaxed);
    let sampled = sampler.await.unwrap_or(0);
    let marks = procs::peaks_kib(pids);
    let summed: u64 = marks.iter().sum();
    (out, summed.max(sampled) as f64 / 1024.0, marks)
}

fn kib_list(marks: &[u64]) -> String {
    let parts: Vec<String> = marks
        .iter()
        .map(|k| format!("{:.0}", *k as f64 / 1024.0))
        .collect();
    parts.join("+")
}

/// Creates an image as `caller`, uploads `mib` MiB to it, downloads it, deletes it; `root` is
/// the server's main process (its children count too).
pub async fn run(side: &str, caller: &Caller, root: u32, mib: usize) -> Result<Transfer> {
    let (status, id) = caller
        .create_image(format!("bench-transfer-{side}"))
        .await
        .map_err(|e| anyhow!(e))?;
    let id = id.ok_or_else(|| anyhow!("{side}: creating the transfer image gave {status}"))?;
    let pids = procs::process_tree(root);
    let chunk = block();
    let before_mib = procs::rss_kib(&pids) as f64 / 1024.0;
    println!("  {side}: uploading {mib} MiB");
    let up = upload(side, caller, &id, &pids, (chunk, mib)).await?;
    println!("  {side}: downloading it");
    let down = download(side, caller, &id, &pids, mib).await?;
    let result = Transfer {
        upload_mib_s: up.mib_s,
        download_mib_s: down.mib_s,
        upload_peak_mib: up.peak_mib,
        download_peak_mib: down.peak_mib,
        before_mib,
        breakdown: format!(
            "{before_mib:.0} MiB before, {} MiB receiving, {} MiB sending",
            kib_list(&up.marks),
            kib_list(&down.marks)
        ),
    };
    println!(
        "  {side}: upload {:.0} MiB/s (peak RSS {:.1} MiB), download {:.0} MiB/s (peak RSS {:.1} MiB); per process: {}",
        result.upload_mib_s,
        result.upload_peak_mib,
        result.download_mib_s,
        result.download_peak_mib,
        result.breakdown
    );
    caller.delete_image(&id).await?;
    Ok(result)
}

/// One direction of a transfer: its rate, the servers' peak and each process's peak mark.
struct Moved {
    mib_s: f64,
    peak_mib: f64,
    marks: Vec<u64>,
}

/// Uploads `mib` copies of `chunk` to image `id`, watching the processes `pids`.
async fn upload(
    side: &str,
    caller: &Caller,
    id: &str,
    pids: &[u32],
    (chunk, mib): (Bytes, usize),
) -> Result<Moved> {
    let body = futures::stream::iter((0..mib).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let started = Instant::now();
    let upload = caller
        .request(Method::PUT, &format!("/images/{id}/file"))
        .header("content-type", "application/octet-stream")
        .header("content-length", (mib * MIB).to_string())
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let (sent, peak_mib, marks) = with_peak(pids, upload).await;
    let secs = started.elapsed().as_secs_f64();
    let status = sent?.status();
    if !status.is_success() {
        bail!("{side}: upload answered {status}");
    }
    Ok(Moved {
        mib_s: mib as f64 / secs,
        peak_mib,
        marks,
    })
}

/// Downloads image `id`, which must hold `mib` MiB, watching the processes `pids`.
async fn download(
    side: &str,
    caller: &Caller,
    id: &str,
    pids: &[u32],
    mib: usize,
) -> Result<Moved> {
    let started = Instant::now();
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let download = async {
        let response = caller
            .request(Method::GET, &format!("/images/{id}/file"))
            .send()
            .await?;
        let status = response.status();
        let mut stream = response.bytes_stream();
        while let Some(piece) = stream.next().await {
            counter.fetch_add(piece?.len() as u64, Ordering::Relaxed);
        }
        Ok::<_, reqwest::Error>(status)
    };
    let (got, peak_mib, marks) = with_peak(pids, download).await;
    let secs = started.elapsed().as_secs_f64();
    let status = got?;
    let bytes = received.load(Ordering::Relaxed);
    if !status.is_success() || bytes != (mib * MIB) as u64 {
        bail!("{side}: download answered {status} with {bytes} bytes");
    }
    Ok(Moved {
        mib_s: mib as f64 / secs,
        peak_mib,
        marks,
    })
}

/// A figure's name, how to read it, and which way is better.
type Figure = (&'static str, fn(&Transfer) -> f64, Better);

/// The rows and note of workload (d): Glint's transfer first, then the reference's.
pub fn record(cmp: &mut Comparison, mib: usize, moved: &[Transfer]) {
    let (Some(glint), Some(reference)) = (moved.first(), moved.get(1)) else {
        return;
    };
    let w = format!("(d) {mib} MiB image");
    let figures: [Figure; 5] = [
        ("upload MiB/s", |t| t.upload_mib_s, Better::Higher),
        ("download MiB/s", |t| t.download_mib_s, Better::Higher),
        ("RSS before, MiB", |t| t.before_mib, Better::Lower),
        (
            "peak RSS receiving, MiB",
            |t| t.upload_peak_mib,
            Better::Lower,
        ),
        (
            "peak RSS sending, MiB",
            |t| t.download_peak_mib,
            Better::Lower,
        ),
    ];
    for (figure, value, better) in figures {
        cmp.rows
            .push(Row::new(&w, figure, value(glint), value(reference), better));
    }
    cmp.notes.push(format!(
        "Upload at {:.0} % of the hashing limit ({:.0} MiB/s). RSS per process: Glint {}; \
         reference (uWSGI master + HTTP router + worker) {}.",
        100.0 * glint.upload_mib_s / cmp.hash_limit_mib_s.max(1e-9),
        cmp.hash_limit_mib_s,
        glint.breakdown,
        reference.breakdown
    ));
}
