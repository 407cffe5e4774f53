//! The metadefs' pure rules: who sees a namespace in a list and how a page is cut, and what a
//! body may say.

use serde_json::json;

use super::*;
use crate::{AccountId, AccountName, RegionName, UserId, Username};

fn caller(account: &str, role: Role) -> AuthContext {
    AuthContext {
        user_id: UserId::from_trusted("u1".into()),
        username: Username::from_trusted("alice".into()),
        account_id: AccountId::from_trusted(account.into()),
        account_name: AccountName::from_trusted("acme".into()),
        role,
        regions: vec![RegionName::from_trusted("DFW".into())],
        issued_at: Timestamp::from_micros(0),
        expires_at: Timestamp::from_micros(1),
        audit_id: "a".into(),
    }
}

fn namespace(name: &str, visibility: Visibility, owner: &str, at: i64) -> ListedNamespace {
    ListedNamespace {
        namespace: Namespace {
            namespace: name.into(),
            display_name: None,
            description: None,
            visibility,
            protected: false,
            owner: owner.into(),
            created_at: Timestamp::from_micros(at),
            updated_at: Timestamp::from_micros(at),
        },
        associations: Vec::new(),
    }
}

fn catalog() -> Vec<ListedNamespace> {
    vec![
        namespace("pub-a", Visibility::Public, "admin", 1),
        namespace("mine", Visibility::Private, "1001", 2),
        namespace("theirs", Visibility::Private, "1002", 3),
        namespace("pub-b", Visibility::Public, "1002", 4),
    ]
}

fn names(page: &[ListedNamespace]) -> Vec<&str> {
    page.iter()
        .map(|l| l.namespace.namespace.as_str())
        .collect()
}

#[test]
fn a_list_shows_public_namespaces_and_the_callers_own_newest_first() {
    let member = caller("1001", Role::Member);
    let (shown, next) = page(catalog(), &member, &NamespaceQuery::default()).unwrap();
    assert_eq!(names(&shown), ["pub-b", "mine", "pub-a"]);
    assert_eq!(next, None);
    let admin = caller("1", Role::Admin);
    let (all, _) = page(catalog(), &admin, &NamespaceQuery::default()).unwrap();
    assert_eq!(all.len(), 4, "the admin sees every namespace");
}

#[test]
fn pages_follow_the_marker_and_a_hidden_marker_is_unknown() {
    let member = caller("1001", Role::Member);
    let query = NamespaceQuery::parse([("limit", "2"), ("sort_dir", "asc")]).unwrap();
    let (first, next) = page(catalog(), &member, &query).unwrap();
    assert_eq!(names(&first), ["pub-a", "mine"]);
    assert_eq!(next.as_deref(), Some("mine"));
    assert!(
        query
            .next_link("mine")
            .starts_with("/v2/metadefs/namespaces?marker=mine&limit=2")
    );
    let after = NamespaceQuery {
        marker: next,
        ..query.clone()
    };
    let (second, next) = page(catalog(), &member, &after).unwrap();
    assert_eq!(names(&second), ["pub-b"]);
    assert_eq!(next, None);
    let hidden = NamespaceQuery {
        marker: Some("theirs".into()),
        ..query
    };
    assert!(matches!(
        page(catalog(), &member, &hidden),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn list_queries_refuse_what_glance_refuses() {
    for pair in [
        ("sort_key", "owner"),
        ("sort_dir", "up"),
        ("visibility", "shared"),
        ("limit", "-1"),
        ("colour", "blue"),
    ] {
        assert!(NamespaceQuery::parse([pair]).is_err(), "{pair:?}");
    }
}

#[test]
fn only_the_admin_writes_and_protection_stops_deletes() {
    assert!(may_write(&caller("1", Role::Admin)).is_ok());
    assert!(matches!(
        may_write(&caller("1001", Role::Manager)),
        Err(Error::Forbidden(_))
    ));
    let mut ns = catalog().remove(0).namespace;
    assert!(may_delete_from(&ns, "it").is_ok());
    ns.protected = true;
    assert!(matches!(
        may_delete_from(&ns, "it"),
        Err(Error::Forbidden(_))
    ));
}

#[test]
fn a_namespace_body_defaults_to_private_and_unprotected() {
    let doc = DefinitionDocument::parse(&json!({"namespace": "n"})).unwrap();
    assert_eq!(doc.fields.visibility, Visibility::Private);
    assert!(!doc.fields.protected);
    let update = NamespaceFields::from_update(&json!({"namespace": "n", "tags": []}));
    assert!(
        update.is_err(),
        "an update carries the namespace's own fields only"
    );
    let read_back = json!({"namespace": "n", "self": "/v2/…", "created_at": "…"});
    assert!(
        DefinitionDocument::parse(&read_back).is_ok(),
        "read-only keys are ignored"
    );
}

#[test]
fn tags_named_twice_in_one_body_are_a_conflict() {
    let body = json!({"tags": [{"name": "a"}, {"name": "a"}]});
    assert!(matches!(
        TagsBody::names(&body),
        Err(Error::Conflict { .. })
    ));
    assert!(tag_name(&"t".repeat(81)).is_err());
}
