//! The producer never learns of a report: every answer the producer's users can get about the
//! image (the image, lists, members, the usage report, the trust report, group shares, its
//! quarantine, the events feeds and the unread count) is the same before and after consumers
//! report it, and none of them names the reporting account, its name, its user or the comment;
//! a quarantine tells the producer the operators' note and nothing of who reported.

use axum::http::StatusCode;
use glint_core::Role;
use serde_json::json;

use super::{World, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::{Actor, Image, pattern};

on_both_engines!(
    nothing_the_producer_reads_changes_when_its_image_is_reported,
    no_producer_answer_names_the_reporter_even_after_the_quarantine,
);

/// Everything a producer's user may read about `image`, as text.
async fn producer_view(w: &World, producer: &Actor, image: &Image) -> Vec<(String, String)> {
    let uris = [
        image.uri(),
        image.members(),
        image.member("1002"),
        format!("{}/glint-usage", image.uri()),
        format!("{}/glint-inspection", image.uri()),
        format!("{}/glint-group-shares", image.uri()),
        format!("{}/glint-quarantine", image.uri()),
        "/image/DFW/v2/images".into(),
        "/image/DFW/v2/images?visibility=community".into(),
        "/image/DFW/v2/glint-events".into(),
        "/glint/v1/events?limit=200".into(),
        "/glint/v1/events/unread".into(),
        "/glint/v1/reports?status=all".into(),
        "/glint/v1/servers-on-deprecated-images".into(),
        "/glint/v1/groups".into(),
    ];
    let _ = w;
    let mut seen = Vec::new();
    for uri in uris {
        let r = producer.get(&uri).await;
        seen.push((uri, format!("{} {}", r.status, r.body)));
    }
    seen
}

async fn tipster(w: &World) -> Actor {
    w.app.account("tipster", "7007", &["DFW"]).await;
    w.app.actor("quietuser", "tipster", Role::Reader).await
}

async fn reported_images(w: &World, tipster: &Actor) -> (Image, Image) {
    let shared = w.accepted_image("shared-web").await;
    let public = w
        .producer
        .upload_with(
            json!({"name": "community-web", "visibility": "community"}),
            pattern(512),
        )
        .await;
    w.producer.share(&shared, tipster).await;
    (shared, public)
}

async fn nothing_the_producer_reads_changes_when_its_image_is_reported(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let tip = tipster(&w).await;
    let (shared, public) = reported_images(&w, &tip).await;
    let mut before = Vec::new();
    for image in [&shared, &public] {
        for producer in [&w.producer, &w.reader] {
            before.push(producer_view(&w, producer, image).await);
        }
    }
    w.consumer.report_malware(&shared).await;
    tip.report_malware(&shared).await;
    tip.report(
        &public,
        json!({"reason": "copyright", "comment": "ripped-off-product"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let mut after = Vec::new();
    for image in [&shared, &public] {
        for producer in [&w.producer, &w.reader] {
            after.push(producer_view(&w, producer, image).await);
        }
    }
    assert_eq!(before, after, "a report changes nothing the producer reads");
}

async fn no_producer_answer_names_the_reporter_even_after_the_quarantine(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let tip = tipster(&w).await;
    let (shared, public) = reported_images(&w, &tip).await;
    let user_id = tip
        .get("/identity/v3/auth/tokens")
        .await
        .body
        .pointer("/token/user/id")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    tip.report(
        &shared,
        json!({"reason": "malware", "comment": "ripped-off-product"}),
    )
    .await
    .expect(StatusCode::CREATED);
    tip.report(
        &public,
        json!({"reason": "malware", "comment": "ripped-off-product"}),
    )
    .await
    .expect(StatusCode::CREATED);
    let admin = w.app.cloud_admin().await;
    for image in [&shared, &public] {
        admin
            .quarantine(image, "held for review")
            .await
            .expect(StatusCode::OK);
    }
    let mut secrets = vec![
        "7007",
        "tipster",
        "quietuser",
        "ripped-off-product",
        "malware",
    ];
    if let Some(id) = user_id.as_deref() {
        secrets.push(id);
    }
    for image in [&shared, &public] {
        for producer in [&w.producer, &w.reader] {
            for (uri, text) in producer_view(&w, producer, image).await {
                // The share with the tipster's account is the producer's own doing: its member
                // rows and share events name the account as a consumer, never as a reporter.
                let text = text
                    .replace("\"member_id\":\"7007\"", "")
                    .replace("\"consumer\":\"7007\"", "");
                for secret in &secrets {
                    if *secret == "7007" && (uri.contains("members") || uri.contains("usage")) {
                        continue;
                    }
                    assert!(
                        !text.contains(secret),
                        "{uri} names the reporter ({secret}): {text}"
                    );
                }
            }
        }
    }
    let events = crate::events::feed(&w.producer, "type=image.quarantined").await;
    assert!(!events.is_empty());
    for e in &events {
        assert_eq!(e["detail"], json!({"note": "held for review"}));
        assert!(e["actor"].is_null());
    }
}
