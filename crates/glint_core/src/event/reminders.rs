//! The seed's courtesy rules for reminders of a pending share, as one decision.

use crate::image::MemberStatus;
use crate::{Error, Result, Timestamp};

/// The seed's courtesy rules for reminders: only on a share still `pending`, at most one per
/// `every_secs`, at most `limit` per share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderRules {
    pub every_secs: i64,
    pub limit: u32,
}

impl Default for ReminderRules {
    fn default() -> Self {
        ReminderRules {
            every_secs: 7 * 24 * 3600,
            limit: 3,
        }
    }
}

/// A reminder the rules allow: its number on the share, how many are left, and when the next
/// may be sent (`None`: no more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderAllowance {
    pub number: u32,
    pub left: u32,
    pub next_at: Option<Timestamp>,
}

impl ReminderRules {
    /// Whether one more reminder may go at `now` on a share in `status` that has had `sent`
    /// reminders, the last at `last`.
    pub fn allow(
        &self,
        status: MemberStatus,
        sent: u32,
        last: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<ReminderAllowance> {
        match status {
            MemberStatus::Pending => {}
            MemberStatus::Rejected => {
                return Err(Error::StateConflict(
                    "The consumer rejected this share; rejected shares get no reminders.".into(),
                ));
            }
            MemberStatus::Accepted => {
                return Err(Error::StateConflict(
                    "The consumer already accepted this share; only pending shares get reminders."
                        .into(),
                ));
            }
        }
        if sent >= self.limit {
            return Err(Error::RateLimited {
                message: format!(
                    "This share has had its {} reminders; no more may be sent.",
                    self.limit
                ),
                retry_after_secs: None,
            });
        }
        if let Some(last) = last {
            let next = last.plus_seconds(self.every_secs);
            if next > now {
                let wait = (next.micros() - now.micros() + 999_999) / 1_000_000;
                return Err(Error::RateLimited {
                    message: format!(
                        "A reminder for this share was sent recently; the next may be sent at {}.",
                        next.to_glance()
                    ),
                    retry_after_secs: Some(u64::try_from(wait).unwrap_or(0)),
                });
            }
        }
        let left = self.limit - sent - 1;
        Ok(ReminderAllowance {
            number: sent + 1,
            left,
            next_at: (left > 0).then(|| now.plus_seconds(self.every_secs)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_follow_the_courtesy_rules() {
        let rules = ReminderRules::default();
        let start = Timestamp::from_micros(1_000_000_000_000);
        let day = 24 * 3600;
        let first = rules.allow(MemberStatus::Pending, 0, None, start);
        assert!(matches!(first, Ok(a) if a.number == 1 && a.left == 2));
        let soon = rules.allow(
            MemberStatus::Pending,
            1,
            Some(start),
            start.plus_seconds(day),
        );
        assert!(
            matches!(soon, Err(Error::RateLimited { retry_after_secs: Some(s), .. }) if s == 6 * day as u64)
        );
        let week = rules.allow(
            MemberStatus::Pending,
            1,
            Some(start),
            start.plus_seconds(7 * day),
        );
        assert!(matches!(week, Ok(a) if a.number == 2 && a.left == 1));
        let last = rules.allow(
            MemberStatus::Pending,
            2,
            Some(start),
            start.plus_seconds(7 * day),
        );
        assert!(matches!(last, Ok(a) if a.left == 0 && a.next_at.is_none()));
        let spent = rules.allow(
            MemberStatus::Pending,
            3,
            Some(start),
            start.plus_seconds(99 * day),
        );
        assert!(matches!(
            spent,
            Err(Error::RateLimited {
                retry_after_secs: None,
                ..
            })
        ));
        for answered in [MemberStatus::Rejected, MemberStatus::Accepted] {
            let refused = rules.allow(answered, 0, None, start);
            assert!(
                matches!(refused, Err(Error::StateConflict(_))),
                "{answered:?}"
            );
        }
    }
}
