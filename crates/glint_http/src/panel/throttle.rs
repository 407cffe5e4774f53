//! Failed sign-ins, counted in memory per username and per client address: after `LIMIT`
//! failures within `WINDOW`, further attempts for that user or from that address are refused
//! until the oldest failure leaves the window. A success clears the user's count.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Failures allowed within the window.
pub(crate) const LIMIT: usize = 5;
/// How long a failure counts.
pub(crate) const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys kept at most; beyond that, keys without recent failures are dropped first.
const MAX_KEYS: usize = 100_000;

/// The counters, shared by every request of one router.
#[derive(Debug, Clone, Default)]
pub(crate) struct Throttle {
    failures: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
}

/// The throttle key of a username.
pub(crate) fn user_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

/// The throttle key of a client address.
pub(crate) fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

impl Throttle {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err(wait)` when any key has used up its failures; `wait` is how long until it may try.
    pub fn check(&self, keys: &[String], now: Instant) -> Result<(), Duration> {
        let mut map = self.lock();
        let mut wait = None;
        for key in keys {
            if let Some(times) = map.get_mut(key) {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= WINDOW)
                {
                    times.pop_front();
                }
                if times.len() >= LIMIT
                    && let Some(oldest) = times.front()
                {
                    let left = WINDOW.saturating_sub(now.duration_since(*oldest));
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failure against every key.
    pub fn fail(&self, keys: &[String], now: Instant) {
        let mut map = self.lock();
        if map.len() >= MAX_KEYS {
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        for key in keys {
            let times = map.entry(key.clone()).or_default();
            times.push_back(now);
            while times.len() > LIMIT {
                times.pop_front();
            }
        }
    }

    /// Forgets the failures of `key` (after a successful sign-in).
    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_limit_until_the_window_passes() {
        let throttle = Throttle::default();
        let start = Instant::now();
        let keys = [user_key("Alice"), address_key("10.0.0.1")];
        for _ in 0..LIMIT {
            assert!(throttle.check(&keys, start).is_ok());
            throttle.fail(&keys, start);
        }
        assert!(throttle.check(&[user_key("alice")], start).is_err());
        assert!(throttle.check(&[address_key("10.0.0.1")], start).is_err());
        assert!(throttle.check(&[user_key("bob")], start).is_ok());
        assert!(throttle.check(&keys, start + WINDOW).is_ok());
    }

    #[test]
    fn success_clears_the_user() {
        let throttle = Throttle::default();
        let now = Instant::now();
        let keys = [user_key("carol")];
        for _ in 0..LIMIT {
            throttle.fail(&keys, now);
        }
        throttle.clear(&user_key("carol"));
        assert!(throttle.check(&keys, now).is_ok());
    }
}
