//! The usage section's figures and the impact previews' words.

use glint_core::Timestamp;
use glint_core::image::usage::{ImageUsage, ServerUse, ShareRecord};
use glint_core::image::{ImageId, MemberStatus};

use super::*;

const OWNER: &str = "554433";

fn share(account: &str, status: MemberStatus, removed: bool) -> ShareRecord {
    ShareRecord {
        account: account.into(),
        status,
        created_at: Timestamp::from_micros(1_767_268_800_000_000),
        updated_at: Timestamp::from_micros(1_767_268_800_000_000),
        removed,
        remove_at: None,
    }
}

fn servers(account: &str, region: &str, live: u64) -> ServerUse {
    ServerUse {
        account: account.into(),
        region: region.into(),
        live,
        last_boot_at: Some(Timestamp::from_micros(1_767_272_400_000_000)),
    }
}

/// 112233 (accepted, 3 servers in two regions, 1 saved copy), 445566 (pending, none), the
/// owner (2 servers) and two accounts never offered it (1 server, and a copy).
fn report() -> ImageUsage {
    ImageUsage::build(
        ImageId::parse("11111111-2222-3333-4444-555555555555").unwrap(),
        "DFW".into(),
        Some(OWNER),
        vec![
            share("112233", MemberStatus::Accepted, false),
            share("445566", MemberStatus::Pending, false),
        ],
        &[
            servers("112233", "DFW", 2),
            servers("112233", "IAD", 1),
            servers(OWNER, "DFW", 2),
            servers("999000", "DFW", 1),
        ],
        &[("112233".into(), 1), ("999111".into(), 1)],
    )
}

#[test]
fn the_section_names_consumers_and_counts_other_accounts_together() {
    let view = UsageView::new(&report());
    assert_eq!(view.summary, "3 accounts, 6 servers use this image.");
    assert_eq!(view.owner.servers, 2);
    let rows: Vec<_> = view
        .consumers
        .iter()
        .map(|c| (c.account.as_str(), c.status, c.uses.servers, c.uses.regions))
        .collect();
    assert_eq!(
        rows,
        [
            ("112233", "Accepted", 3, 2),
            ("445566", "Pending Acceptance", 0, 0)
        ]
    );
    assert_eq!(view.consumers[0].uses.copies, 1);
    assert_eq!(view.consumers[0].uses.last_boot, "2026-01-01 13:00 UTC");
    assert_eq!(view.consumers[1].uses.last_boot, "—");
    let (accounts, together) = view.others.expect("other accounts");
    assert_eq!((accounts, together.servers, together.copies), (2, 1, 1));
}

#[test]
fn the_impact_of_deleting_or_deactivating_counts_every_account_with_servers() {
    let usage = report();
    assert_eq!(
        image_impact(&usage, false),
        "3 accounts, 6 servers use this image; their servers keep running and can be rebuilt; no new servers can be created from it."
    );
    assert!(image_impact(&usage, true).ends_with("until it is reactivated."));
    let unused = ImageUsage::build(
        usage.image_id.clone(),
        "DFW".into(),
        Some(OWNER),
        Vec::new(),
        &[],
        &[],
    );
    assert_eq!(
        image_impact(&unused, false),
        "No servers use this image now; no new servers can be created from it."
    );
    assert_eq!(
        UsageView::new(&unused).summary,
        "No servers use this image now."
    );
    assert!(UsageView::new(&unused).others.is_none());
}

#[test]
fn the_impact_of_removing_a_consumer_is_that_consumers_figures() {
    let usage = report();
    assert_eq!(
        impact_of_consumer(&usage, "112233").as_deref(),
        Some(
            "Account 112233 has 3 servers from this image, in 2 regions; they keep running and can be rebuilt, but it can create no new servers from it. It keeps the 1 image it saved from such servers."
        )
    );
    assert_eq!(
        impact_of_consumer(&usage, "445566").as_deref(),
        Some("Account 445566 has no servers built from this image.")
    );
    assert_eq!(impact_of_consumer(&usage, "999000"), None, "never named");
}

#[test]
fn a_removed_share_reads_removed_and_shows_no_scheduled_end() {
    let mut removed = share("778899", MemberStatus::Accepted, true);
    removed.remove_at = Some(Timestamp::from_micros(1_799_971_200_000_000));
    let usage = ImageUsage::build(
        ImageId::parse("11111111-2222-3333-4444-555555555555").unwrap(),
        "DFW".into(),
        Some(OWNER),
        vec![removed],
        &[],
        &[],
    );
    let row = &UsageView::new(&usage).consumers[0];
    assert_eq!((row.status, row.remove_at.as_deref()), ("Removed", None));
    assert_eq!(impact_of_consumer(&usage, "778899"), None);
}
