//! The rule's main cases, one spec each; the list statement is checked against it on a
//! generated population in glint_db's tests.

use super::{can_see, listed};
use crate::image::query::parse_list_query;
use crate::image::{Image, ImageId, ImageMember, ImageStatus, MemberStatus, Visibility};
use crate::{AccountId, AccountName, AuthContext, RegionName, Role, Timestamp, UserId, Username};

fn region(name: &str) -> RegionName {
    RegionName::from_trusted(name.into())
}

fn caller(account: &str, role: Role, regions: &[&str]) -> AuthContext {
    AuthContext {
        user_id: UserId::from_trusted(format!("u{account}")),
        username: Username::from_trusted(format!("user{account}")),
        account_id: AccountId::from_trusted(account.into()),
        account_name: AccountName::from_trusted(format!("account{account}")),
        role,
        regions: regions.iter().map(|r| region(r)).collect(),
        issued_at: Timestamp::from_micros(0),
        expires_at: Timestamp::from_micros(1),
        audit_id: "audit".into(),
    }
}

fn image(owner: &str, visibility: Visibility) -> Image {
    Image {
        status: ImageStatus::Active,
        visibility,
        ..Image::queued(
            ImageId::from_trusted("11111111-2222-3333-4444-555555555555".into()),
            region("DFW"),
            Some(owner.into()),
            Timestamp::from_micros(0),
        )
    }
}

fn share(image: &Image, member: &str, status: MemberStatus) -> ImageMember {
    ImageMember {
        image_id: image.id.clone(),
        member_id: member.into(),
        status,
        created_at: Timestamp::from_micros(0),
        updated_at: Timestamp::from_micros(0),
    }
}

fn lists(ctx: &AuthContext, image: &Image, member: Option<&ImageMember>, raw: &str) -> bool {
    let query = parse_list_query(Some(raw), 25, 1000).expect("query");
    listed(ctx, image, member, &query)
}

#[test]
fn a_share_shows_the_image_whatever_the_answer_but_lists_it_only_in_the_asked_status() {
    let consumer = caller("2", Role::Member, &["DFW"]);
    let shared = image("1", Visibility::Shared);
    let rejected = share(&shared, "2", MemberStatus::Rejected);
    assert!(can_see(&consumer, &shared, Some(&rejected)));
    assert!(!can_see(&consumer, &shared, None));
    assert!(!lists(&consumer, &shared, Some(&rejected), ""));
    assert!(lists(
        &consumer,
        &shared,
        Some(&rejected),
        "member_status=rejected"
    ));
    assert!(lists(
        &consumer,
        &shared,
        Some(&rejected),
        "member_status=all"
    ));
    let accepted = share(&shared, "2", MemberStatus::Accepted);
    assert!(lists(&consumer, &shared, Some(&accepted), ""));
    assert!(!lists(
        &consumer,
        &shared,
        Some(&accepted),
        "visibility=private"
    ));
}

#[test]
fn a_region_the_caller_may_not_use_hides_even_its_own_images() {
    let owner = caller("1", Role::Member, &["LON"]);
    let own = image("1", Visibility::Private);
    assert!(!can_see(&owner, &own, None));
    assert!(!lists(&owner, &own, None, "visibility=all"));
    let admin = caller("9", Role::Admin, &[]);
    assert!(can_see(&admin, &own, None));
}

#[test]
fn the_admin_lists_other_accounts_community_images_only_when_asked() {
    let admin = caller("9", Role::Admin, &[]);
    let community = image("1", Visibility::Community);
    assert!(!lists(&admin, &community, None, ""));
    assert!(lists(&admin, &community, None, "visibility=all"));
    assert!(lists(&admin, &community, None, "visibility=community"));
    assert!(lists(&admin, &image("9", Visibility::Community), None, ""));
    assert!(lists(&admin, &image("1", Visibility::Private), None, ""));
}

#[test]
fn lists_leave_out_killed_images_and_show_hidden_ones_only_when_asked() {
    let owner = caller("1", Role::Reader, &["DFW"]);
    let mut own = image("1", Visibility::Public);
    own.status = ImageStatus::Killed;
    assert!(can_see(&owner, &own, None));
    assert!(!lists(&owner, &own, None, ""));
    own.status = ImageStatus::Active;
    own.os_hidden = true;
    assert!(!lists(&owner, &own, None, ""));
    assert!(lists(&owner, &own, None, "os_hidden=true"));
}
