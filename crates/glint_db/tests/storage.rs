//! The storage suite: every query of the metadata store, run on SQLite and on PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use glint_core::error::Kind;
use glint_core::{
    AccountId, AccountName, Error, RegionName, Role, Timestamp, User, UserId, Username,
};
use glint_db::tokens::NewToken;
use glint_db::{Db, accounts, regions, tokens, users};

glint_testkit::on_both_engines!(
    regions_are_created_once_and_listed_by_name,
    accounts_keep_their_regions,
    accounts_refuse_duplicates_and_unknown_regions,
    users_are_unique_by_name,
    tokens_live_until_expiry_or_revocation,
    token_lookup_sees_current_role_and_regions,
);

fn region(name: &str) -> RegionName {
    RegionName::parse(name).expect("region name")
}

async fn with_regions(db: &Db, names: &[&str]) {
    for n in names {
        regions::ensure(db, &region(n))
            .await
            .expect("ensure region");
    }
}

async fn account(db: &Db, id: &str, name: &str, regions: &[&str]) -> glint_core::Account {
    let regions: Vec<_> = regions.iter().map(|r| region(r)).collect();
    accounts::create(
        db,
        &AccountId::parse(id).expect("id"),
        &AccountName::parse(name).expect("name"),
        &regions,
    )
    .await
    .expect("create account")
}

fn user(id: &str, name: &str, account: &str, role: Role) -> User {
    User {
        id: UserId::parse(id).expect("user id"),
        name: Username::parse(name).expect("username"),
        account_id: AccountId::parse(account).expect("account"),
        role: Some(role),
        enabled: true,
        created_at: Timestamp::now(),
    }
}

async fn regions_are_created_once_and_listed_by_name(db: &Db) {
    assert!(regions::ensure(db, &region("LON")).await.expect("ensure"));
    assert!(
        !regions::ensure(db, &region("LON"))
            .await
            .expect("ensure again")
    );
    regions::create(db, &region("DFW")).await.expect("create");
    let err = regions::create(db, &region("DFW"))
        .await
        .expect_err("duplicate");
    assert!(
        matches!(
            err,
            Error::Conflict {
                kind: Kind::Region,
                ..
            }
        ),
        "{err:?}"
    );
    let names: Vec<_> = regions::list(db)
        .await
        .expect("list")
        .into_iter()
        .map(|r| r.name.to_string())
        .collect();
    assert_eq!(names, ["DFW", "LON"]);
    let missing = regions::missing(db, &[region("DFW"), region("ORD")])
        .await
        .expect("missing");
    assert_eq!(missing, [region("ORD")]);
}

async fn accounts_keep_their_regions(db: &Db) {
    with_regions(db, &["DFW", "IAD", "LON"]).await;
    let acme = account(db, "554433", "acme", &["IAD", "DFW", "IAD"]).await;
    assert_eq!(acme.regions, [region("DFW"), region("IAD")]);

    let read = accounts::get(db, &acme.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(read, acme);
    let by_name = accounts::find_by_name(db, "acme")
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(by_name.id, acme.id);
    assert!(
        accounts::find_by_name(db, "nobody")
            .await
            .expect("find")
            .is_none()
    );

    let moved = accounts::set_regions(db, &acme.id, &[region("LON")])
        .await
        .expect("set");
    assert_eq!(moved.regions, [region("LON")]);
    account(db, "112233", "beta", &[]).await;
    let all: Vec<_> = accounts::list(db, None, None)
        .await
        .expect("list")
        .into_iter()
        .map(|a| (a.name.to_string(), a.regions.len()))
        .collect();
    assert_eq!(all, [("acme".to_owned(), 1), ("beta".to_owned(), 0)]);
    assert_eq!(
        accounts::list(db, Some("beta"), None)
            .await
            .expect("filter")
            .len(),
        1
    );
}

async fn accounts_refuse_duplicates_and_unknown_regions(db: &Db) {
    with_regions(db, &["DFW"]).await;
    account(db, "554433", "acme", &["DFW"]).await;
    let dup_number = accounts::create(
        db,
        &AccountId::parse("554433").expect("id"),
        &AccountName::parse("other").expect("name"),
        &[],
    )
    .await
    .expect_err("duplicate number");
    assert!(
        matches!(dup_number, Error::Conflict { .. }),
        "{dup_number:?}"
    );
    let dup_name = accounts::create(
        db,
        &AccountId::parse("1000").expect("id"),
        &AccountName::parse("acme").expect("name"),
        &[],
    )
    .await
    .expect_err("duplicate name");
    assert!(matches!(dup_name, Error::Conflict { .. }), "{dup_name:?}");
    let unknown = accounts::create(
        db,
        &AccountId::parse("1001").expect("id"),
        &AccountName::parse("gamma").expect("name"),
        &[region("ORD")],
    )
    .await
    .expect_err("unknown region");
    assert!(
        matches!(
            unknown,
            Error::NotFound {
                kind: Kind::Region,
                ..
            }
        ),
        "{unknown:?}"
    );
    assert!(
        accounts::get(db, &AccountId::parse("1001").expect("id"))
            .await
            .expect("get")
            .is_none()
    );
    let missing = accounts::set_regions(db, &AccountId::parse("999").expect("id"), &[])
        .await
        .expect_err("no such account");
    assert!(
        matches!(
            missing,
            Error::NotFound {
                kind: Kind::Account,
                ..
            }
        ),
        "{missing:?}"
    );
}

async fn users_are_unique_by_name(db: &Db) {
    account(db, "554433", "acme", &[]).await;
    let alice = user("a1", "alice", "554433", Role::Manager);
    users::create(db, &alice, "$argon2id$fake")
        .await
        .expect("create");
    let err = users::create(db, &user("a2", "alice", "554433", Role::Reader), "h")
        .await
        .expect_err("duplicate");
    assert!(
        matches!(
            err,
            Error::Conflict {
                kind: Kind::User,
                ..
            }
        ),
        "{err:?}"
    );
    let found = users::find_by_name(db, "alice")
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(found.user.role, Some(Role::Manager));
    assert_eq!(found.password_hash, "$argon2id$fake");
    assert_eq!(
        users::get(db, "a1")
            .await
            .expect("get")
            .map(|u| u.user.name.to_string())
            .as_deref(),
        Some("alice")
    );
    assert!(
        users::find_by_name(db, "bob")
            .await
            .expect("find")
            .is_none()
    );
    let listed = users::list_for_account(db, &alice.account_id)
        .await
        .expect("list");
    assert_eq!(listed, [alice]);
}

async fn issue(db: &Db, hash: &str, user: &User, lifetime_s: i64) {
    let now = Timestamp::now();
    tokens::insert(
        db,
        &NewToken {
            hash,
            user_id: &user.id,
            account_id: &user.account_id,
            audit_id: "audit",
            issued_at: now,
            expires_at: now.plus_seconds(lifetime_s),
        },
    )
    .await
    .expect("insert token");
}

async fn tokens_live_until_expiry_or_revocation(db: &Db) {
    account(db, "554433", "acme", &[]).await;
    let alice = user("a1", "alice", "554433", Role::Member);
    users::create(db, &alice, "h").await.expect("user");
    issue(db, "live", &alice, 3600).await;
    issue(db, "old", &alice, -1).await;
    let now = Timestamp::now();
    let ctx = tokens::lookup(db, "live", now)
        .await
        .expect("lookup")
        .expect("live token");
    assert_eq!(ctx.username.as_str(), "alice");
    assert_eq!(ctx.account_name.as_str(), "acme");
    assert!(
        tokens::lookup(db, "old", now)
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(
        tokens::lookup(db, "nope", now)
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(
        tokens::lookup(db, "live", now.plus_seconds(3601))
            .await
            .expect("lookup")
            .is_none()
    );

    assert!(tokens::revoke(db, "live").await.expect("revoke"));
    assert!(!tokens::revoke(db, "live").await.expect("revoke twice"));
    assert!(
        tokens::lookup(db, "live", now)
            .await
            .expect("lookup")
            .is_none()
    );
    assert_eq!(tokens::purge_expired(db, now).await.expect("purge"), 1);
}

async fn token_lookup_sees_current_role_and_regions(db: &Db) {
    with_regions(db, &["DFW", "LON"]).await;
    let acme = account(db, "554433", "acme", &["DFW"]).await;
    let bob = user("b1", "bob", "554433", Role::Reader);
    users::create(db, &bob, "h").await.expect("user");
    issue(db, "t", &bob, 60).await;
    let ctx = tokens::lookup(db, "t", Timestamp::now())
        .await
        .expect("lookup")
        .expect("token");
    assert_eq!(ctx.role, Role::Reader);
    assert_eq!(ctx.regions, [region("DFW")]);
    accounts::set_regions(db, &acme.id, &[region("LON")])
        .await
        .expect("set");
    let ctx = tokens::lookup(db, "t", Timestamp::now())
        .await
        .expect("lookup")
        .expect("token");
    assert_eq!(ctx.regions, [region("LON")]);
}

#[test]
fn migration_folders_are_in_lockstep() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let names = |engine: &str| {
        let mut v: Vec<String> = std::fs::read_dir(root.join(engine))
            .expect("migration folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert_eq!(names("sqlite"), glint_db::MIGRATION_NAMES);
}
