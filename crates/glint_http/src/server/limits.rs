//! The process's own limits as they bear on serving: how many file descriptors it may open, and
//! how long to pause accepting when it has run out of them (or of kernel memory) — accepting
//! again at once would fail again at once, in a busy loop.

use std::io;
use std::time::{Duration, Instant};

const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);
const WARN_EVERY: Duration = Duration::from_secs(5);

/// The soft limit on open file descriptors (`RLIMIT_NOFILE`), where the system tells it.
pub fn descriptor_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Whether an accept failed because a resource ran out (it would fail again at once).
fn is_exhaustion(e: &io::Error) -> bool {
    // EMFILE, ENFILE, ENOBUFS, ENOMEM.
    matches!(e.raw_os_error(), Some(24 | 23 | 105 | 12))
}

/// Pauses between failed accepts, doubling up to a second while they keep failing.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    pause: Option<Duration>,
    warned_at: Option<Instant>,
    suppressed: u64,
}

impl Backoff {
    /// The pause to take after this accept error (none for a failure of one connection only,
    /// such as a peer that reset before it was accepted). Logs at most every few seconds.
    pub(crate) fn after(&mut self, e: &io::Error) -> Option<Duration> {
        if !is_exhaustion(e) {
            tracing::debug!(error = %e, "accepting a connection failed");
            return None;
        }
        let pause = match self.pause {
            None => FIRST_PAUSE,
            Some(p) => (p * 2).min(LONGEST_PAUSE),
        };
        self.pause = Some(pause);
        if self.warned_at.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
            tracing::warn!(
                error = %e,
                also_since_last_warning = self.suppressed,
                pause_ms = pause.as_millis() as u64,
                "cannot accept connections: out of file descriptors or memory; pausing"
            );
            self.warned_at = Some(Instant::now());
            self.suppressed = 0;
        } else {
            self.suppressed += 1;
        }
        Some(pause)
    }

    /// An accept succeeded: the next failure starts with the shortest pause again.
    pub(crate) fn reset(&mut self) {
        self.pause = None;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly by design")]

    use super::*;

    #[test]
    fn pauses_double_up_to_a_second_while_descriptors_run_out() {
        let mut backoff = Backoff::default();
        let emfile = io::Error::from_raw_os_error(24);
        let pauses: Vec<_> = (0..10).filter_map(|_| backoff.after(&emfile)).collect();
        assert_eq!(pauses[0], FIRST_PAUSE);
        assert_eq!(pauses[1], FIRST_PAUSE * 2);
        assert_eq!(*pauses.last().unwrap_or(&Duration::ZERO), LONGEST_PAUSE);
        backoff.reset();
        assert_eq!(backoff.after(&emfile), Some(FIRST_PAUSE));
    }

    #[test]
    fn a_single_failed_connection_is_no_reason_to_pause() {
        let mut backoff = Backoff::default();
        let aborted = io::Error::from(io::ErrorKind::ConnectionAborted);
        assert_eq!(backoff.after(&aborted), None);
    }

    #[test]
    fn the_descriptor_limit_is_read_from_the_system() {
        if cfg!(target_os = "linux") {
            assert!(descriptor_limit().is_some_and(|n| n > 0));
        }
    }
}
