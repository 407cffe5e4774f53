//! The time as the identity service reads it: the system's clock, which a test may move forward
//! by hand (`advance`) to reach the end of a lockout or a throttle window without waiting.
//! Clones share the same clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use glint_core::Timestamp;

/// The system's clock, plus however far it was moved forward (zero unless a test moved it).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Microseconds added to the system's time.
    ahead: Arc<AtomicI64>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Clock::default()
    }

    fn ahead(&self) -> i64 {
        self.ahead.load(Ordering::Relaxed)
    }

    /// The wall-clock time.
    pub fn now(&self) -> Timestamp {
        Timestamp::from_micros(Timestamp::now().micros().saturating_add(self.ahead()))
    }

    /// The monotonic time, for measuring intervals.
    pub fn instant(&self) -> Instant {
        let ahead = Duration::from_micros(u64::try_from(self.ahead()).unwrap_or(0));
        let now = Instant::now();
        now.checked_add(ahead).unwrap_or(now)
    }

    /// Moves this clock (and its clones) forward: for tests.
    pub fn advance(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.ahead.fetch_add(micros, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_both_times_and_every_clone() {
        let clock = Clock::system();
        let other = clock.clone();
        let (wall, mono) = (clock.now(), clock.instant());
        other.advance(Duration::from_secs(900));
        assert!(clock.now().micros() - wall.micros() >= 900_000_000);
        assert!(clock.instant().duration_since(mono) >= Duration::from_secs(900));
    }
}
