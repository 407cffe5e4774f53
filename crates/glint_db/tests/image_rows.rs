//! The image row, end to end: an image with every field set (each to a value no other field
//! holds) comes back exactly through every path that writes or reads an image row: insert,
//! get, a change through `modify`, list pages (one branch, several, the admin's), a bulk load,
//! and the sharing read; SQLite and PostgreSQL. Paths that mapped the row each their own way
//! would drift apart here first.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use std::collections::{BTreeMap, BTreeSet};

use glint_core::RegionName;
use glint_core::Timestamp;
use glint_core::image::query::parse_list_query;
use glint_core::image::{Image, ImageId, ImageStatus, Visibility};
use glint_db::image_list::{self, ListScope};
use glint_db::{Db, bulk, images, members, regions};

glint_testkit::on_both_engines!(every_field_survives_every_path_an_image_row_takes);

const OWNER: &str = "5001";

fn dfw() -> RegionName {
    RegionName::parse("DFW").expect("region")
}

/// An image whose every field is set, each to a value derived from `n` that no other field
/// holds; `protected` and `os_hidden` differ so that a swap of the two shows.
fn full(n: i64, status: ImageStatus, protected: bool) -> Image {
    Image {
        id: ImageId::random(&uuid::Uuid::new_v4().to_string()),
        region: dfw(),
        name: Some(format!("name-{n}")),
        owner: Some(OWNER.into()),
        status,
        visibility: Visibility::Shared,
        protected,
        os_hidden: !protected,
        checksum: Some(format!("md5-{n}")),
        os_hash_algo: Some(format!("algo-{n}")),
        os_hash_value: Some(format!("hash-{n}")),
        size: Some(1_000 + n),
        virtual_size: Some(2_000 + n),
        disk_format: Some(format!("disk-{n}")),
        container_format: Some(format!("container-{n}")),
        min_ram: 3_000 + n,
        min_disk: 4_000 + n,
        created_at: Timestamp::from_micros(5_000 + n),
        updated_at: Timestamp::from_micros(6_000 + n),
        tags: BTreeSet::from([format!("tag-{n}"), "common".into()]),
        properties: BTreeMap::from([
            (format!("key-{n}"), format!("value-{n}")),
            ("common".into(), format!("common-{n}")),
        ]),
        quarantined_at: Some(Timestamp::from_micros(7_000 + n)),
        quarantine_note: Some(format!("note-{n}")),
        stores: vec![format!("store-{n}")],
    }
}

async fn page(db: &Db, account: &str, is_admin: bool, raw: &str) -> Vec<Image> {
    let region = dfw();
    let scope = ListScope {
        region: &region,
        account,
        is_admin,
    };
    let query = parse_list_query(Some(raw), 25, 1000).expect("query");
    image_list::list(db, &scope, &query, None)
        .await
        .expect("list")
}

async fn every_field_survives_every_path_an_image_row_takes(db: &Db) {
    regions::ensure(db, &dfw()).await.expect("region");
    // Inserted one by one, and read back by id.
    let inserted = full(1, ImageStatus::Active, true);
    images::insert(db, &inserted).await.expect("insert");
    assert_eq!(
        images::get(db, inserted.id.as_str()).await.unwrap(),
        Some(inserted.clone())
    );
    assert_eq!(
        images::get_any(db, inserted.id.as_str()).await.unwrap(),
        Some(inserted.clone())
    );

    // Loaded in bulk, and read back by id.
    let loaded = full(2, ImageStatus::Queued, false);
    bulk::insert_images(db, std::slice::from_ref(&loaded))
        .await
        .expect("bulk load");
    assert_eq!(
        images::get(db, loaded.id.as_str()).await.unwrap(),
        Some(loaded.clone())
    );

    // List pages: the owner's default list (several branches), a list of one branch, the
    // admin's (several, and one), hidden or not.
    for (account, admin, raw) in [
        (OWNER, false, ""),
        (OWNER, false, "visibility=private&member_status=all"),
        (OWNER, false, "visibility=shared"),
        ("admin", true, ""),
        ("admin", true, "visibility=shared"),
    ] {
        let shown = page(db, account, admin, raw).await;
        let hidden = page(db, account, admin, &format!("{raw}&os_hidden=true")).await;
        let (want_shown, want_hidden) = if raw.contains("private") {
            (vec![], vec![])
        } else {
            (vec![inserted.clone()], vec![loaded.clone()])
        };
        assert_eq!(shown, want_shown, "{account} {raw}");
        assert_eq!(hidden, want_hidden, "{account} {raw}&os_hidden=true");
    }

    // Every field an update may change, changed through `modify`, and read back.
    let mut changed = full(3, ImageStatus::Deactivated, false);
    changed.id = inserted.id.clone();
    changed.created_at = inserted.created_at;
    changed.visibility = Visibility::Community;
    changed.owner = Some("5002".into());
    let stored = images::modify(db, &inserted.id, |image| {
        *image = changed.clone();
        Ok(true)
    })
    .await
    .expect("modify");
    assert_eq!(stored, changed);
    assert_eq!(
        images::get(db, changed.id.as_str()).await.unwrap(),
        Some(changed.clone())
    );
    let listed = page(db, "5002", false, "visibility=community&os_hidden=true").await;
    assert_eq!(listed, vec![changed.clone()]);

    // The sharing read: the image without tags and properties, with the caller's share.
    members::add(
        db,
        &loaded.id,
        "5003",
        None,
        &glint_db::events::Change::by_service(glint_core::Timestamp::now()),
    )
    .await
    .expect("share");
    let (image, share) = members::image_with_share(db, loaded.id.as_str(), "5003")
        .await
        .expect("read")
        .expect("found");
    let bare = Image {
        tags: BTreeSet::new(),
        properties: BTreeMap::new(),
        ..loaded.clone()
    };
    assert_eq!(image, bare);
    assert_eq!(
        share,
        members::get(db, &loaded.id, "5003").await.expect("member")
    );
    assert!(share.is_some());
}
