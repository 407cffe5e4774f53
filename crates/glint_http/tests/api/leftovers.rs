//! The sweep of leftover data as specs, on SQLite and PostgreSQL: data of an image whose record
//! was deleted without its data (a crash between the two) is removed, and so are a deleted
//! server's disk and staged data nobody waits for; data no record names is removed only after
//! the grace period; the data of live images, of deleted images that live servers were built
//! from, and live servers' disks is never touched.

use std::path::PathBuf;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_app::{Stores, SweepReport, Sweeper};
use glint_core::Role;
use glint_core::image::ImageId;
use serde_json::json;

use crate::app::TestApp;
use crate::spec::SERVERS;

fn object(app: &TestApp, folder: &str, id: &str) -> PathBuf {
    app.blobs.path().join("DFW").join(folder).join(id)
}

fn sweeper(app: &TestApp, grace: Duration) -> Sweeper {
    let template = format!("file://{}/{{region}}", app.blobs.path().display());
    Sweeper::new(
        app.db.clone(),
        Stores::new(template, Default::default()),
        grace,
    )
}

async fn run(app: TestApp) {
    app.account("acme", "554433", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let live = alice.upload_with(json!({}), b"live data".to_vec()).await;
    // Deleted as a crash leaves it: the record says deleted, the data is still there.
    let crashed = alice
        .upload_with(json!({}), b"crashed delete".to_vec())
        .await;
    assert!(
        glint_db::images::delete(
            &app.db,
            &ImageId::from_trusted(crashed.id.clone()),
            &glint_db::events::Change::by_service(glint_core::Timestamp::now()),
        )
        .await
        .expect("delete")
    );
    // Deleted through the API while a server built from it lives: its data backs rebuilds.
    let backing = alice
        .upload_with(json!({}), b"backs a server".to_vec())
        .await;
    let running = alice.server(&backing.id).await;
    let r = alice.delete(&backing).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    // A server deleted as a crash leaves it: the record deleted, its disk still there.
    let gone = alice.server(&live.id).await;
    glint_db::servers::delete(&app.db, &gone)
        .await
        .expect("delete server");
    // Staged data of an image that is no longer waiting for an import, and data no record names.
    std::fs::write(object(&app, "staging", &live.id), b"stale stage").expect("stage");
    let stranger = uuid::Uuid::new_v4().to_string();
    std::fs::write(object(&app, "images", &stranger), b"foreign").expect("foreign");

    let present = |folder: &str, id: &str| object(&app, folder, id).exists();
    assert!(present("images", &crashed.id) && present("disks", &gone));

    // Within the grace period, data no record names stays.
    let report = sweeper(&app, Duration::from_secs(3600))
        .sweep()
        .await
        .expect("sweep");
    assert!(
        !present("images", &crashed.id),
        "the crashed delete's data is still there"
    );
    assert!(
        !present("disks", &gone),
        "the deleted server's disk is still there"
    );
    assert!(
        !present("staging", &live.id),
        "stale staged data is still there"
    );
    assert!(
        present("images", &stranger),
        "unowned data was removed inside the grace period"
    );
    assert!(present("images", &live.id), "a live image lost its data");
    assert!(
        present("images", &backing.id),
        "a running server's image lost its data"
    );
    assert!(present("disks", &running), "a running server lost its disk");
    assert_eq!(
        report,
        SweepReport {
            examined: 7,
            removed: 3,
            young_unowned: 1,
            failed: 0
        }
    );
    // Past it, that goes too; a second sweep finds nothing else to do.
    let report = sweeper(&app, Duration::ZERO).sweep().await.expect("sweep");
    assert!(!present("images", &stranger));
    assert_eq!(report.removed, 1);
    let report = sweeper(&app, Duration::ZERO).sweep().await.expect("sweep");
    assert_eq!((report.removed, report.examined), (0, 3));
    // What was kept still works: the live image downloads, the running server rebuilds.
    let (status, body) = alice.download(&live).await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::OK, b"live data".as_slice())
    );
    let rebuild = json!({"rebuild": {"imageRef": backing.id}});
    let r = alice
        .call(
            Method::POST,
            &format!("{SERVERS}/{running}/action"),
            Some(rebuild),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
}

#[tokio::test]
async fn the_sweep_removes_only_data_nothing_needs_on_sqlite() {
    run(TestApp::new().await).await;
}

#[tokio::test]
async fn the_sweep_removes_only_data_nothing_needs_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    run(app).await;
}
