//! Reports of suspicious images in the Control Panel: a consumer reports from Image Detail (the
//! owner has no such form; bad input comes back as a flash); the cloud admin's Image Reports
//! page (in its top bar only) lists the report with the trust report and dismisses it or
//! quarantines the image with a note; the consumer then reads the note in its notifications
//! and on Image Detail, the owner reads it too but cannot reactivate, and the admin lifts the
//! quarantine; no page of the producer's names the reporter; forms without the CSRF token are
//! refused.

use axum::http::StatusCode;
use glint_core::Role;

use super::browser::{Browser, Page};
use super::notifications::flash_after;
use crate::app::Engine;
use crate::groups::{World, world};
use crate::spec::{Image, pattern};

const NOTE: &str = "Ships a crypto miner; see ticket 4411.";

/// Page text with askama's escapes of quotes read back.
fn text(page: &Page) -> String {
    page.body.replace("&#39;", "'").replace("&#34;", "\"")
}

async fn shared(w: &World) -> Image {
    let image = w.producer.upload("miner-web", pattern(4096)).await;
    w.producer.share(&image, &w.consumer).await;
    w.consumer.accept(&image).await;
    image
}

fn detail(image: &Image) -> String {
    format!("/images/DFW/{}", image.id)
}

#[tokio::test]
async fn a_consumer_reports_an_image_from_image_detail() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let image = shared(&w).await;
    let mut owner = Browser::of(&w.app, &w.producer).await;
    let page = owner.get(&detail(&image)).await;
    assert!(
        !page.body.contains("data-testid=\"report-form\""),
        "no report of one's own image"
    );
    let mut consumer = Browser::of(&w.app, &w.consumer).await;
    let page = consumer.get(&detail(&image)).await;
    assert!(page.body.contains("Report Image") && page.body.contains("report-form"));
    assert!(page.body.contains("value=\"credentials\""));
    let fields = [("reason", "malware"), ("comment", "mines coins at boot")];
    let posted = consumer
        .post(&format!("{}/report", detail(&image)), &fields, true)
        .await;
    let flash = flash_after(&mut consumer, &posted)
        .await
        .replace("&#39;", "'");
    assert_eq!(
        flash,
        "Reported. The cloud's operators will review it; the producer is not told who reported."
    );
    let again = consumer
        .post(&format!("{}/report", detail(&image)), &fields, true)
        .await;
    let flash = flash_after(&mut consumer, &again).await;
    assert!(flash.contains("already reported"), "{flash}");
    let bad = [("reason", "ugly"), ("comment", "")];
    let refused = consumer
        .post(&format!("{}/report", detail(&image)), &bad, true)
        .await;
    let flash = flash_after(&mut consumer, &refused).await;
    assert!(
        flash.contains("'reason'") || flash.contains("&#39;reason&#39;"),
        "{flash}"
    );
    let forged = consumer
        .post(&format!("{}/report", detail(&image)), &fields, false)
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn only_the_admin_sees_image_reports_and_dismisses_one() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let image = shared(&w).await;
    w.consumer.report_malware(&image).await;
    for actor in [&w.producer, &w.consumer, &w.stranger] {
        let mut browser = Browser::of(&w.app, actor).await;
        let home = browser.get("/images").await;
        assert!(!home.body.contains("nav-reports"), "no Image Reports entry");
        let page = browser.get("/admin/reports").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", actor.user);
    }
    let mut admin = Browser::signed_in(&w.app, "admin", "admin").await;
    let page = admin.get("/admin/reports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("nav-reports"));
    assert_eq!(page.body.matches("data-testid=\"report-row\"").count(), 1);
    let body = text(&page);
    assert!(body.contains("miner-web") && body.contains("opens a reverse shell at boot"));
    assert!(
        body.contains("c (account 1002)"),
        "the operators see the reporter"
    );
    let start = body.find("/admin/reports/").expect("dismiss form") + "/admin/reports/".len();
    let id = &body[start..start + 36];
    let posted = admin
        .post(
            &format!("/admin/reports/{id}/dismiss"),
            &[("note", "fine")],
            true,
        )
        .await;
    assert_eq!(
        flash_after(&mut admin, &posted).await,
        "The report is dismissed."
    );
    let page = admin.get("/admin/reports").await;
    assert!(page.body.contains("No open reports"));
}

#[tokio::test]
async fn the_admin_quarantines_and_the_consumer_and_owner_read_the_note() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let image = shared(&w).await;
    w.consumer.report_malware(&image).await;
    let mut admin = Browser::signed_in(&w.app, "admin", "admin").await;
    let quarantine = format!("/admin/images/DFW/{}/quarantine", image.id);
    let forged = admin.post(&quarantine, &[("note", NOTE)], false).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let posted = admin.post(&quarantine, &[("note", NOTE)], true).await;
    let flash = flash_after(&mut admin, &posted).await;
    assert!(flash.contains("miner-web is quarantined"), "{flash}");

    let mut consumer = Browser::of(&w.app, &w.consumer).await;
    let notes = text(&consumer.get("/notifications").await);
    assert!(
        notes.contains(&format!(
            "miner-web (DFW) was quarantined by the cloud's operators: {NOTE}"
        )),
        "{notes}"
    );
    let page = text(&consumer.get(&detail(&image)).await);
    assert!(page.contains(&format!("Quarantined by the cloud's operators: {NOTE}")));

    let mut owner = Browser::of(&w.app, &w.producer).await;
    let page = text(&owner.get(&detail(&image)).await);
    assert!(page.contains(&format!("Quarantined by the cloud's operators: {NOTE}")));
    assert!(
        !page.contains("data-testid=\"reactivate\""),
        "no Reactivate for the owner"
    );
    assert!(!page.contains("data-testid=\"release\""));
    let refused = owner
        .post(&format!("{}/reactivate", detail(&image)), &[], true)
        .await;
    let flash = flash_after(&mut owner, &refused)
        .await
        .replace("&#39;", "'");
    assert!(
        flash.contains("quarantined by the cloud's operators"),
        "{flash}"
    );
    let notes = text(&owner.get("/notifications").await);
    assert!(notes.contains("The cloud's operators quarantined your image miner-web (DFW)"));

    let page = admin.get(&detail(&image)).await;
    assert!(page.body.contains("data-testid=\"release\""));
    let release = format!("/admin/images/DFW/{}/release", image.id);
    let posted = admin.post(&release, &[], true).await;
    let flash = flash_after(&mut admin, &posted).await;
    assert!(flash.contains("quarantine is lifted"), "{flash}");
    assert_eq!(w.consumer.status_of(&image).await, "active");
}

#[tokio::test]
async fn no_page_of_the_producer_names_the_reporter() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    w.app.account("tipster", "7007", &["DFW"]).await;
    let tip = w.app.actor("quietuser", "tipster", Role::Reader).await;
    let image = w
        .producer
        .upload_with(
            serde_json::json!({"name": "comm", "visibility": "community"}),
            pattern(512),
        )
        .await;
    let mut browser = Browser::of(&w.app, &tip).await;
    let fields = [("reason", "copyright"), ("comment", "ripped-off-product")];
    browser
        .post(&format!("{}/report", detail(&image)), &fields, true)
        .await;
    let admin = w.app.cloud_admin().await;
    admin
        .call(
            axum::http::Method::POST,
            &format!("/glint/v1/admin/images/DFW/{}/quarantine", image.id),
            Some(serde_json::json!({"note": "held"})),
        )
        .await
        .expect(StatusCode::OK);
    for producer in [&w.producer, &w.reader] {
        let mut browser = Browser::of(&w.app, producer).await;
        for path in [
            "/images".to_owned(),
            "/images?region=DFW".into(),
            detail(&image),
            "/notifications".into(),
            "/servers/new".into(),
            "/account".into(),
        ] {
            let page = browser.get(&path).await;
            for secret in ["7007", "tipster", "quietuser", "ripped-off-product"] {
                assert!(
                    !page.body.contains(secret),
                    "{path} names the reporter ({secret})"
                );
            }
        }
    }
}
