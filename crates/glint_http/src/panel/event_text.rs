//! Share events in words, from the viewing account's side: the consumer reads "Account 554433
//! shared tuned-web-server (DFW) with you", the producer "Account 778899 accepted your image
//! tuned-web-server (DFW)", and the cloud admin, party to neither, reads both account numbers.
//! All of the Notifications page's wording is here; it decides nothing about who sees what.

use glint_core::AccountId;
use glint_core::event::{EventKind, ShareEvent};

use super::format;

/// Which party to an event the viewing account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The account that owns the image.
    Producer,
    /// The account the image is shared with.
    Consumer,
    /// Neither (the cloud admin, who sees every event).
    Observer,
}

impl Side {
    /// The side of `account` in `event`.
    pub fn of(event: &ShareEvent, account: &AccountId) -> Side {
        if event.producer == account.as_str() {
            Side::Producer
        } else if event.consumer == account.as_str() {
            Side::Consumer
        } else {
            Side::Observer
        }
    }
}

/// What an event's sentence is made of.
struct Parts<'a> {
    /// The image's name and region: `tuned-web-server (DFW)`.
    image: String,
    producer: &'a str,
    consumer: &'a str,
    /// The trust report's warnings, in words (`2 warnings`, `no warnings`).
    warnings: String,
    /// For a reminder the producer sent: ` (reminder 1 of 3)`.
    numbered: String,
}

impl<'a> Parts<'a> {
    fn of(event: &'a ShareEvent) -> Parts<'a> {
        let number = |key: &str| event.detail.get(key).and_then(serde_json::Value::as_u64);
        let warnings = match number("warnings") {
            None => "see the report".to_owned(),
            Some(0) => "no warnings".to_owned(),
            Some(1) => "1 warning".to_owned(),
            Some(n) => format!("{n} warnings"),
        };
        let numbered = match (number("reminder"), number("reminders_left")) {
            (Some(n), Some(left)) => format!(" (reminder {n} of {})", n + left),
            _ => String::new(),
        };
        Parts {
            image: format!(
                "{} ({})",
                format::name(event.image_name.as_deref()),
                event.region
            ),
            producer: &event.producer,
            consumer: &event.consumer,
            warnings,
            numbered,
        }
    }
}

/// The event in one sentence, as `side` reads it.
pub(crate) fn sentence(event: &ShareEvent, side: Side) -> String {
    let parts = Parts::of(event);
    match side {
        Side::Consumer => for_consumer(event.kind, &parts),
        Side::Producer => for_producer(event.kind, &parts),
        Side::Observer => for_observer(event.kind, &parts),
    }
}

fn for_consumer(kind: EventKind, p: &Parts<'_>) -> String {
    let (image, producer) = (&p.image, p.producer);
    match kind {
        EventKind::Shared => format!("Account {producer} shared {image} with you"),
        EventKind::Accepted => format!("Your account accepted {image} from account {producer}"),
        EventKind::Rejected => format!("Your account rejected {image} from account {producer}"),
        EventKind::SetPending => {
            format!("Your account set {image} from account {producer} back to pending")
        }
        EventKind::Removed => format!("Account {producer} removed your access to {image}"),
        EventKind::Reminded => format!("Account {producer} reminded you of {image}"),
        EventKind::Expired => format!(
            "The share of {image} from account {producer} expired before your account answered"
        ),
        EventKind::Deactivated => format!("{image} was deactivated by its owner"),
        EventKind::Reactivated => format!("{image} was reactivated by its owner"),
        EventKind::Deleted => format!("{image} was deleted by its owner"),
        EventKind::TrustReportReady => {
            format!("The trust report of {image} is ready: {}", p.warnings)
        }
    }
}

fn for_producer(kind: EventKind, p: &Parts<'_>) -> String {
    let (image, consumer) = (&p.image, p.consumer);
    match kind {
        EventKind::Shared => format!("Your account shared {image} with account {consumer}"),
        EventKind::Accepted => format!("Account {consumer} accepted your image {image}"),
        EventKind::Rejected => format!("Account {consumer} rejected your image {image}"),
        EventKind::SetPending => {
            format!("Account {consumer} set your image {image} back to pending")
        }
        EventKind::Removed => format!("Your account removed account {consumer} from {image}"),
        EventKind::Reminded => format!(
            "Your account reminded account {consumer} of {image}{}",
            p.numbered
        ),
        EventKind::Expired => {
            format!("Your share of {image} with account {consumer} expired unanswered")
        }
        EventKind::Deactivated => {
            format!("Your account deactivated {image}, shared with account {consumer}")
        }
        EventKind::Reactivated => {
            format!("Your account reactivated {image}, shared with account {consumer}")
        }
        EventKind::Deleted => {
            format!("Your account deleted {image}, shared with account {consumer}")
        }
        EventKind::TrustReportReady => format!(
            "The trust report of {image}, shared with account {consumer}, is ready: {}",
            p.warnings
        ),
    }
}

fn for_observer(kind: EventKind, p: &Parts<'_>) -> String {
    let (image, producer, consumer) = (&p.image, p.producer, p.consumer);
    match kind {
        EventKind::Shared => format!("Account {producer} shared {image} with account {consumer}"),
        EventKind::Accepted => {
            format!("Account {consumer} accepted {image} from account {producer}")
        }
        EventKind::Rejected => {
            format!("Account {consumer} rejected {image} from account {producer}")
        }
        EventKind::SetPending => {
            format!("Account {consumer} set {image} from account {producer} back to pending")
        }
        EventKind::Removed => format!("Account {producer} removed account {consumer} from {image}"),
        EventKind::Reminded => format!(
            "Account {producer} reminded account {consumer} of {image}{}",
            p.numbered
        ),
        EventKind::Expired => format!(
            "The share of {image} from account {producer} with account {consumer} expired unanswered"
        ),
        EventKind::Deactivated => {
            format!("Account {producer} deactivated {image}, shared with account {consumer}")
        }
        EventKind::Reactivated => {
            format!("Account {producer} reactivated {image}, shared with account {consumer}")
        }
        EventKind::Deleted => {
            format!("Account {producer} deleted {image}, shared with account {consumer}")
        }
        EventKind::TrustReportReady => format!(
            "The trust report of {image} from account {producer} is ready: {}",
            p.warnings
        ),
    }
}

/// Whether opening the event can lead to its image: not once the image is deleted, nor for a
/// consumer whose share was removed or expired (it no longer sees the image).
pub(crate) fn leads_to_image(kind: EventKind, side: Side) -> bool {
    match kind {
        EventKind::Deleted => false,
        EventKind::Removed | EventKind::Expired => side != Side::Consumer,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_core::event::EventId;
    use glint_core::image::ImageId;
    use glint_core::{RegionName, Timestamp};
    use serde_json::json;

    fn event(kind: EventKind) -> ShareEvent {
        let detail = match kind {
            EventKind::Reminded => json!({"reminder": 1, "reminders_left": 2}),
            EventKind::TrustReportReady => json!({"warnings": 2}),
            _ => json!({}),
        };
        ShareEvent {
            id: EventId::from_stored(7),
            kind,
            created_at: Timestamp::from_micros(1_767_268_800_000_000),
            image_id: ImageId::from_trusted("0b4f2b43-3d2a-4b5e-8a8e-3d3b2f1e9c7a".into()),
            image_name: Some("tuned-web-server".into()),
            region: RegionName::from_trusted("DFW".into()),
            producer: "554433".into(),
            consumer: "778899".into(),
            actor: None,
            detail: detail.as_object().cloned().unwrap_or_default(),
        }
    }

    /// Every kind, as the consumer, the producer and the admin read it.
    const EXPECTED: [(EventKind, [&str; 3]); 11] = [
        (
            EventKind::Shared,
            [
                "Account 554433 shared tuned-web-server (DFW) with you",
                "Your account shared tuned-web-server (DFW) with account 778899",
                "Account 554433 shared tuned-web-server (DFW) with account 778899",
            ],
        ),
        (
            EventKind::Accepted,
            [
                "Your account accepted tuned-web-server (DFW) from account 554433",
                "Account 778899 accepted your image tuned-web-server (DFW)",
                "Account 778899 accepted tuned-web-server (DFW) from account 554433",
            ],
        ),
        (
            EventKind::Rejected,
            [
                "Your account rejected tuned-web-server (DFW) from account 554433",
                "Account 778899 rejected your image tuned-web-server (DFW)",
                "Account 778899 rejected tuned-web-server (DFW) from account 554433",
            ],
        ),
        (
            EventKind::SetPending,
            [
                "Your account set tuned-web-server (DFW) from account 554433 back to pending",
                "Account 778899 set your image tuned-web-server (DFW) back to pending",
                "Account 778899 set tuned-web-server (DFW) from account 554433 back to pending",
            ],
        ),
        (
            EventKind::Removed,
            [
                "Account 554433 removed your access to tuned-web-server (DFW)",
                "Your account removed account 778899 from tuned-web-server (DFW)",
                "Account 554433 removed account 778899 from tuned-web-server (DFW)",
            ],
        ),
        (
            EventKind::Reminded,
            [
                "Account 554433 reminded you of tuned-web-server (DFW)",
                "Your account reminded account 778899 of tuned-web-server (DFW) (reminder 1 of 3)",
                "Account 554433 reminded account 778899 of tuned-web-server (DFW) (reminder 1 of 3)",
            ],
        ),
        (
            EventKind::Expired,
            [
                "The share of tuned-web-server (DFW) from account 554433 expired before your account answered",
                "Your share of tuned-web-server (DFW) with account 778899 expired unanswered",
                "The share of tuned-web-server (DFW) from account 554433 with account 778899 expired unanswered",
            ],
        ),
        (
            EventKind::Deactivated,
            [
                "tuned-web-server (DFW) was deactivated by its owner",
                "Your account deactivated tuned-web-server (DFW), shared with account 778899",
                "Account 554433 deactivated tuned-web-server (DFW), shared with account 778899",
            ],
        ),
        (
            EventKind::Reactivated,
            [
                "tuned-web-server (DFW) was reactivated by its owner",
                "Your account reactivated tuned-web-server (DFW), shared with account 778899",
                "Account 554433 reactivated tuned-web-server (DFW), shared with account 778899",
            ],
        ),
        (
            EventKind::Deleted,
            [
                "tuned-web-server (DFW) was deleted by its owner",
                "Your account deleted tuned-web-server (DFW), shared with account 778899",
                "Account 554433 deleted tuned-web-server (DFW), shared with account 778899",
            ],
        ),
        (
            EventKind::TrustReportReady,
            [
                "The trust report of tuned-web-server (DFW) is ready: 2 warnings",
                "The trust report of tuned-web-server (DFW), shared with account 778899, is ready: 2 warnings",
                "The trust report of tuned-web-server (DFW) from account 554433 is ready: 2 warnings",
            ],
        ),
    ];

    #[test]
    fn every_kind_reads_from_both_sides_and_the_admins() {
        assert_eq!(EXPECTED.map(|(k, _)| k), EventKind::ALL, "every kind, once");
        for (kind, [consumer, producer, observer]) in EXPECTED {
            let e = event(kind);
            assert_eq!(sentence(&e, Side::Consumer), consumer);
            assert_eq!(sentence(&e, Side::Producer), producer);
            assert_eq!(sentence(&e, Side::Observer), observer);
        }
    }

    #[test]
    fn the_side_is_the_viewing_accounts() {
        let e = event(EventKind::Shared);
        let side = |n: &str| Side::of(&e, &AccountId::from_trusted(n.into()));
        assert_eq!(side("554433"), Side::Producer);
        assert_eq!(side("778899"), Side::Consumer);
        assert_eq!(side("admin"), Side::Observer);
    }

    #[test]
    fn warnings_and_unnamed_images_read_well() {
        let mut e = event(EventKind::TrustReportReady);
        e.image_name = None;
        e.detail.insert("warnings".into(), json!(0));
        assert_eq!(
            sentence(&e, Side::Consumer),
            "The trust report of (unnamed image) (DFW) is ready: no warnings"
        );
        e.detail.insert("warnings".into(), json!(1));
        assert!(sentence(&e, Side::Consumer).ends_with("ready: 1 warning"));
    }

    #[test]
    fn deleted_images_and_lost_shares_lead_nowhere() {
        for side in [Side::Consumer, Side::Producer, Side::Observer] {
            assert!(!leads_to_image(EventKind::Deleted, side));
            assert!(leads_to_image(EventKind::Shared, side));
        }
        assert!(!leads_to_image(EventKind::Removed, Side::Consumer));
        assert!(!leads_to_image(EventKind::Expired, Side::Consumer));
        assert!(leads_to_image(EventKind::Removed, Side::Producer));
    }
}
