//! One spec per kind of event: the real action makes it, both parties see the same event, the
//! stranger nothing.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{feed, page, types, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::pattern;

on_both_engines!(
    a_share_is_told_to_both_parties_and_no_one_else,
    each_answer_that_changes_the_status_is_told_once,
    a_removal_is_told_to_both_parties,
    deactivation_reactivation_and_deletion_are_told_to_every_consumer,
    a_ready_trust_report_is_told_with_its_warnings,
    the_admin_sees_every_event_and_the_region_feed_only_its_region,
    read_marks_belong_to_one_user_and_ignore_events_it_cannot_see,
);

async fn a_share_is_told_to_both_parties_and_no_one_else(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    w.stranger.create(json!({"name": "decoy"})).await;
    let image = w.producer.create(json!({"name": "tuned-web-server"})).await;
    w.producer.share(&image, &w.consumer).await;
    let event = w.told_to_both("share.created", &image.id, Some("p")).await;
    assert_eq!(event["image"]["name"], "tuned-web-server");
    assert_eq!(event["image"]["region"], "DFW");
    assert_eq!(event["read"], false, "new to the consumer");
    let own = feed(&w.producer, "").await;
    assert_eq!(
        own[0]["read"], true,
        "the producer's own change is read for it"
    );
    assert!(event["id"].is_string() && event["created_at"].is_string());
}

async fn each_answer_that_changes_the_status_is_told_once(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.producer.create(json!({"name": "web"})).await;
    w.producer.share(&image, &w.consumer).await;
    w.consumer.accept(&image).await;
    w.told_to_both("share.accepted", &image.id, Some("c")).await;
    w.consumer.accept(&image).await;
    w.consumer.reject(&image).await;
    w.told_to_both("share.rejected", &image.id, Some("c")).await;
    w.consumer
        .answer(&image, "pending")
        .await
        .expect(StatusCode::OK);
    w.told_to_both("share.pending", &image.id, Some("c")).await;
    let all = feed(&w.producer, "").await;
    assert_eq!(
        types(&all),
        [
            "share.pending",
            "share.rejected",
            "share.accepted",
            "share.created"
        ],
        "accepting twice is told once"
    );
}

async fn a_removal_is_told_to_both_parties(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.producer.create(json!({"name": "web"})).await;
    w.producer.share(&image, &w.consumer).await;
    w.consumer.accept(&image).await;
    let removed = w.producer.remove_member(&image, "1002").await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    w.told_to_both("share.removed", &image.id, Some("p")).await;
    let again = w.producer.remove_member(&image, "1002").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(feed(&w.consumer, "type=share.removed").await.len(), 1);
}

async fn deactivation_reactivation_and_deletion_are_told_to_every_consumer(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let lonely = w.producer.upload("nobody's", pattern(1024)).await;
    w.producer.act(&lonely, "deactivate").await;
    let image = w.producer.upload("web", pattern(2048)).await;
    w.producer.share(&image, &w.consumer).await;
    w.producer
        .add_member(&image, "1004")
        .await
        .expect(StatusCode::OK);
    for (action, kind) in [
        ("deactivate", "image.deactivated"),
        ("reactivate", "image.reactivated"),
    ] {
        let done = w.producer.act(&image, action).await;
        assert_eq!(done.status, StatusCode::NO_CONTENT, "{action}");
        w.told_to_both(kind, &image.id, Some("p")).await;
        w.producer.act(&image, action).await;
    }
    assert_eq!(
        w.producer.delete(&image).await.status,
        StatusCode::NO_CONTENT
    );
    w.told_to_both("image.deleted", &image.id, Some("p")).await;
    let told = feed(&w.producer, "type=image.deleted").await;
    let consumers: Vec<&str> = told.iter().filter_map(|e| e["consumer"].as_str()).collect();
    assert_eq!(consumers.len(), 2, "one event per consumer: {told:?}");
    assert!(consumers.contains(&"1004"));
    let about_lonely = feed(&w.producer, &format!("image_id={}", lonely.id)).await;
    assert!(
        about_lonely.is_empty(),
        "an image without consumers tells no one"
    );
    let twice = feed(&w.consumer, "type=image.deactivated").await;
    assert_eq!(twice.len(), 1, "a repeated deactivate changes nothing");
}

async fn a_ready_trust_report_is_told_with_its_warnings(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w
        .producer
        .create(json!({"name": "web", "disk_format": "raw", "container_format": "bare"}))
        .await;
    w.producer.share(&image, &w.consumer).await;
    assert_eq!(
        w.producer.put_file(&image, pattern(4096)).await,
        StatusCode::NO_CONTENT
    );
    let mut told = Vec::new();
    for _ in 0..200 {
        told = feed(&w.consumer, "type=image.trust_report").await;
        if !told.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let event = w.told_to_both("image.trust_report", &image.id, None).await;
    assert_eq!(told.len(), 1);
    let warnings = event["detail"]["warnings"]
        .as_u64()
        .expect("a warning count");
    let report = w
        .consumer
        .get(&format!("{}/glint-inspection", image.uri()))
        .await;
    let listed = report.expect(StatusCode::OK)["warnings"]
        .as_array()
        .map(Vec::len);
    assert_eq!(Some(warnings as usize), listed);
}

async fn the_admin_sees_every_event_and_the_region_feed_only_its_region(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let dfw = w.producer.create(json!({"name": "in-dfw"})).await;
    let iad = w.producer.create_in("IAD", json!({"name": "in-iad"})).await;
    w.producer.share(&dfw, &w.consumer).await;
    w.producer.share(&iad, &w.consumer).await;
    let in_iad = page(&w.consumer, "/image/IAD/v2/glint-events").await;
    let events = in_iad["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["image"]["id"], iad.id.as_str());
    assert_eq!(feed(&w.consumer, "").await.len(), 2, "all regions");
    let lon = page(&w.consumer, "/image/LON/v2/glint-events").await;
    assert_eq!(lon["events"], json!([]), "a region the account may not use");
    let nowhere = w.consumer.get("/image/NOWHERE/v2/glint-events").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    let admin = w.app.cloud_admin().await;
    assert_eq!(feed(&admin, "").await.len(), 2);
    w.assert_stranger_learns_nothing(&dfw.id).await;
}

async fn read_marks_belong_to_one_user_and_ignore_events_it_cannot_see(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let colleague = w.app.actor("c2", "cons", glint_core::Role::Reader).await;
    let image = w.producer.create(json!({"name": "web"})).await;
    w.producer.share(&image, &w.consumer).await;
    let id = feed(&w.consumer, "").await[0]["id"].clone();
    let unread = |a| async move { page(a, "/glint/v1/events/unread").await["unread"].clone() };
    assert_eq!(unread(&w.consumer).await, 1);
    let stolen = w
        .stranger
        .call(
            Method::POST,
            "/glint/v1/events/read",
            Some(json!({"ids": [id]})),
        )
        .await;
    assert_eq!(
        stolen.expect(StatusCode::OK)["marked"],
        0,
        "another account's event"
    );
    let marked = w
        .consumer
        .call(
            Method::POST,
            "/glint/v1/events/read",
            Some(json!({"ids": [id]})),
        )
        .await;
    assert_eq!(marked.expect(StatusCode::OK)["marked"], 1);
    assert_eq!(unread(&w.consumer).await, 0);
    assert_eq!(feed(&w.consumer, "").await[0]["read"], true);
    assert_eq!(unread(&colleague).await, 1, "read marks are per user");
    let all = colleague
        .call(
            Method::POST,
            "/glint/v1/events/read",
            Some(json!({"all": true})),
        )
        .await;
    assert_eq!(all.expect(StatusCode::OK)["marked"], 1);
    assert_eq!(unread(&colleague).await, 0);
    for bad in [
        json!({}),
        json!({"ids": [1]}),
        json!({"ids": ["x"]}),
        json!({"all": false}),
        json!([]),
    ] {
        let r = w
            .consumer
            .call(Method::POST, "/glint/v1/events/read", Some(bad))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
}
