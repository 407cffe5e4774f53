//! A quarantined image: deactivated for everyone but the admin (its owner can neither
//! reactivate nor download it, and is told why), new servers refused and existing ones kept;
//! its open reports closed; every consumer and the producer told by the service with the
//! operators' note; lifting the quarantine (or the admin's reactivation) makes it active and
//! tells them again.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{admin_image_uri, world};
use crate::app::{Engine, on_both_engines};
use crate::events::feed;
use crate::retirement::server_in;
use crate::spec::{assert_glance_error, pattern};

on_both_engines!(
    a_quarantined_image_is_deactivated_for_everyone_but_the_admin,
    new_servers_are_refused_and_existing_ones_keep_running,
    every_consumer_and_the_producer_are_told_with_the_note,
    the_admin_lifts_the_quarantine,
    only_an_image_with_data_is_quarantined_once,
);

const NOTE: &str = "Contains a credential stealer; see ticket 4411.";

async fn a_quarantined_image_is_deactivated_for_everyone_but_the_admin(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("bad").await;
    let report = w.consumer.report_malware(&image).await;
    let admin = w.app.cloud_admin().await;
    let q = admin.quarantine(&image, NOTE).await.expect(StatusCode::OK);
    assert_eq!(q["status"], "deactivated");
    assert_eq!(q["note"], NOTE);
    assert!(q["quarantined_at"].is_string());
    let uri = format!("{}/glint-quarantine", image.uri());
    for actor in [&w.producer, &w.reader, &w.consumer, &admin] {
        let read = actor.get(&uri).await.expect(StatusCode::OK);
        assert_eq!(
            (read["quarantined"].clone(), read["note"].clone()),
            (json!(true), json!(NOTE))
        );
    }
    assert_glance_error(&w.stranger.get(&uri).await, StatusCode::NOT_FOUND);
    for actor in [&w.producer, &w.consumer] {
        assert_eq!(actor.status_of(&image).await, "deactivated");
        let body = actor.image(&image).await;
        assert!(
            body.as_object()
                .unwrap()
                .keys()
                .all(|k| !k.contains("quarantine")),
            "the Image API's image is unchanged: {body}"
        );
        let (status, _) = actor.download(&image).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let refused = w.producer.act(&image, "reactivate").await;
    assert_glance_error(&refused, StatusCode::FORBIDDEN);
    refused.assert_says("/message", "quarantined by the cloud's operators");
    refused.assert_says("/message", NOTE);
    assert_eq!(w.producer.status_of(&image).await, "deactivated");
    let (status, data) = admin.download(&image).await;
    assert_eq!((status, data), (StatusCode::OK, pattern(4096)));
    let closed = admin
        .operator_reports("?status=quarantined")
        .await
        .expect(StatusCode::OK);
    assert_eq!(closed["reports"][0]["id"], report["id"]);
    assert_eq!(closed["reports"][0]["resolution"]["note"], NOTE);
    assert_eq!(closed["reports"][0]["image"]["status"], "deactivated");
    let own = w
        .consumer
        .get("/glint/v1/reports")
        .await
        .expect(StatusCode::OK);
    assert_eq!(own["reports"][0]["status"], "quarantined");
}

async fn new_servers_are_refused_and_existing_ones_keep_running(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("booted").await;
    let running = server_in(&w.consumer, "DFW", &image.id).await;
    let admin = w.app.cloud_admin().await;
    admin.quarantine(&image, NOTE).await.expect(StatusCode::OK);
    for actor in [&w.consumer, &w.producer] {
        let refused = actor.boot(&image.id, "1").await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{:?}",
            refused.body
        );
    }
    let server = w
        .consumer
        .get(&format!("{}/{running}", crate::spec::SERVERS))
        .await
        .expect(StatusCode::OK);
    assert_eq!(server["server"]["status"], "ACTIVE");
}

async fn every_consumer_and_the_producer_are_told_with_the_note(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("told").await;
    w.producer.share(&image, &w.partner).await;
    let admin = w.app.cloud_admin().await;
    admin.quarantine(&image, NOTE).await.expect(StatusCode::OK);
    let told = |events: Vec<Value>| {
        events
            .into_iter()
            .filter(|e| e["type"] == "image.quarantined")
            .collect::<Vec<_>>()
    };
    let producer = told(feed(&w.producer, "").await);
    let consumers: Vec<&str> = producer
        .iter()
        .map(|e| e["consumer"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(consumers.len(), 2, "{producer:?}");
    assert!(consumers.contains(&"1002") && consumers.contains(&"1004"));
    for (actor, number) in [(&w.consumer, "1002"), (&w.partner, "1004")] {
        let events = told(feed(actor, "").await);
        assert_eq!(events.len(), 1, "{events:?}");
        let e = &events[0];
        assert_eq!(e["consumer"], number);
        assert_eq!(e["producer"], "1001");
        assert_eq!(e["image"]["id"], image.id.as_str());
        assert_eq!(
            e["actor"],
            Value::Null,
            "told as the service's, not a user's"
        );
        assert_eq!(e["detail"], json!({"note": NOTE}));
    }
    let stranger = feed(&w.stranger, "").await;
    assert_eq!(stranger, Vec::<Value>::new());
}

async fn the_admin_lifts_the_quarantine(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("cleared").await;
    let admin = w.app.cloud_admin().await;
    admin.quarantine(&image, NOTE).await.expect(StatusCode::OK);
    let released = admin
        .call(
            axum::http::Method::POST,
            &admin_image_uri(&image, "release"),
            None,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(released["status"], "active");
    assert!(released["note"].is_null());
    let read = w
        .producer
        .get(&format!("{}/glint-quarantine", image.uri()))
        .await
        .expect(StatusCode::OK);
    assert_eq!(read["quarantined"], false);
    assert_eq!(w.consumer.status_of(&image).await, "active");
    assert_eq!(w.consumer.download(&image).await.0, StatusCode::OK);
    let again = admin
        .call(
            axum::http::Method::POST,
            &admin_image_uri(&image, "release"),
            None,
        )
        .await;
    assert_glance_error(&again, StatusCode::CONFLICT);
    // The owner may deactivate and reactivate it as before.
    w.producer
        .act(&image, "deactivate")
        .await
        .expect(StatusCode::NO_CONTENT);
    w.producer
        .act(&image, "reactivate")
        .await
        .expect(StatusCode::NO_CONTENT);
    // The admin's reactivation lifts a quarantine too.
    admin.quarantine(&image, NOTE).await.expect(StatusCode::OK);
    admin
        .act(&image, "reactivate")
        .await
        .expect(StatusCode::NO_CONTENT);
    w.producer
        .act(&image, "deactivate")
        .await
        .expect(StatusCode::NO_CONTENT);
    w.producer
        .act(&image, "reactivate")
        .await
        .expect(StatusCode::NO_CONTENT);
    let events = feed(&w.consumer, "type=image.released").await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e["actor"].is_null()));
}

async fn only_an_image_with_data_is_quarantined_once(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let admin = w.app.cloud_admin().await;
    let queued = w.producer.create(json!({"name": "empty"})).await;
    let r = admin.quarantine(&queued, NOTE).await;
    assert_glance_error(&r, StatusCode::CONFLICT);
    r.assert_says("/message", "queued");
    let image = w.accepted_image("twice").await;
    admin.quarantine(&image, NOTE).await.expect(StatusCode::OK);
    let again = admin.quarantine(&image, NOTE).await;
    assert_glance_error(&again, StatusCode::CONFLICT);
    again.assert_says("/message", "already quarantined");
    let elsewhere = crate::spec::Image {
        id: image.id.clone(),
        region: "IAD".into(),
    };
    assert_glance_error(
        &admin.quarantine(&elsewhere, NOTE).await,
        StatusCode::NOT_FOUND,
    );
}
