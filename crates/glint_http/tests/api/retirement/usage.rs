//! The usage report: per consumer account its share and its live servers (in how many regions,
//! the last boot), right after boots, deletes and rebuilds; only the owner and the admin read
//! it, and it never names another account's server.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{consumer_row, rebuild, server_in, servers, usage_of, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::assert_glance_error;

on_both_engines!(
    usage_counts_follow_boots_deletes_and_rebuilds_in_two_regions,
    only_the_owner_and_the_admin_read_the_usage,
    the_report_names_no_server_and_counts_strangers_together,
    removed_and_pending_shares_are_in_the_report,
);

async fn usage_counts_follow_boots_deletes_and_rebuilds_in_two_regions(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let [c1, c2, c3] = &w.consumers;
    let dfw = w.shared_image("DFW", "web-dfw").await;
    let iad = w.shared_image("IAD", "web-iad").await;
    let fresh = usage_of(&w.producer, &dfw).await.expect(StatusCode::OK);
    assert_eq!(fresh["in_use"], json!({"accounts": 0, "servers": 0}));
    assert_eq!(consumer_row(&fresh, "1002")["member_status"], "accepted");
    assert_eq!(consumer_row(&fresh, "1002")["last_boot_at"], Value::Null);

    let a = server_in(c1, "DFW", &dfw.id).await;
    server_in(c1, "DFW", &dfw.id).await;
    server_in(c1, "IAD", &iad.id).await;
    let b = server_in(c2, "DFW", &dfw.id).await;
    server_in(c3, "IAD", &iad.id).await;
    server_in(&w.producer, "DFW", &dfw.id).await;

    let report = usage_of(&w.producer, &dfw).await.expect(StatusCode::OK);
    assert_eq!(report["in_use"], json!({"accounts": 3, "servers": 4}));
    let row = consumer_row(&report, "1002");
    assert_eq!(
        (row["servers"].as_u64(), row["regions"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(row["last_boot_at"].is_string());
    assert_eq!(consumer_row(&report, "1003")["servers"], 1);
    assert_eq!(
        consumer_row(&report, "1004")["servers"],
        0,
        "its server is in IAD, from the other image"
    );
    assert_eq!(report["owner"]["servers"], 1);
    let in_iad = usage_of(&w.producer, &iad).await.expect(StatusCode::OK);
    assert_eq!(in_iad["in_use"], json!({"accounts": 2, "servers": 2}));
    assert_eq!(in_iad["region"], "IAD");

    // A delete and a rebuild onto another image each take a server off the count; the last
    // boot stays.
    let r = c1
        .call(Method::DELETE, &format!("{}/{a}", servers("DFW")), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let other = w
        .producer
        .create_in(
            "DFW",
            json!({"name": "web-v2", "disk_format": "raw", "container_format": "bare"}),
        )
        .await;
    assert_eq!(
        w.producer.put_file(&other, vec![6; 4096]).await,
        StatusCode::NO_CONTENT
    );
    w.producer.share(&other, c2).await;
    assert_eq!(
        rebuild(c2, "DFW", &b, &other.id).await,
        StatusCode::ACCEPTED
    );
    let after = usage_of(&w.producer, &dfw).await.expect(StatusCode::OK);
    assert_eq!(after["in_use"], json!({"accounts": 2, "servers": 2}));
    let c1_row = consumer_row(&after, "1002");
    assert_eq!(c1_row["servers"], 1);
    assert!(c1_row["last_boot_at"].is_string());
    assert_eq!(consumer_row(&after, "1003")["servers"], 0);
    let moved = usage_of(&w.producer, &other).await.expect(StatusCode::OK);
    assert_eq!(
        consumer_row(&moved, "1003")["servers"],
        1,
        "the rebuild counts for the new image"
    );
}

async fn only_the_owner_and_the_admin_read_the_usage(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.shared_image("DFW", "web").await;
    let consumer = usage_of(&w.consumers[0], &image).await;
    assert_glance_error(&consumer, StatusCode::FORBIDDEN);
    let stranger = usage_of(&w.stranger, &image).await;
    assert_glance_error(&stranger, StatusCode::NOT_FOUND);
    assert!(
        !stranger.body.to_string().contains("1002"),
        "the stranger learns nothing"
    );
    let admin = w.app.cloud_admin().await;
    usage_of(&admin, &image).await.expect(StatusCode::OK);
    let unknown = w
        .producer
        .get("/image/DFW/v2/images/00000000-0000-4000-8000-000000000000/glint-usage")
        .await;
    assert_glance_error(&unknown, StatusCode::NOT_FOUND);
    let wrong_region = w
        .producer
        .get(&format!("/image/IAD/v2/images/{}/glint-usage", image.id))
        .await;
    assert_glance_error(&wrong_region, StatusCode::NOT_FOUND);
}

async fn the_report_names_no_server_and_counts_strangers_together(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let shared = w.shared_image("DFW", "web").await;
    let mut ids = vec![server_in(&w.consumers[0], "DFW", &shared.id).await];
    let body = json!({"name": "base", "visibility": "community", "disk_format": "raw", "container_format": "bare"});
    let community = w.producer.create_in("DFW", body).await;
    assert_eq!(
        w.producer.put_file(&community, vec![1; 4096]).await,
        StatusCode::NO_CONTENT
    );
    ids.push(server_in(&w.stranger, "DFW", &community.id).await);
    ids.push(server_in(&w.consumers[1], "DFW", &community.id).await);
    ids.push(server_in(&w.consumers[1], "DFW", &community.id).await);
    for image in [&shared, &community] {
        let report = usage_of(&w.producer, image).await.expect(StatusCode::OK);
        let text = report.to_string();
        for id in &ids {
            assert!(!text.contains(id.as_str()), "server id {id} in {text}");
        }
        assert!(!text.contains("\"vm\""), "no server name: {text}");
    }
    let report = usage_of(&w.producer, &community)
        .await
        .expect(StatusCode::OK);
    let text = report.to_string();
    assert!(
        !text.contains("1005") && !text.contains("1003"),
        "never offered: not named: {text}"
    );
    assert_eq!(report["consumers"], json!([]));
    assert_eq!(report["others"]["accounts"], 2);
    assert_eq!(report["others"]["servers"], 3);
    assert_eq!(report["in_use"], json!({"accounts": 2, "servers": 3}));
}

async fn removed_and_pending_shares_are_in_the_report(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.shared_image("DFW", "web").await;
    server_in(&w.consumers[0], "DFW", &image.id).await;
    let removed = w.producer.remove_member(&image, "1002").await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    w.consumers[1]
        .answer(&image, "pending")
        .await
        .expect(StatusCode::OK);
    let report = usage_of(&w.producer, &image).await.expect(StatusCode::OK);
    let gone = consumer_row(&report, "1002");
    assert_eq!(gone["member_status"], "removed");
    assert_eq!(gone["servers"], 1, "its server keeps running");
    assert_eq!(consumer_row(&report, "1003")["member_status"], "pending");
    let order: Vec<&str> = report["consumers"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r["account_id"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(order.last(), Some(&"1002"), "removed shares come last");
}
