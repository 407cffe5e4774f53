//! Share events: what happened to a share, or to an image that has consumers, as told to exactly
//! the share's two parties (the producer account and the consumer account). Events are written
//! with the change they record and read back as a feed per account.

use std::fmt;
use std::str::FromStr;

use crate::image::ImageId;
use crate::{AccountId, Error, RegionName, Result, Timestamp, UserId, Username};

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
}

impl EventKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [EventKind; 11] = [
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
    /// Whether `account` is one of the event's two parties.
    pub fn concerns(&self, account: &AccountId) -> bool {
        self.producer == account.as_str() || self.consumer == account.as_str()
    }
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

/// What a caller asks of its feed (the query string of a feed request).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedRequest {
    /// One region (`None`: every region the caller may use).
    pub region: Option<RegionName>,
    /// Only of these kinds (`type=`, repeated or comma-separated).
    pub kinds: Vec<EventKind>,
    /// Only for this image (`image_id=`).
    pub image: Option<ImageId>,
    /// The last event of the page before (older events follow).
    pub marker: Option<EventId>,
    /// Only events after this one (a poller's last seen).
    pub since: Option<EventId>,
    pub limit: Option<u32>,
}

impl FeedRequest {
    /// Reads a feed's query string; an unknown parameter or a bad value is `InvalidInput`.
    pub fn parse(raw_query: Option<&str>) -> Result<Self> {
        let mut request = FeedRequest::default();
        let pairs = raw_query
            .map(crate::image::query::decode_pairs)
            .unwrap_or_default();
        for (key, value) in pairs {
            match key.as_str() {
                "limit" => {
                    let limit = value.parse::<u32>().map_err(|_| {
                        Error::InvalidInput(format!(
                            "Invalid limit '{value}': it must be a whole number from 0"
                        ))
                    })?;
                    request.limit = Some(limit);
                }
                "marker" => request.marker = Some(EventId::parse(&value, "marker")?),
                "since" => request.since = Some(EventId::parse(&value, "since")?),
                "type" => {
                    for name in value.split(',').filter(|n| !n.is_empty()) {
                        request.kinds.push(name.parse()?);
                    }
                }
                "image_id" => request.image = Some(ImageId::parse(&value)?),
                other => {
                    return Err(Error::InvalidInput(format!(
                        "Unknown parameter '{other}': the events feed takes limit, marker, \
                         since, type and image_id"
                    )));
                }
            }
        }
        Ok(request)
    }
}

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
        status: crate::image::MemberStatus,
        sent: u32,
        last: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<ReminderAllowance> {
        use crate::image::MemberStatus;
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
    use crate::image::MemberStatus;

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

    #[test]
    fn every_kind_reads_back_from_its_wire_name() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>().ok(), Some(kind));
        }
        let refused = "share.deleted".parse::<EventKind>();
        assert!(matches!(refused, Err(Error::InvalidInput(m)) if m.contains("share.created")));
    }

    #[test]
    fn a_feed_query_reads_every_parameter_and_refuses_the_rest() {
        let image = "0b4f2b43-3d2a-4b5e-8a8e-3d3b2f1e9c7a";
        let raw = format!(
            "limit=5&marker=90&since=12&type=share.accepted,share.removed&type=image.deleted&image_id={image}"
        );
        let read = FeedRequest::parse(Some(&raw)).ok();
        let expected = FeedRequest {
            region: None,
            kinds: vec![EventKind::Accepted, EventKind::Removed, EventKind::Deleted],
            image: ImageId::parse(image).ok(),
            marker: Some(EventId(90)),
            since: Some(EventId(12)),
            limit: Some(5),
        };
        assert_eq!(read, Some(expected));
        assert_eq!(FeedRequest::parse(None).ok(), Some(FeedRequest::default()));
        for bad in [
            "limit=-1",
            "marker=abc",
            "type=share",
            "image_id=x",
            "sort=id",
            "since=",
        ] {
            assert!(FeedRequest::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_event_id_from_a_client_is_a_number_from_zero() {
        assert_eq!(EventId::parse("42", "marker").ok(), Some(EventId(42)));
        for bad in ["", "-1", "x", "1.5", "99999999999999999999"] {
            assert!(EventId::parse(bad, "marker").is_err(), "{bad}");
        }
    }
}
