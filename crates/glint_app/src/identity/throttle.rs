//! The second layer behind the lockout: failed sign-ins counted in this node's memory per
//! (user, client address), and per user over all addresses up to a higher ceiling. A client
//! that has used up its failures for a user is refused before its password is checked, until
//! the oldest of them leaves the window, while that user's sign-ins from other addresses go on;
//! the per-user ceiling bounds guessing spread over many addresses. A success clears the
//! client's count for that user, not the user's ceiling.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::UserRef;

/// How many failures the throttle allows, and for how long each counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ThrottleLimits {
    /// Failures of one client for one user within the window.
    pub(crate) per_client: usize,
    /// Failures for one user within the window, from every client.
    pub(crate) per_user: usize,
    /// How long a failure counts.
    pub(crate) window: Duration,
}

impl Default for ThrottleLimits {
    /// Ten per client, a hundred per user, for fifteen minutes: above the lockout's six, so
    /// that with the lockout on the throttle only spares the password check of a client that
    /// keeps trying a locked user.
    fn default() -> Self {
        ThrottleLimits {
            per_client: 10,
            per_user: 100,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// Keys kept at most; beyond that, keys without failures in the window are dropped first.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Client(String, Option<IpAddr>),
    User(String),
}

/// The counters, shared by every clone (one per node).
#[derive(Debug, Clone, Default)]
pub(crate) struct Throttle {
    limits: ThrottleLimits,
    failures: Arc<Mutex<HashMap<Key, VecDeque<Instant>>>>,
}

/// The throttle's name for the user a sign-in names: its id, or its name in lower case.
pub(crate) fn user_key(user: &UserRef) -> String {
    match user {
        UserRef::Id(id) => format!("id:{id}"),
        UserRef::Name { name, .. } => format!("name:{}", name.trim().to_lowercase()),
    }
}

impl Throttle {
    pub(crate) fn new(limits: ThrottleLimits) -> Self {
        Throttle {
            limits,
            failures: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, VecDeque<Instant>>> {
        // Every entry is checked against the window on use; a poisoned map is still sound.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn keys(user: &str, client: Option<IpAddr>, limits: ThrottleLimits) -> [(Key, usize); 2] {
        [
            (Key::Client(user.to_owned(), client), limits.per_client),
            (Key::User(user.to_owned()), limits.per_user),
        ]
    }

    /// `Err(wait)` when `client` has used up its failures for `user`, or `user` its ceiling;
    /// `wait` is how long until the next attempt may be made.
    pub(crate) fn check(
        &self,
        user: &str,
        client: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let window = self.limits.window;
        let mut map = self.lock();
        let mut wait: Option<Duration> = None;
        for (key, limit) in Self::keys(user, client, self.limits) {
            let Some(times) = map.get_mut(&key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= window)
            {
                times.pop_front();
            }
            if times.len() >= limit
                && let Some(oldest) = times.front()
            {
                let left = window.saturating_sub(now.saturating_duration_since(*oldest));
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
        }
        wait.map_or(Ok(()), Err)
    }

    /// Counts a failure of `client` for `user`.
    pub(crate) fn fail(&self, user: &str, client: Option<IpAddr>, now: Instant) {
        let window = self.limits.window;
        let mut map = self.lock();
        if map.len() >= MAX_KEYS {
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < window)
            });
        }
        for (key, limit) in Self::keys(user, client, self.limits) {
            let times = map.entry(key).or_default();
            times.push_back(now);
            while times.len() > limit {
                times.pop_front();
            }
        }
    }

    /// Forgets the failures of `client` for `user` (after a successful sign-in).
    pub(crate) fn succeed(&self, user: &str, client: Option<IpAddr>) {
        let key = Key::Client(user.to_owned(), client);
        let mut map = self.lock();
        if !map.is_empty() {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        text.parse().ok()
    }

    const SMALL: ThrottleLimits = ThrottleLimits {
        per_client: 3,
        per_user: 5,
        window: Duration::from_secs(60),
    };

    #[test]
    fn a_client_is_refused_for_that_user_only_until_the_window_passes() {
        let throttle = Throttle::new(SMALL);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(throttle.check("alice", ip("10.0.0.1"), start).is_ok());
            throttle.fail("alice", ip("10.0.0.1"), start);
        }
        let later = start + Duration::from_secs(20);
        assert_eq!(
            throttle.check("alice", ip("10.0.0.1"), later),
            Err(Duration::from_secs(40))
        );
        assert!(throttle.check("alice", ip("10.0.0.2"), later).is_ok());
        assert!(throttle.check("bob", ip("10.0.0.1"), later).is_ok());
        assert!(
            throttle
                .check("alice", ip("10.0.0.1"), start + SMALL.window)
                .is_ok()
        );
    }

    #[test]
    fn the_per_user_ceiling_holds_over_every_address() {
        let throttle = Throttle::new(SMALL);
        let now = Instant::now();
        for n in 0..5 {
            let client = ip(&format!("192.0.2.{n}"));
            assert!(throttle.check("alice", client, now).is_ok());
            throttle.fail("alice", client, now);
        }
        assert!(throttle.check("alice", ip("198.51.100.1"), now).is_err());
        assert!(throttle.check("bob", ip("198.51.100.1"), now).is_ok());
    }

    #[test]
    fn success_clears_the_clients_count_but_not_the_ceiling() {
        let throttle = Throttle::new(SMALL);
        let now = Instant::now();
        for _ in 0..3 {
            throttle.fail("carol", None, now);
        }
        throttle.succeed("carol", None);
        assert!(throttle.check("carol", None, now).is_ok());
        for _ in 0..2 {
            throttle.fail("carol", ip("192.0.2.9"), now);
        }
        assert!(
            throttle.check("carol", None, now).is_err(),
            "five for carol in all"
        );
    }

    #[test]
    fn users_are_keyed_by_id_or_by_name_in_any_case() {
        let named = |name: &str| UserRef::Name {
            name: name.into(),
            domain: None,
        };
        assert_eq!(user_key(&named(" Alice")), user_key(&named("alice")));
        assert_ne!(
            user_key(&UserRef::Id("alice".into())),
            user_key(&named("alice"))
        );
    }
}
