//! Checksums of uploads: MD5 (Glance's `checksum`) and SHA-512 (its `os_hash_value`), each on
//! its own blocking thread fed by a bounded channel, so the two hashes run in parallel with
//! each other and with the write, and memory stays bounded. Also measures this machine's
//! hashing limit for benchmarks, with the same implementations.
//!
//! SHA-512 comes from `ring` (its AVX assembly where the CPU has it: about 1.4× the pure-Rust
//! `sha2` on the benchmark machine), MD5 from the `md-5` crate.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::BlobError;

/// A run of consecutive body chunks, shared (not copied) between the hashers and the writer.
pub(crate) type Batch = Arc<[Bytes]>;

/// Batches queued per hashing thread; with batches of about 256 KiB this bounds each queue to
/// about 2 MiB (the queues share the same buffers).
const LANE_DEPTH: usize = 8;

/// A hash fed piece by piece, ending in its lower-case hex digest.
trait StreamHash: Send + 'static {
    fn start() -> Self;
    fn update(&mut self, data: &[u8]);
    fn finish_hex(self) -> String;
}

impl StreamHash for Md5 {
    fn start() -> Self {
        Md5::new()
    }
    fn update(&mut self, data: &[u8]) {
        Digest::update(self, data);
    }
    fn finish_hex(self) -> String {
        hex(&self.finalize())
    }
}

/// SHA-512 through `ring`.
struct Sha512(ring::digest::Context);

impl StreamHash for Sha512 {
    fn start() -> Self {
        Sha512(ring::digest::Context::new(&ring::digest::SHA512))
    }
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finish_hex(self) -> String {
        hex(self.0.finish().as_ref())
    }
}

/// One hashing thread and the queue that feeds it.
struct Lane {
    tx: mpsc::Sender<Batch>,
    done: JoinHandle<String>,
}

impl Lane {
    fn spawn<H: StreamHash>() -> Self {
        let (tx, mut rx) = mpsc::channel::<Batch>(LANE_DEPTH);
        let done = tokio::task::spawn_blocking(move || {
            let mut hash = H::start();
            while let Some(batch) = rx.blocking_recv() {
                for chunk in batch.iter() {
                    hash.update(chunk);
                }
            }
            hash.finish_hex()
        });
        Lane { tx, done }
    }
}

/// MD5 and SHA-512 of a stream of batches, computed on two blocking threads.
pub(crate) struct Hashers {
    md5: Lane,
    sha512: Lane,
}

impl Hashers {
    /// Starts both hashing threads.
    pub(crate) fn start() -> Self {
        Hashers {
            md5: Lane::spawn::<Md5>(),
            sha512: Lane::spawn::<Sha512>(),
        }
    }

    /// Queues `batch` for both hashes; waits while a queue is full.
    pub(crate) async fn feed(&mut self, batch: &Batch) -> Result<(), BlobError> {
        let stopped = |_| BlobError::Unavailable("a hashing thread stopped".into());
        self.md5.tx.send(batch.clone()).await.map_err(stopped)?;
        self.sha512.tx.send(batch.clone()).await.map_err(stopped)?;
        Ok(())
    }

    /// Ends the input and returns (hex MD5, hex SHA-512).
    pub(crate) async fn finish(self) -> Result<(String, String), BlobError> {
        let Hashers { md5, sha512 } = self;
        drop(md5.tx);
        drop(sha512.tx);
        let md5 = md5.done.await.map_err(|e| BlobError::join(&e))?;
        let sha512 = sha512.done.await.map_err(|e| BlobError::join(&e))?;
        Ok((md5, sha512))
    }
}

/// Lower-case hexadecimal of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The hashing limit of this machine: MD5 and SHA-512 over `bytes` of data (at least 1 MiB)
/// in two threads at once, as an upload computes them. Returns MiB of input per second, the
/// ceiling that upload throughput can be compared against.
pub fn measure_hash_limit(bytes: usize) -> f64 {
    const BLOCK: usize = 1 << 20;
    let total = bytes.max(BLOCK);
    // Data the CPU cannot shortcut: a xorshift sequence.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let block: Vec<u8> = (0..BLOCK / 8)
        .flat_map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()
        })
        .collect();

    fn run<H: StreamHash>(block: &[u8], total: usize) -> usize {
        let mut hash = H::start();
        let mut left = total;
        while left > 0 {
            let n = left.min(block.len());
            hash.update(&block[..n]);
            left -= n;
        }
        // Use the result so the work cannot be optimised away.
        hash.finish_hex().len()
    }

    let started = Instant::now();
    std::thread::scope(|s| {
        let md5 = s.spawn(|| run::<Md5>(&block, total));
        let sha = s.spawn(|| run::<Sha512>(&block, total));
        std::hint::black_box((md5.join().ok(), sha.join().ok()));
    });
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    (total as f64 / f64::from(1u32 << 20)) / secs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[tokio::test]
    async fn hashes_match_the_published_test_vectors() {
        let mut hashers = Hashers::start();
        let batch: Batch = Arc::from(vec![Bytes::from_static(b"a"), Bytes::from_static(b"bc")]);
        hashers.feed(&batch).await.unwrap();
        let (md5, sha512) = hashers.finish().await.unwrap();
        assert_eq!(md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn the_hash_limit_is_a_positive_rate() {
        assert!(measure_hash_limit(4 << 20) > 0.0);
    }
}
