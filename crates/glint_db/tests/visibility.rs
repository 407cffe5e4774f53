//! Who sees an image, checked both ways: the list statement (`glint_db::image_list`) against the
//! core rule (`glint_core::image::visible::listed`, the single-image check `can_see` narrowed by
//! the list's filters) on a generated population: every visibility and status, images hidden
//! and not, owners across several accounts and none, shares in every member status and removed
//! ones, in regions each caller may and may not use; callers that own, share, read, manage,
//! are strangers or the admin. For each caller, region and list filter, the images the
//! statement lists must be exactly those the rule admits. SQLite and PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use std::collections::BTreeSet;

use glint_core::image::query::parse_list_query;
use glint_core::image::visible::{listed, may_use_region};
use glint_core::image::{Image, ImageId, ImageMember, ImageStatus, MemberStatus, Visibility};
use glint_core::{AccountId, AccountName, AuthContext, RegionName, Role, Timestamp};
use glint_core::{UserId, Username};
use glint_db::image_list::{self, ListScope};
use glint_db::{Db, bulk, members, regions};

glint_testkit::on_both_engines!(the_list_statement_shows_exactly_what_the_visibility_rule_admits);

const REGIONS: [&str; 3] = ["DFW", "LON", "ORD"];
/// Image owners: three accounts, the admin's, and none.
const OWNERS: [Option<&str>; 5] = [Some("1001"), Some("1002"), Some("1003"), Some("9000"), None];
/// Accounts that get shares, in one status or another.
const MEMBERS: [&str; 5] = ["1001", "1002", "1003", "1004", "9000"];
const STATUSES: [ImageStatus; 7] = [
    ImageStatus::Active,
    ImageStatus::Queued,
    ImageStatus::Killed,
    ImageStatus::Active,
    ImageStatus::Deactivated,
    ImageStatus::Deleted,
    ImageStatus::Saving,
];
/// A share's state: none, live in one of the three statuses, or removed.
#[derive(Clone, Copy)]
enum Share {
    None,
    Live(MemberStatus),
    Removed,
}
const SHARES: [Share; 5] = [
    Share::None,
    Share::Live(MemberStatus::Pending),
    Share::Live(MemberStatus::Accepted),
    Share::Live(MemberStatus::Rejected),
    Share::Removed,
];

fn region(name: &str) -> RegionName {
    RegionName::from_trusted(name.into())
}

fn caller(account: &str, role: Role, regions: &[&str]) -> AuthContext {
    AuthContext {
        user_id: UserId::from_trusted(format!("u-{account}-{role}")),
        username: Username::from_trusted(format!("user-{account}-{role}")),
        account_id: AccountId::from_trusted(account.into()),
        account_name: AccountName::from_trusted(format!("account-{account}")),
        role,
        regions: regions.iter().map(|r| region(r)).collect(),
        issued_at: Timestamp::from_micros(0),
        expires_at: Timestamp::from_micros(1),
        audit_id: "audit".into(),
    }
}

/// Owners of images (as member, reader and manager), members of shares in every status,
/// a stranger, an account with no region, and the admin.
fn callers() -> Vec<AuthContext> {
    vec![
        caller("1001", Role::Member, &["DFW", "LON"]),
        caller("1001", Role::Reader, &["DFW"]),
        caller("1002", Role::Manager, &["DFW", "LON", "ORD"]),
        caller("1003", Role::Member, &["LON"]),
        caller("1004", Role::Reader, &["DFW", "LON"]),
        caller("1005", Role::Member, &["DFW", "LON", "ORD"]),
        caller("1002", Role::Member, &[]),
        caller("9000", Role::Admin, &[]),
    ]
}

/// One image for every region × visibility × owner × hidden, with statuses spread over them.
fn population() -> Vec<Image> {
    let mut images = Vec::new();
    for region_name in REGIONS {
        for visibility in Visibility::ALL {
            for owner in OWNERS {
                for os_hidden in [false, true] {
                    let n = images.len();
                    let at = Timestamp::from_micros(1_000 + n as i64);
                    images.push(Image {
                        id: ImageId::random(&uuid::Uuid::new_v4().to_string()),
                        region: region(region_name),
                        name: Some(format!("image-{n}")),
                        owner: owner.map(str::to_owned),
                        status: STATUSES[n % STATUSES.len()],
                        visibility,
                        protected: n % 3 == 0,
                        os_hidden,
                        checksum: None,
                        os_hash_algo: None,
                        os_hash_value: None,
                        size: None,
                        virtual_size: None,
                        disk_format: Some("raw".into()),
                        container_format: Some("bare".into()),
                        min_ram: 0,
                        min_disk: 0,
                        created_at: at,
                        updated_at: at,
                        tags: BTreeSet::new(),
                        properties: Default::default(),
                        quarantined_at: None,
                        quarantine_note: None,
                        stores: Vec::new(),
                    });
                }
            }
        }
    }
    images
}

/// Stores the images, and shares of each with every member account in a state that varies
/// from image to image (the owner's own account included, and images not or no longer shared).
async fn store(db: &Db, images: &[Image]) {
    for name in REGIONS {
        regions::ensure(db, &region(name)).await.expect("region");
    }
    bulk::insert_images(db, images).await.expect("images");
    let mut live = Vec::new();
    let mut removed = Vec::new();
    for (n, image) in images.iter().enumerate() {
        for (k, member) in MEMBERS.iter().enumerate() {
            let share = |status| ImageMember {
                image_id: image.id.clone(),
                member_id: (*member).to_owned(),
                status,
                created_at: image.created_at,
                updated_at: image.created_at,
            };
            match SHARES[(n * 2 + k * 3) % SHARES.len()] {
                Share::None => {}
                Share::Live(status) => live.push(share(status)),
                Share::Removed => {
                    live.push(share(MemberStatus::Pending));
                    removed.push((image.id.clone(), *member));
                }
            }
        }
    }
    bulk::insert_members(db, &live).await.expect("members");
    for (image, member) in removed {
        members::remove(
            db,
            &image,
            member,
            &glint_db::events::Change::by_service(glint_core::Timestamp::now()),
        )
        .await
        .expect("remove");
    }
}

/// Every list filter that bears on who sees what.
fn filters() -> Vec<String> {
    let mut all = Vec::new();
    for visibility in ["", "all", "shared", "private", "public", "community"] {
        for status in ["", "pending", "accepted", "rejected", "all"] {
            for hidden in ["", "true"] {
                let mut raw = vec!["limit=1000".to_owned()];
                for (key, value) in [
                    ("visibility", visibility),
                    ("member_status", status),
                    ("os_hidden", hidden),
                ] {
                    if !value.is_empty() {
                        raw.push(format!("{key}={value}"));
                    }
                }
                all.push(raw.join("&"));
            }
        }
    }
    all
}

fn describe(image: &Image, share: Option<&ImageMember>) -> String {
    format!(
        "{} {} owner {:?} {} {} hidden {} share {:?}",
        image.id,
        image.region,
        image.owner,
        image.visibility,
        image.status,
        image.os_hidden,
        share.map(|s| s.status)
    )
}

async fn the_list_statement_shows_exactly_what_the_visibility_rule_admits(db: &Db) {
    let images = population();
    store(db, &images).await;
    let callers = callers();
    let mut disagreements = Vec::new();
    let mut lists = 0;
    for who in &callers {
        let mut shares = Vec::with_capacity(images.len());
        for image in &images {
            let share = members::get(db, &image.id, who.account_id.as_str()).await;
            shares.push(share.expect("share"));
        }
        for raw in filters() {
            let query = parse_list_query(Some(&raw), 25, 1000).expect("query");
            for name in REGIONS {
                let here = region(name);
                let expected: BTreeSet<usize> = (0..images.len())
                    .filter(|&n| images[n].region == here)
                    .filter(|&n| listed(who, &images[n], shares[n].as_ref(), &query))
                    .collect();
                // The service lists only in a region the caller may use (the rule's region
                // gate); the statement does the rest.
                let got: BTreeSet<usize> = if may_use_region(who, &here) {
                    let scope = ListScope {
                        region: &here,
                        account: who.account_id.as_str(),
                        is_admin: who.is_admin(),
                    };
                    let page = image_list::list(db, &scope, &query, None).await;
                    lists += 1;
                    let ids: BTreeSet<String> = page
                        .expect("list")
                        .into_iter()
                        .map(|i| i.id.to_string())
                        .collect();
                    (0..images.len())
                        .filter(|&n| ids.contains(images[n].id.as_str()))
                        .collect()
                } else {
                    BTreeSet::new()
                };
                for n in expected.symmetric_difference(&got) {
                    let side = if got.contains(n) {
                        "listed, not admitted"
                    } else {
                        "admitted, not listed"
                    };
                    disagreements.push(format!(
                        "{} {} in {name}, {raw}: {side}: {}",
                        who.account_id,
                        who.role,
                        describe(&images[*n], shares[*n].as_ref())
                    ));
                }
            }
        }
    }
    assert!(images.len() * callers.len() >= 500, "image/caller pairs");
    assert!(lists > 0);
    assert!(
        disagreements.is_empty(),
        "{} disagreements, the first:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(20)].join("\n")
    );
}
