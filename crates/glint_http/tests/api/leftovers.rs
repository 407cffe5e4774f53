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
use crate::compute::{SERVERS, active_image, boot, wait_for};

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

async fn server_of(app: &TestApp, token: &str, image: &str) -> String {
    let r = boot(app, token, image, "1").await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let id = r.body["server"]["id"].as_str().expect("id").to_owned();
    wait_for(
        app,
        token,
        &format!("{SERVERS}/{id}"),
        "/server/status",
        "ACTIVE",
    )
    .await;
    id
}

async fn run(app: TestApp) {
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    let alice = app.token("alice", "acme").await;
    let live = active_image(&app, &alice, json!({}), b"live data").await;
    // Deleted as a crash leaves it: the record says deleted, the data is still there.
    let crashed = active_image(&app, &alice, json!({}), b"crashed delete").await;
    assert!(
        glint_db::images::delete(&app.db, &ImageId::from_trusted(crashed.clone()))
            .await
            .expect("delete")
    );
    // Deleted through the API while a server built from it lives: its data backs rebuilds.
    let backing = active_image(&app, &alice, json!({}), b"backs a server").await;
    let running = server_of(&app, &alice, &backing).await;
    let r = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/image/DFW/v2/images/{backing}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    // A server deleted as a crash leaves it: the record deleted, its disk still there.
    let gone = server_of(&app, &alice, &live).await;
    glint_db::servers::delete(&app.db, &gone)
        .await
        .expect("delete server");
    // Staged data of an image that is no longer waiting for an import, and data no record names.
    std::fs::write(object(&app, "staging", &live), b"stale stage").expect("stage");
    let stranger = uuid::Uuid::new_v4().to_string();
    std::fs::write(object(&app, "images", &stranger), b"foreign").expect("foreign");

    let present = |folder: &str, id: &str| object(&app, folder, id).exists();
    assert!(present("images", &crashed) && present("disks", &gone));

    // Within the grace period, data no record names stays.
    let report = sweeper(&app, Duration::from_secs(3600))
        .sweep()
        .await
        .expect("sweep");
    assert!(
        !present("images", &crashed),
        "the crashed delete's data is still there"
    );
    assert!(
        !present("disks", &gone),
        "the deleted server's disk is still there"
    );
    assert!(
        !present("staging", &live),
        "stale staged data is still there"
    );
    assert!(
        present("images", &stranger),
        "unowned data was removed inside the grace period"
    );
    assert!(present("images", &live), "a live image lost its data");
    assert!(
        present("images", &backing),
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
    let r = app
        .raw(
            &alice,
            Method::GET,
            &format!("/image/DFW/v2/images/{live}/file"),
            &[],
            vec![],
        )
        .await;
    assert_eq!(
        (r.0, r.2.as_slice()),
        (StatusCode::OK, b"live data".as_slice())
    );
    let r = app
        .call(
            &alice,
            Method::POST,
            &format!("{SERVERS}/{running}/action"),
            Some(json!({"rebuild": {"imageRef": backing}})),
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
