//! Glance's default metadata definitions are loaded when the store is migrated, each file once:
//! connecting again loads nothing twice, and what the admin deleted stays deleted.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use glint_core::metadef::NamespaceFields;
use glint_db::{Db, metadefs};
use glint_testkit::TestDb;

async fn defaults_load_once_and_deletions_stay(t: &TestDb) {
    let all = metadefs::list_all(&t.db).await.unwrap();
    assert_eq!(all.len(), 33);
    let libvirt = all
        .iter()
        .find(|l| l.namespace.namespace == "OS::Compute::Libvirt")
        .expect("OS::Compute::Libvirt");
    assert!(libvirt.namespace.protected);
    assert_eq!(libvirt.namespace.owner, "admin");
    assert!(!libvirt.associations.is_empty());
    let objects = metadefs::objects(&t.db, "OS::Compute::Quota", None)
        .await
        .unwrap();
    assert!(objects.iter().any(|o| o.fields.name == "CPU Limits"));

    let unprotect = NamespaceFields {
        namespace: "OS::Compute::Watchdog".into(),
        display_name: None,
        description: None,
        visibility: glint_core::metadef::Visibility::Public,
        protected: false,
        owner: None,
    };
    metadefs::update(&t.db, "OS::Compute::Watchdog", &unprotect)
        .await
        .unwrap()
        .expect("the watchdog namespace");
    assert!(
        metadefs::delete(&t.db, "OS::Compute::Watchdog")
            .await
            .unwrap()
    );

    let again = Db::connect(&t.url).await.expect("connect again");
    let after = metadefs::list_all(&again).await.unwrap();
    assert_eq!(after.len(), 32, "nothing loaded twice, the deletion kept");
    assert!(
        after
            .iter()
            .all(|l| l.namespace.namespace != "OS::Compute::Watchdog")
    );
    let properties = metadefs::properties(&again, "OS::Compute::Libvirt", None)
        .await
        .unwrap();
    let before = metadefs::properties(&t.db, "OS::Compute::Libvirt", None)
        .await
        .unwrap();
    assert_eq!(properties, before);
    again.close().await;
}

#[tokio::test]
async fn sqlite_loads_the_default_definitions_once() {
    let t = TestDb::sqlite().await;
    defaults_load_once_and_deletions_stay(&t).await;
    t.finish().await;
}

#[tokio::test]
async fn postgres_loads_the_default_definitions_once() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    defaults_load_once_and_deletions_stay(&t).await;
    t.finish().await;
}
