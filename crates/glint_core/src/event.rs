//! Share events: what happened to a share, or to an image that has consumers, as told to exactly
//! the share's two parties (the producer account and the consumer account). Events are written
//! with the change they record and read back as a feed per account.

use std::fmt;
use std::str::FromStr;

use crate::image::ImageId;
use crate::{AccountId, Error, RegionName, Result, Timestamp, UserId, Username};

mod feed;
mod reminders;

pub use feed::FeedRequest;
pub use reminders::{ReminderAllowance, ReminderRules};

/// What happened. The wire names are stable: clients filter on them and webhooks carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The producer shared the image with the consumer (a new `pending` share).
    Shared,
    /// The consumer accepted the share.
    Accepted,
    /// The consumer rejected the share.
    Rejected,
    /// The consumer set the share back to `pending`.
    SetPending,
    /// The producer removed the consumer from the image.
    Removed,
    /// The producer reminded the consumer of a share still `pending`.
    Reminded,
    /// A `pending` share reached the operator's expiry and was removed.
    Expired,
    /// The owner deactivated an image that has consumers.
    Deactivated,
    /// The owner reactivated an image that has consumers.
    Reactivated,
    /// The owner deleted an image that had consumers.
    Deleted,
    /// The trust report of an image that has consumers is ready.
    TrustReportReady,
    /// The owner deprecated the image (or changed its replacement, message or obsolete time).
    Deprecated,
    /// The owner withdrew the image's deprecation.
    Undeprecated,
    /// The producer scheduled the removal of the consumer's share at a time to come.
    RemovalScheduled,
    /// The producer cancelled the scheduled removal.
    RemovalCancelled,
    /// A manager of the consumer accepted the share against its sharing policy's refusal.
    /// The consumer's own record: the producer is never shown it.
    PolicyOverride,
    /// The cloud's operators quarantined the image (it is deactivated for everyone but them).
    Quarantined,
    /// The cloud's operators lifted the image's quarantine.
    Released,
}

impl EventKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [EventKind; 18] = [
        EventKind::Shared,
        EventKind::Accepted,
        EventKind::Rejected,
        EventKind::SetPending,
        EventKind::Removed,
        EventKind::Reminded,
        EventKind::Expired,
        EventKind::Deactivated,
        EventKind::Reactivated,
        EventKind::Deleted,
        EventKind::TrustReportReady,
        EventKind::Deprecated,
        EventKind::Undeprecated,
        EventKind::RemovalScheduled,
        EventKind::RemovalCancelled,
        EventKind::PolicyOverride,
        EventKind::Quarantined,
        EventKind::Released,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Shared => "share.created",
            EventKind::Accepted => "share.accepted",
            EventKind::Rejected => "share.rejected",
            EventKind::SetPending => "share.pending",
            EventKind::Removed => "share.removed",
            EventKind::Reminded => "share.reminder",
            EventKind::Expired => "share.expired",
            EventKind::Deactivated => "image.deactivated",
            EventKind::Reactivated => "image.reactivated",
            EventKind::Deleted => "image.deleted",
            EventKind::TrustReportReady => "image.trust_report",
            EventKind::Deprecated => "image.deprecated",
            EventKind::Undeprecated => "image.undeprecated",
            EventKind::RemovalScheduled => "share.removal_scheduled",
            EventKind::RemovalCancelled => "share.removal_cancelled",
            EventKind::PolicyOverride => "share.policy_override",
            EventKind::Quarantined => "image.quarantined",
            EventKind::Released => "image.released",
        }
    }

    /// The event a consumer's answer makes.
    pub fn of_answer(status: crate::image::MemberStatus) -> Self {
        match status {
            crate::image::MemberStatus::Accepted => EventKind::Accepted,
            crate::image::MemberStatus::Rejected => EventKind::Rejected,
            crate::image::MemberStatus::Pending => EventKind::SetPending,
        }
    }
}

impl EventKind {
    /// The kinds only the consumer's account is shown (in its feed and webhooks); the producer
    /// of the share never is.
    pub const CONSUMER_ONLY: [EventKind; 1] = [EventKind::PolicyOverride];

    /// SQL that is true when the event aliased `e` concerns the account bound to `param`: it is
    /// the share's consumer, or its producer and the kind is not the consumer's alone.
    pub fn concerns_sql(param: &str) -> String {
        let private: Vec<String> = Self::CONSUMER_ONLY
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect();
        format!(
            "(e.consumer = {param} OR (e.producer = {param} AND e.kind NOT IN ({})))",
            private.join(", ")
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                Error::InvalidInput(format!(
                    "Invalid event type '{s}': expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// An event's id: grows with every event, in the order the changes were committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(i64);

impl EventId {
    /// An id read from the store.
    pub fn from_stored(id: i64) -> Self {
        EventId(id)
    }

    /// The stored number.
    pub fn get(self) -> i64 {
        self.0
    }

    /// Reads an id a client sent back (a marker or `since`); `what` names the parameter.
    pub fn parse(value: &str, what: &str) -> Result<Self> {
        match value.parse::<i64>() {
            Ok(id) if id >= 0 => Ok(EventId(id)),
            _ => Err(Error::InvalidInput(format!(
                "Invalid {what} '{value}': it must be an event id from an earlier answer"
            ))),
        }
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The user who made the change; `None` on an event for a change the service made by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventActor {
    pub user_id: UserId,
    pub user_name: Username,
}

impl From<&crate::AuthContext> for EventActor {
    fn from(ctx: &crate::AuthContext) -> Self {
        EventActor {
            user_id: ctx.user_id.clone(),
            user_name: ctx.username.clone(),
        }
    }
}

/// One event, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareEvent {
    pub id: EventId,
    pub kind: EventKind,
    pub created_at: Timestamp,
    pub image_id: ImageId,
    /// The image's name when the event was written.
    pub image_name: Option<String>,
    pub region: RegionName,
    /// The account that owns the image.
    pub producer: String,
    /// The account the image is shared with.
    pub consumer: String,
    pub actor: Option<EventActor>,
    /// Numbers that go with some kinds (a report's `warnings`, a reminder's `reminder` and
    /// `reminders_left`), as a JSON object.
    pub detail: serde_json::Map<String, serde_json::Value>,
}

impl ShareEvent {
    /// The event's one wire form, for the feed and for webhook deliveries.
    pub fn to_wire(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id.to_string(),
            "type": self.kind.as_str(),
            "created_at": self.created_at.to_keystone(),
            "image": {
                "id": self.image_id.as_str(),
                "name": self.image_name,
                "region": self.region.as_str(),
            },
            "producer": self.producer,
            "consumer": self.consumer,
            "actor": self.actor.as_ref().map(|a| serde_json::json!({
                "user_id": a.user_id.as_str(),
                "user_name": a.user_name.as_str(),
            })),
            "detail": self.detail,
        })
    }
}

/// Which events a feed shows: those of one account (`None`: every account, for the admin),
/// newest first, in some regions, of some kinds, for one image, before a marker and after a
/// `since` id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    pub account: Option<AccountId>,
    /// Only in these regions (`None`: in any region).
    pub regions: Option<Vec<RegionName>>,
    /// Only of these kinds (empty: of any kind).
    pub kinds: Vec<EventKind>,
    pub image: Option<ImageId>,
    /// Only events older than this one (the page before).
    pub before: Option<EventId>,
    /// Only events newer than this one (what a poller has not seen yet).
    pub after: Option<EventId>,
    pub limit: u32,
}

impl EventQuery {
    /// The newest `limit` events of `account` (`None`: of every account).
    pub fn new(account: Option<AccountId>, limit: u32) -> Self {
        EventQuery {
            account,
            regions: None,
            kinds: Vec::new(),
            image: None,
            before: None,
            after: None,
            limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_wire_name() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>().ok(), Some(kind));
        }
        let refused = "share.deleted".parse::<EventKind>();
        assert!(matches!(refused, Err(Error::InvalidInput(m)) if m.contains("share.created")));
    }

    #[test]
    fn an_event_id_from_a_client_is_a_number_from_zero() {
        assert_eq!(EventId::parse("42", "marker").ok(), Some(EventId(42)));
        for bad in ["", "-1", "x", "1.5", "99999999999999999999"] {
            assert!(EventId::parse(bad, "marker").is_err(), "{bad}");
        }
    }
}
