//! The lockout rule, as Keystone's `[security_compliance]` has it: after `failure_attempts`
//! failed sign-ins in a row a user is locked for `duration`, whatever password it then gives;
//! a successful sign-in, or an admin's unlock, forgets the failures. The failures are counted
//! in the store (`glint_db::users`), so every node agrees; this module only decides.

use std::time::Duration;

use glint_core::Timestamp;
use glint_db::users::FailedSignIns;

/// When failed sign-ins lock a user, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutSettings {
    /// Failed sign-ins in a row that lock the user (Keystone's `lockout_failure_attempts`);
    /// 0: never.
    pub failure_attempts: u32,
    /// How long the lock lasts from the last failure (Keystone's `lockout_duration`); zero:
    /// until an admin unlocks the user.
    pub duration: Duration,
}

impl Default for LockoutSettings {
    /// Six failures lock for fifteen minutes.
    fn default() -> Self {
        LockoutSettings {
            failure_attempts: 6,
            duration: Duration::from_secs(15 * 60),
        }
    }
}

impl LockoutSettings {
    /// Whether failed sign-ins are counted at all.
    pub(crate) fn enabled(&self) -> bool {
        self.failure_attempts > 0
    }

    /// The count that locks, as stored.
    pub(crate) fn threshold(&self) -> i64 {
        i64::from(self.failure_attempts)
    }

    fn duration_micros(&self) -> i64 {
        i64::try_from(self.duration.as_micros()).unwrap_or(i64::MAX)
    }

    /// Whether a user with these failures is locked at `now`.
    pub(crate) fn locks(&self, failures: &FailedSignIns, now: Timestamp) -> bool {
        self.enabled()
            && failures.count >= self.threshold()
            && (self.duration.is_zero()
                || now.micros()
                    < failures
                        .last_at
                        .micros()
                        .saturating_add(self.duration_micros()))
    }

    /// A lock whose last failure was at or before this instant has ended at `now`, so the next
    /// failure counts from one again (never, when locks last until an admin unlocks).
    pub(crate) fn served_before(&self, now: Timestamp) -> Timestamp {
        if self.duration.is_zero() {
            Timestamp::from_micros(i64::MIN)
        } else {
            Timestamp::from_micros(now.micros().saturating_sub(self.duration_micros()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(count: i64, last_at: i64) -> FailedSignIns {
        FailedSignIns {
            count,
            last_at: Timestamp::from_micros(last_at),
        }
    }

    const MINUTE: i64 = 60_000_000;

    #[test]
    fn the_sixth_failure_locks_for_fifteen_minutes_from_the_last() {
        let rule = LockoutSettings::default();
        let at = Timestamp::from_micros(100 * MINUTE);
        assert!(!rule.locks(&failures(5, at.micros()), at));
        assert!(rule.locks(&failures(6, at.micros()), at));
        assert!(rule.locks(&failures(9, at.micros()), at.plus_seconds(15 * 60 - 1)));
        assert!(!rule.locks(&failures(6, at.micros()), at.plus_seconds(15 * 60)));
        assert_eq!(
            rule.served_before(at.plus_seconds(15 * 60)).micros(),
            at.micros(),
            "the failure that locked has served its time"
        );
    }

    #[test]
    fn zero_attempts_never_locks_and_zero_duration_locks_until_unlocked() {
        let off = LockoutSettings {
            failure_attempts: 0,
            ..LockoutSettings::default()
        };
        assert!(!off.locks(&failures(1_000, 0), Timestamp::from_micros(0)));
        let forever = LockoutSettings {
            duration: Duration::ZERO,
            ..LockoutSettings::default()
        };
        let later = Timestamp::from_micros(i64::MAX / 2);
        assert!(forever.locks(&failures(6, 0), later));
        assert_eq!(forever.served_before(later).micros(), i64::MIN);
    }
}
