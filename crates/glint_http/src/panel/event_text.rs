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
    /// For a scheduled removal: its day, `2027-01-15`.
    remove_on: &'a str,
    /// For a deprecation: `; use base-2027 instead; no new servers from 2027-01-15`.
    retirement: String,
    /// An acceptance the consumer's sharing policy made by itself.
    automatic: bool,
    /// For a policy override: `: tested in staging`, the manager's reason.
    reason: String,
    /// For a quarantine: the operators' note, `: contains a miner` (empty without a note).
    note: String,
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
        let text = |key: &str| event.detail.get(key).and_then(serde_json::Value::as_str);
        let day = |key: &str| text(key).map(|t| t.get(..10).unwrap_or(t));
        let mut retirement = String::new();
        if let Some(name) = text("replacement_name").or(text("replacement_image_id")) {
            retirement.push_str(&format!("; use {name} instead"));
        }
        if let Some(on) = day("obsolete_at") {
            retirement.push_str(&format!("; no new servers from {on}"));
        }
        let note = match text("note") {
            Some(note) if !note.is_empty() => format!(": {note}"),
            _ => String::new(),
        };
        Parts {
            automatic: event.detail.get("automatic") == Some(&serde_json::Value::Bool(true)),
            reason: text("reason").map(|r| format!(": {r}")).unwrap_or_default(),
            note,
            remove_on: day("remove_at").unwrap_or("a later date"),
            retirement,
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
        EventKind::Accepted if p.automatic => format!(
            "Your account's sharing policy accepted {image} from trusted account {producer}"
        ),
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
        EventKind::Deprecated => format!("{image} is deprecated{}", p.retirement),
        EventKind::Undeprecated => format!("{image} is no longer deprecated"),
        EventKind::RemovalScheduled => format!(
            "Account {producer} will remove your access to {image} on {}",
            p.remove_on
        ),
        EventKind::RemovalCancelled => {
            format!("Account {producer} cancelled the removal of your access to {image}")
        }
        EventKind::PolicyOverride => format!(
            "Your account accepted {image} from account {producer} against its sharing policy{}",
            p.reason
        ),
        EventKind::Quarantined => {
            format!("{image} was quarantined by the cloud's operators{}", p.note)
        }
        EventKind::Released => {
            format!("The cloud's operators lifted the quarantine of {image}")
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
        EventKind::Deprecated => format!(
            "Your account deprecated {image}, shared with account {consumer}{}",
            p.retirement
        ),
        EventKind::Undeprecated => format!(
            "Your account withdrew the deprecation of {image}, shared with account {consumer}"
        ),
        EventKind::RemovalScheduled => format!(
            "Your account will remove account {consumer} from {image} on {}",
            p.remove_on
        ),
        EventKind::RemovalCancelled => {
            format!("Your account cancelled the removal of account {consumer} from {image}")
        }
        // Never shown to the producer (the feed leaves it out); worded for completeness.
        EventKind::PolicyOverride => format!("Account {consumer} accepted your image {image}"),
        EventKind::Quarantined => format!(
            "The cloud's operators quarantined your image {image}, shared with account {consumer}{}",
            p.note
        ),
        EventKind::Released => format!(
            "The cloud's operators lifted the quarantine of your image {image}, shared with account {consumer}"
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
        EventKind::Deprecated => format!(
            "Account {producer} deprecated {image}, shared with account {consumer}{}",
            p.retirement
        ),
        EventKind::Undeprecated => format!(
            "Account {producer} withdrew the deprecation of {image}, shared with account {consumer}"
        ),
        EventKind::RemovalScheduled => format!(
            "Account {producer} will remove account {consumer} from {image} on {}",
            p.remove_on
        ),
        EventKind::RemovalCancelled => {
            format!("Account {producer} cancelled the removal of account {consumer} from {image}")
        }
        EventKind::PolicyOverride => format!(
            "Account {consumer} accepted {image} from account {producer} against its sharing policy{}",
            p.reason
        ),
        EventKind::Quarantined => format!(
            "The cloud's operators quarantined {image} of account {producer}, shared with account {consumer}{}",
            p.note
        ),
        EventKind::Released => format!(
            "The cloud's operators lifted the quarantine of {image} of account {producer}, shared with account {consumer}"
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
mod tests;
