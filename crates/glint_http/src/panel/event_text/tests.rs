//! Every event kind in words, from each side.

use super::*;
use glint_core::event::EventId;
use glint_core::image::ImageId;
use glint_core::{RegionName, Timestamp};
use serde_json::json;

fn event(kind: EventKind) -> ShareEvent {
    let detail = match kind {
        EventKind::Reminded => json!({"reminder": 1, "reminders_left": 2}),
        EventKind::TrustReportReady => json!({"warnings": 2}),
        EventKind::Deprecated => json!({
            "replacement_image_id": "11111111-2222-3333-4444-555555555555",
            "replacement_name": "web-2027",
            "obsolete_at": "2027-01-15T00:00:00Z",
        }),
        EventKind::RemovalScheduled => json!({"remove_at": "2027-02-01T00:00:00Z"}),
        EventKind::Quarantined => json!({"note": "ships a crypto miner"}),
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
const EXPECTED: [(EventKind, [&str; 3]); 18] = [
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
    (
        EventKind::Deprecated,
        [
            "tuned-web-server (DFW) is deprecated; use web-2027 instead; no new servers from 2027-01-15",
            "Your account deprecated tuned-web-server (DFW), shared with account 778899; use web-2027 instead; no new servers from 2027-01-15",
            "Account 554433 deprecated tuned-web-server (DFW), shared with account 778899; use web-2027 instead; no new servers from 2027-01-15",
        ],
    ),
    (
        EventKind::Undeprecated,
        [
            "tuned-web-server (DFW) is no longer deprecated",
            "Your account withdrew the deprecation of tuned-web-server (DFW), shared with account 778899",
            "Account 554433 withdrew the deprecation of tuned-web-server (DFW), shared with account 778899",
        ],
    ),
    (
        EventKind::RemovalScheduled,
        [
            "Account 554433 will remove your access to tuned-web-server (DFW) on 2027-02-01",
            "Your account will remove account 778899 from tuned-web-server (DFW) on 2027-02-01",
            "Account 554433 will remove account 778899 from tuned-web-server (DFW) on 2027-02-01",
        ],
    ),
    (
        EventKind::RemovalCancelled,
        [
            "Account 554433 cancelled the removal of your access to tuned-web-server (DFW)",
            "Your account cancelled the removal of account 778899 from tuned-web-server (DFW)",
            "Account 554433 cancelled the removal of account 778899 from tuned-web-server (DFW)",
        ],
    ),
    (
        EventKind::PolicyOverride,
        [
            "Your account accepted tuned-web-server (DFW) from account 554433 against its sharing policy",
            "Account 778899 accepted your image tuned-web-server (DFW)",
            "Account 778899 accepted tuned-web-server (DFW) from account 554433 against its sharing policy",
        ],
    ),
    (
        EventKind::Quarantined,
        [
            "tuned-web-server (DFW) was quarantined by the cloud's operators: ships a crypto miner",
            "The cloud's operators quarantined your image tuned-web-server (DFW), shared with account 778899: ships a crypto miner",
            "The cloud's operators quarantined tuned-web-server (DFW) of account 554433, shared with account 778899: ships a crypto miner",
        ],
    ),
    (
        EventKind::Released,
        [
            "The cloud's operators lifted the quarantine of tuned-web-server (DFW)",
            "The cloud's operators lifted the quarantine of your image tuned-web-server (DFW), shared with account 778899",
            "The cloud's operators lifted the quarantine of tuned-web-server (DFW) of account 554433, shared with account 778899",
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
