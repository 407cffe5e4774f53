//! Copy to Region in the Control Panel: the owner of an active image is offered its account's
//! other regions, the copy opens at once with a note and becomes active with the original's
//! checksum; a consumer, a queued image and a region outside the account are offered nothing
//! or refused with the reason.

use axum::http::StatusCode;
use glint_core::Role;

use super::browser::Browser;
use super::notifications::flash_after;
use crate::app::TestApp;
use crate::spec::{Image, pattern};

#[tokio::test]
async fn the_owner_copies_an_image_to_another_region_from_image_detail() {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW", "IAD"]).await;
    app.account("beta", "112233", &["DFW", "IAD"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let ben = app.actor("ben", "beta", Role::Manager).await;
    let web = alice.upload("web", pattern(70_000)).await;
    alice.share(&web, &ben).await;
    ben.accept(&web).await;
    let detail = format!("/images/DFW/{}", web.id);

    let mut browser = Browser::of(&app, &alice).await;
    let page = browser.get(&detail).await;
    assert!(
        page.body.contains("data-testid=\"copy-to-region\""),
        "offered to the owner"
    );
    assert!(page.body.contains("<option value=\"IAD\">IAD</option>"));
    assert!(
        !page.body.contains("<option value=\"DFW\">DFW</option>"),
        "not its own region"
    );

    let done = browser
        .post(
            &format!("{detail}/copy-to-region"),
            &[("region", "IAD")],
            true,
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let to = done.location().to_owned();
    assert!(to.starts_with("/images/IAD/"), "{to}");
    let said = flash_after(&mut browser, &done).await;
    assert!(said.contains("Copying web to IAD"), "{said}");
    let copy = Image {
        id: to.rsplit('/').next().unwrap().to_owned(),
        region: "IAD".into(),
    };
    let shown = alice.wait_for(&copy.uri(), "/status", "active").await;
    assert_eq!(shown["checksum"], alice.image(&web).await["checksum"]);

    let refused = browser
        .post(
            &format!("{detail}/copy-to-region"),
            &[("region", "LON")],
            true,
        )
        .await;
    let said = flash_after(&mut browser, &refused).await;
    assert!(said.contains("may not use region LON"), "{said}");
    let refused = browser
        .post(&format!("{detail}/copy-to-region"), &[("region", "")], true)
        .await;
    assert!(
        flash_after(&mut browser, &refused)
            .await
            .contains("Choose the region")
    );

    let mut consumer = Browser::of(&app, &ben).await;
    let page = consumer.get(&detail).await;
    assert!(
        !page.body.contains("copy-to-region"),
        "not offered to a consumer"
    );
    let refused = consumer
        .post(
            &format!("{detail}/copy-to-region"),
            &[("region", "IAD")],
            true,
        )
        .await;
    assert!(
        flash_after(&mut consumer, &refused)
            .await
            .contains("only its owner")
    );
    let queued = alice
        .create(
            serde_json::json!({"name": "empty", "disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    let page = browser.get(&format!("/images/DFW/{}", queued.id)).await;
    assert!(
        !page.body.contains("copy-to-region"),
        "not offered for an image without data"
    );
}
