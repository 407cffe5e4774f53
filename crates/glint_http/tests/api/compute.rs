//! Compute: discovery and microversions, flavors, the boot rules, and the seed's lifetime
//! scenario (servers outlive the share and the image; saving one gives the consumer its own).

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::json;

use crate::app::TestApp;
use crate::spec::worlds::producer_and_consumer;
use crate::spec::{SERVERS, md5_hex};

#[tokio::test]
async fn discovery_microversions_and_flavors() {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let r = app
        .request(Method::GET, "/compute/DFW/v2.1", &[], None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["version"]["version"], "2.45");
    assert_eq!(r.body["version"]["min_version"], "2.1");
    let at = |version| {
        [
            ("x-auth-token", alice.token.as_str()),
            ("openstack-api-version", version),
        ]
    };
    let r = app
        .request(
            Method::GET,
            "/compute/DFW/v2.1/flavors/detail",
            &at("compute 2.37"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("openstack-api-version"), Some("compute 2.37"));
    assert_eq!(r.body["flavors"][0]["name"], "m1.tiny");
    assert_eq!(r.body["flavors"][0]["ram"], 512);
    let r = app
        .request(
            Method::GET,
            "/compute/DFW/v2.1/flavors",
            &at("compute 2.99"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
    let r = alice.get("/compute/DFW/v2.1/flavors/2").await;
    assert_eq!(r.body["flavor"]["name"], "m1.small");
    let r = alice.get("/compute/DFW/v2.1/flavors/99").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["itemNotFound"]["code"], 404);
}

#[tokio::test]
async fn the_seeds_lifetime_scenario() {
    let (_app, p, c) = producer_and_consumer(&["DFW"], Role::Member, Role::Manager).await;
    let data: Vec<u8> = (0..65_536).map(|i| (i % 253) as u8).collect();
    let image = p.upload("web", data.clone()).await;
    p.share(&image, &c).await;
    // Pending is enough to boot by id.
    let r = c.boot(&image.id, "1").await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let server = format!("{SERVERS}/{}", r.body["server"]["id"].as_str().expect("id"));
    let shown = c.wait_for(&server, "/server/status", "ACTIVE").await;
    assert_eq!(shown["server"]["image"]["id"], image.id.as_str());
    assert!(
        shown["server"]["OS-EXT-SRV-ATTR:host"]
            .as_str()
            .is_some_and(|h| h.contains("no hypervisor"))
    );
    c.accept(&image).await;
    // The producer removes the share and deletes the image.
    let r = p.remove_member(&image, &c.number).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(p.delete(&image).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&server).await.body["server"]["status"], "ACTIVE");
    let rebuild = json!({"rebuild": {"imageRef": image.id}});
    let r = c
        .call(Method::POST, &format!("{server}/action"), Some(rebuild))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    c.wait_for(&server, "/server/status", "ACTIVE").await;
    let r = c.boot(&image.id, "1").await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "new boots are refused: {:?}",
        r.body
    );
    // Saving the server gives the consumer an image of its own with the original data.
    let r = c
        .save_server(
            &server,
            json!({"name": "mine", "metadata": {"purpose": "keep"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let saved = r.body["image_id"].as_str().expect("image_id").to_owned();
    let saved_uri = format!("/image/DFW/v2/images/{saved}");
    let image_body = c.wait_for(&saved_uri, "/status", "active").await;
    assert_eq!(image_body["owner"], "1002");
    assert_eq!(image_body["purpose"], "keep");
    assert_eq!(image_body["checksum"], md5_hex(&data));
    c.wait_for(&server, "/server/OS-EXT-STS:task_state", "")
        .await;
    // The saved image boots, and the server can be deleted.
    assert_eq!(c.boot(&saved, "1").await.status, StatusCode::ACCEPTED);
    let r = c.call(Method::DELETE, &server, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&server).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn boot_refusals_say_why() {
    let (_app, p, c) = producer_and_consumer(&["DFW", "IAD"], Role::Member, Role::Member).await;
    let data = vec![7_u8; 4096];
    let private = p
        .upload_with(json!({"visibility": "private"}), data.clone())
        .await;
    let r = c.boot(&private.id, "1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    r.assert_says("/badRequest/message", "could not be found");
    let mine = c.upload("web", data.clone()).await;
    let r = c.boot_in("IAD", &mine.id, "1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    r.assert_says("/badRequest/message", "region DFW");
    let big = c.upload_with(json!({"min_disk": 30}), data.clone()).await;
    let r = c.boot(&big.id, "1").await;
    r.assert_says("/badRequest/message", "disk is too small");
    assert_eq!(c.boot(&big.id, "3").await.status, StatusCode::ACCEPTED);
    let hungry = c.upload_with(json!({"min_ram": 4096}), data).await;
    let r = c.boot(&hungry.id, "1").await;
    r.assert_says("/badRequest/message", "memory is too small");
    c.act(&mine, "deactivate").await;
    let r = c.boot(&mine.id, "1").await;
    r.assert_says("/badRequest/message", "deactivated");
    let queued = c.create(json!({})).await;
    let r = c.boot(&queued.id, "1").await;
    r.assert_says("/badRequest/message", "not active");
    let r = c.boot(&big.id, "nope").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn servers_are_listed_per_account_with_filters() {
    let (_app, a, b) = producer_and_consumer(&["DFW"], Role::Member, Role::Member).await;
    let image = a
        .upload_with(json!({"visibility": "community"}), vec![1, 2, 3])
        .await;
    for (actor, name) in [(&a, "web-1"), (&a, "db-1"), (&b, "web-2")] {
        let body = json!({"server": {"name": name, "imageRef": image.id, "flavorRef": "1", "networks": "auto"}});
        let r = actor.call(Method::POST, SERVERS, Some(body)).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    }
    let r = a.get(&format!("{SERVERS}/detail")).await;
    assert_eq!(r.body["servers"].as_array().map(Vec::len), Some(2));
    let r = a.get(&format!("{SERVERS}/detail?name=web")).await;
    assert_eq!(r.body["servers"].as_array().map(Vec::len), Some(1));
    let server = format!(
        "{SERVERS}/{}",
        r.body["servers"][0]["id"].as_str().expect("id")
    );
    assert_eq!(b.get(&server).await.status, StatusCode::NOT_FOUND);
    let r = b.call(Method::DELETE, &server, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
