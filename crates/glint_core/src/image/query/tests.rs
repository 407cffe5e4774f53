//! The list-query rules of the Image API, one test per rule.

use super::*;
use crate::Timestamp;
use crate::image::Visibility;

fn parse(raw: &str) -> Result<ImageListQuery, Error> {
    parse_list_query(Some(raw), 25, 1000)
}

fn refused(raw: &str) -> String {
    match parse(raw) {
        Err(Error::InvalidInput(m)) => m,
        other => panic!("expected InvalidInput for {raw}, got {other:?}"),
    }
}

#[test]
fn no_query_means_every_default() {
    let q = parse_list_query(None, 25, 1000).unwrap();
    assert_eq!(q.limit, 25);
    assert_eq!(q.marker, None);
    assert!(q.sort.is_empty());
    assert_eq!(
        q.member_status,
        MemberStatusFilter::Only(MemberStatus::Accepted)
    );
    assert_eq!(q.visibility, None);
    assert!(!q.os_hidden);
    assert_eq!(q.protected, None);
    assert!(q.tags.is_empty() && q.filters.is_empty());
    assert_eq!(q.first_link(), "/v2/images");
    assert_eq!(q.next_link("abc"), "/v2/images?marker=abc");
    assert_eq!(
        q.effective_sort(),
        [
            (SortKey::CreatedAt, SortDir::Desc),
            (SortKey::Id, SortDir::Desc)
        ]
    );
}

#[test]
fn limit_is_a_non_negative_integer_capped_at_the_maximum() {
    assert_eq!(parse("limit=1").unwrap().limit, 1);
    assert_eq!(parse("limit=0").unwrap().limit, 0);
    assert_eq!(parse("limit=5000").unwrap().limit, 1000);
    assert_eq!(parse("limit=99999999999999999999999").unwrap().limit, 1000);
    assert_eq!(parse_list_query(None, 50, 20).unwrap().limit, 20);
    assert_eq!(refused("limit=-1"), "limit param must be positive");
    assert_eq!(refused("limit=abc"), "limit param must be an integer");
    assert_eq!(refused("limit=1.5"), "limit param must be an integer");
}

#[test]
fn classic_sort_keys_and_dirs() {
    let q = parse("sort_key=size&sort_dir=desc").unwrap();
    assert_eq!(q.sort, [(SortKey::Size, SortDir::Desc)]);
    let q = parse("sort_key=name&sort_key=size&sort_dir=asc").unwrap();
    assert_eq!(
        q.sort,
        [(SortKey::Name, SortDir::Asc), (SortKey::Size, SortDir::Asc)]
    );
    assert_eq!(q.tie_break_dir, SortDir::Asc);
    let q = parse("sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc").unwrap();
    assert_eq!(
        q.sort,
        [
            (SortKey::Name, SortDir::Asc),
            (SortKey::Size, SortDir::Desc)
        ]
    );
    assert_eq!(q.tie_break_dir, SortDir::Desc);
    let q = parse("sort_key=name").unwrap();
    assert_eq!(q.sort, [(SortKey::Name, SortDir::Desc)]);
    let q = parse("sort_dir=asc").unwrap();
    assert_eq!(q.sort, [(SortKey::CreatedAt, SortDir::Asc)]);
    assert_eq!(
        q.effective_sort(),
        [
            (SortKey::CreatedAt, SortDir::Asc),
            (SortKey::Id, SortDir::Asc)
        ]
    );
    assert!(refused("sort_key=owner").starts_with("Invalid sort key: owner."));
    assert_eq!(refused("sort_dir=up"), "Invalid sort direction: up");
    assert_eq!(
        refused("sort_key=name&sort_dir=asc&sort_dir=desc&sort_dir=asc&sort_key=id"),
        "Number of sort dirs does not match the number of sort keys"
    );
}

#[test]
fn new_sort_syntax() {
    let q = parse("sort=size:desc").unwrap();
    assert_eq!(q.sort, [(SortKey::Size, SortDir::Desc)]);
    let q = parse("sort=name:asc,%20size").unwrap();
    assert_eq!(
        q.sort,
        [
            (SortKey::Name, SortDir::Asc),
            (SortKey::Size, SortDir::Desc)
        ]
    );
    assert_eq!(q.tie_break_dir, SortDir::Desc);
    assert_eq!(
        q.effective_sort(),
        [
            (SortKey::Name, SortDir::Asc),
            (SortKey::Size, SortDir::Desc),
            (SortKey::CreatedAt, SortDir::Desc),
            (SortKey::Id, SortDir::Desc),
        ]
    );
    assert_eq!(
        parse("sort=id:asc").unwrap().effective_sort()[1],
        (SortKey::CreatedAt, SortDir::Asc)
    );
    assert!(refused("sort=bogus:asc").starts_with("Invalid sort key"));
    assert!(refused("sort=").starts_with("Invalid sort key"));
    assert_eq!(
        refused("sort=name:sideways"),
        "Invalid sort direction: sideways"
    );
    assert_eq!(
        refused("sort=name&sort_dir=asc"),
        "Old and new sorting syntax cannot be combined"
    );
}

#[test]
fn member_status_and_visibility_values() {
    assert_eq!(
        parse("member_status=all").unwrap().member_status,
        MemberStatusFilter::All
    );
    assert_eq!(
        parse("member_status=pending").unwrap().member_status,
        MemberStatusFilter::Only(MemberStatus::Pending)
    );
    assert_eq!(refused("member_status=maybe"), "Invalid status: maybe");
    assert_eq!(
        parse("visibility=all").unwrap().visibility,
        Some(VisibilityFilter::All)
    );
    assert_eq!(
        parse("visibility=community").unwrap().visibility,
        Some(VisibilityFilter::Only(Visibility::Community))
    );
    assert_eq!(
        refused("visibility=everyone"),
        "Invalid visibility value: everyone"
    );
    assert!(refused("changes-since=2026-01-01").contains("changes-since"));
}

#[test]
fn hidden_and_protected_flags() {
    assert!(parse("os_hidden=true").unwrap().os_hidden);
    assert!(
        parse("os_hidden=True").unwrap().os_hidden,
        "os_hidden is lowercased first"
    );
    assert!(!parse("os_hidden=false").unwrap().os_hidden);
    assert!(refused("os_hidden=yes").starts_with("Invalid value 'yes' for 'os_hidden' filter."));
    assert_eq!(parse("protected=true").unwrap().protected, Some(true));
    assert_eq!(parse("protected=false").unwrap().protected, Some(false));
    assert!(refused("protected=True").starts_with("Invalid value 'True' for 'protected'"));
}

#[test]
fn tags_repeat_and_are_trimmed() {
    assert_eq!(
        parse("tag=a&tag=%20b%20&tag=a").unwrap().tags,
        ["a", "b", "a"]
    );
}

#[test]
fn filters_come_in_order_and_the_last_value_wins() {
    let q = parse("name=in:%22a,b%22,c&size_min=10&size_max=20&os_distro=ubuntu&owner=p1&owner=p2&deleted=true")
        .unwrap();
    assert_eq!(
        q.filters,
        [
            Filter::In(Column::Name, vec!["a,b".into(), "c".into()]),
            Filter::AtLeast(Column::Size, 10),
            Filter::AtMost(Column::Size, 20),
            Filter::Property("os_distro".into(), "ubuntu".into()),
            Filter::In(Column::Owner, vec!["p2".into()]),
        ]
    );
    let at = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
    let q = parse("created_at=lte:2026-01-01T00:00:00Z").unwrap();
    assert_eq!(q.filters, [Filter::Time(Column::CreatedAt, CmpOp::Lte, at)]);
    assert!(refused("size_min=x").contains("non-numeric"));
    assert!(refused("name=like:x").contains("unknown operator"));
    assert!(refused("updated_at=gt:soon").contains("ISO 8601"));
    assert!(refused("min_ram=lots").contains("must be an integer"));
}

#[test]
fn links_repeat_everything_but_the_marker() {
    let q = parse("limit=2&marker=m1&name=a+b&tag=x&tag=y&sort=name:asc").unwrap();
    assert_eq!(q.marker.as_deref(), Some("m1"));
    assert_eq!(q.link_query, "limit=2&name=a+b&tag=x&tag=y&sort=name%3Aasc");
    assert_eq!(
        q.first_link(),
        "/v2/images?limit=2&name=a+b&tag=x&tag=y&sort=name%3Aasc"
    );
    assert_eq!(
        q.next_link("4b434528-5e2b-4e3c-a3bb-2c6d2bdd3d55"),
        "/v2/images?limit=2&name=a+b&tag=x&tag=y&sort=name%3Aasc&marker=4b434528-5e2b-4e3c-a3bb-2c6d2bdd3d55"
    );
    let only_marker = parse("marker=m1").unwrap();
    assert_eq!(only_marker.first_link(), "/v2/images");
}

#[test]
fn a_query_built_in_code_is_the_query_the_same_parameters_give() {
    assert_eq!(
        ImageListQuery::new(25),
        parse_list_query(None, 25, 1000).unwrap()
    );
    let built = ImageListQuery::new(1000)
        .with_visibility(VisibilityFilter::All)
        .owned_by("554433")
        .after("m");
    let parsed = parse("visibility=all&owner=554433&limit=1000&marker=m").unwrap();
    assert_eq!(
        (built.visibility, &built.filters, &built.marker, built.limit),
        (
            parsed.visibility,
            &parsed.filters,
            &parsed.marker,
            parsed.limit
        )
    );
    let pending = ImageListQuery::new(25)
        .with_member_status(MemberStatusFilter::Only(MemberStatus::Pending))
        .with_visibility(VisibilityFilter::Only(Visibility::Shared));
    let parsed = parse("member_status=pending&visibility=shared").unwrap();
    assert_eq!(
        (pending.member_status, pending.visibility),
        (parsed.member_status, parsed.visibility)
    );
}
