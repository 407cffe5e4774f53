//! How a failing delivery is retried: after the n-th failed attempt it waits the base delay
//! doubled n-1 times (at most the cap), and gives up once the next attempt would fall beyond
//! the retry period counted from the first attempt.

use std::time::Duration;

use crate::Timestamp;

/// The retry schedule of deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt.
    pub base: Duration,
    /// The longest wait between two attempts.
    pub cap: Duration,
    /// How long after its first attempt a delivery is still tried.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    /// 30 s, doubling, at most an hour apart, for 24 hours.
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(24 * 3600),
        }
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl RetryPolicy {
    /// The wait after the `failed`-th failed attempt (1 for the first).
    pub fn delay(&self, failed: u32) -> Duration {
        let doublings = failed.saturating_sub(1).min(31);
        self.base
            .checked_mul(1_u32 << doublings)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// When to try again after the `failed`-th failed attempt ended at `now`, for a delivery
    /// first tried at `first`; `None` when the retry period is over (the delivery has failed).
    pub fn next_attempt(&self, failed: u32, first: Timestamp, now: Timestamp) -> Option<Timestamp> {
        let next = Timestamp::from_micros(now.micros().saturating_add(micros(self.delay(failed))));
        let end = first.micros().saturating_add(micros(self.give_up_after));
        (next.micros() <= end).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let waits: Vec<u64> = (1..=9).map(|n| policy.delay(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(policy.delay(1000).as_secs(), 3600);
    }

    #[test]
    fn a_delivery_is_tried_for_the_retry_period_then_fails() {
        let policy = RetryPolicy::default();
        let first = Timestamp::from_micros(1_000_000_000_000);
        let mut now = first;
        let mut failed = 0;
        while let Some(next) = policy.next_attempt(failed + 1, first, now) {
            failed += 1;
            assert!(next > now);
            now = next;
        }
        let hours = (now.micros() - first.micros()) / 3_600_000_000;
        assert!(
            (23..24).contains(&hours),
            "last attempt {hours} h after the first"
        );
        assert!((25..=35).contains(&failed), "{failed} attempts");
    }
}
