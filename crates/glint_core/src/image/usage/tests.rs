//! The usage report's arithmetic: per account, owner apart, strangers counted together.

use super::*;

fn at(s: i64) -> Option<Timestamp> {
    Some(Timestamp::from_micros(s * 1_000_000))
}

fn uses(account: &str, region: &str, live: u64, last: i64) -> ServerUse {
    ServerUse {
        account: account.into(),
        region: region.into(),
        live,
        last_boot_at: at(last),
    }
}

fn share(account: &str, offered: i64, removed: bool) -> ShareRecord {
    ShareRecord {
        account: account.into(),
        status: MemberStatus::Accepted,
        created_at: at(offered).unwrap(),
        updated_at: at(offered).unwrap(),
        removed,
        remove_at: None,
    }
}

fn report() -> ImageUsage {
    ImageUsage::build(
        ImageId::parse("11111111-2222-3333-4444-555555555555").unwrap(),
        "DFW".into(),
        Some("100"),
        vec![
            share("300", 2, true),
            share("200", 1, false),
            share("400", 3, false),
        ],
        &[
            uses("100", "DFW", 1, 10),
            uses("200", "DFW", 2, 20),
            uses("200", "IAD", 1, 25),
            uses("300", "DFW", 3, 5),
            uses("900", "DFW", 0, 7),
            uses("901", "DFW", 4, 8),
        ],
        &[("200".into(), 1), ("902".into(), 2)],
    )
}

#[test]
fn each_consumer_has_its_servers_regions_last_boot_and_copies() {
    let r = report();
    let accounts: Vec<&str> = r
        .consumers
        .iter()
        .map(|c| c.share.account.as_str())
        .collect();
    assert_eq!(
        accounts,
        ["200", "400", "300"],
        "live shares first, then removed"
    );
    let c200 = &r.consumers[0].uses;
    assert_eq!((c200.servers, c200.regions, c200.copies), (3, 2, 1));
    assert_eq!(c200.last_boot_at, at(25));
    assert_eq!(r.consumers[1].uses, UseFigures::default());
    assert_eq!(r.owner.servers, 1);
}

#[test]
fn strangers_are_counted_not_named() {
    let r = report();
    assert_eq!(r.other_accounts, 3, "a past boot, live servers, copies");
    assert_eq!(r.other_accounts_with_servers, 1);
    assert_eq!((r.others.servers, r.others.copies), (4, 2));
    let wire = r.to_wire().to_string();
    assert!(!wire.contains("\"901\"") && !wire.contains("\"902\""));
}

#[test]
fn in_use_counts_accounts_with_live_servers_owner_included() {
    assert_eq!(report().in_use(), (4, 11));
    let wire = report().to_wire();
    assert_eq!(wire["in_use"], json!({"accounts": 4, "servers": 11}));
    assert_eq!(wire["consumers"][2]["member_status"], "removed");
}
