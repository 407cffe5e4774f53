//! Compute: discovery and microversions, flavors, the boot rules, and the seed's lifetime
//! scenario (servers outlive the share and the image; saving one gives the consumer its own).

use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use md5::Digest;
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::images::create;

const OCTET: (&str, &str) = ("content-type", "application/octet-stream");
pub const SERVERS: &str = "/compute/DFW/v2.1/servers";

pub async fn wait_for(app: &TestApp, token: &str, uri: &str, key: &str, want: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        last = app.call(token, Method::GET, uri, None).await.body;
        let got = last
            .pointer(key)
            .and_then(Value::as_str)
            .unwrap_or_default();
        if got == want {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{uri} never reached {key} = {want}: {last:?}");
}

pub async fn active_image(app: &TestApp, token: &str, extra: Value, data: &[u8]) -> String {
    let mut body = json!({"disk_format": "raw", "container_format": "bare", "name": "web"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let image = create(app, token, body).await;
    let id = image["id"].as_str().expect("id").to_owned();
    let (status, _, _) = app
        .raw(
            token,
            Method::PUT,
            &format!("/image/DFW/v2/images/{id}/file"),
            &[OCTET],
            data.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    id
}

pub async fn boot(
    app: &TestApp,
    token: &str,
    image: &str,
    flavor: &str,
) -> crate::app::TestResponse {
    app.call(token, Method::POST, SERVERS, Some(json!({"server": {"name": "vm", "imageRef": image, "flavorRef": flavor, "networks": "none"}}))).await
}

#[tokio::test]
async fn discovery_microversions_and_flavors() {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    let alice = app.token("alice", "acme").await;
    let r = app
        .request(Method::GET, "/compute/DFW/v2.1", &[], None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["version"]["version"], "2.45");
    assert_eq!(r.body["version"]["min_version"], "2.1");
    let r = app
        .request(
            Method::GET,
            "/compute/DFW/v2.1/flavors/detail",
            &[
                ("x-auth-token", &alice),
                ("openstack-api-version", "compute 2.37"),
            ],
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
            &[
                ("x-auth-token", &alice),
                ("openstack-api-version", "compute 2.99"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
    let r = app
        .call(&alice, Method::GET, "/compute/DFW/v2.1/flavors/2", None)
        .await;
    assert_eq!(r.body["flavor"]["name"], "m1.small");
    let r = app
        .call(&alice, Method::GET, "/compute/DFW/v2.1/flavors/99", None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["itemNotFound"]["code"], 404);
}

#[tokio::test]
async fn the_seeds_lifetime_scenario() {
    let app = TestApp::new().await;
    app.account("prod", "1001", &["DFW"]).await;
    app.account("cons", "1002", &["DFW"]).await;
    app.user("p", "prod", Role::Member).await;
    app.user("c", "cons", Role::Manager).await;
    let (p, c) = (app.token("p", "prod").await, app.token("c", "cons").await);
    let data: Vec<u8> = (0..65_536).map(|i| (i % 253) as u8).collect();
    let image = active_image(&app, &p, json!({}), &data).await;
    let members = format!("/image/DFW/v2/images/{image}/members");
    app.call(&p, Method::POST, &members, Some(json!({"member": "1002"})))
        .await;
    // Pending is enough to boot by id.
    let r = boot(&app, &c, &image, "1").await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let server = format!("{SERVERS}/{}", r.body["server"]["id"].as_str().expect("id"));
    let shown = wait_for(&app, &c, &server, "/server/status", "ACTIVE").await;
    assert_eq!(shown["server"]["image"]["id"], image.as_str());
    assert!(
        shown["server"]["OS-EXT-SRV-ATTR:host"]
            .as_str()
            .is_some_and(|h| h.contains("no hypervisor"))
    );
    app.call(
        &c,
        Method::PUT,
        &format!("{members}/1002"),
        Some(json!({"status": "accepted"})),
    )
    .await;
    // The producer removes the share and deletes the image.
    assert_eq!(
        app.call(&p, Method::DELETE, &format!("{members}/1002"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(
            &p,
            Method::DELETE,
            &format!("/image/DFW/v2/images/{image}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(&c, Method::GET, &server, None).await.body["server"]["status"],
        "ACTIVE"
    );
    let r = app
        .call(
            &c,
            Method::POST,
            &format!("{server}/action"),
            Some(json!({"rebuild": {"imageRef": image}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    wait_for(&app, &c, &server, "/server/status", "ACTIVE").await;
    let r = boot(&app, &c, &image, "1").await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "new boots are refused: {:?}",
        r.body
    );
    // Saving the server gives the consumer an image of its own with the original data.
    let r = app
        .request(
            Method::POST,
            &format!("{server}/action"),
            &[
                ("x-auth-token", &c),
                ("openstack-api-version", "compute 2.45"),
            ],
            Some(json!({"createImage": {"name": "mine", "metadata": {"purpose": "keep"}}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let saved = r.body["image_id"].as_str().expect("image_id").to_owned();
    let saved_uri = format!("/image/DFW/v2/images/{saved}");
    let image_body = wait_for(&app, &c, &saved_uri, "/status", "active").await;
    assert_eq!(image_body["owner"], "1002");
    assert_eq!(image_body["purpose"], "keep");
    let md5: String = md5::Md5::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(image_body["checksum"], md5);
    wait_for(&app, &c, &server, "/server/OS-EXT-STS:task_state", "").await;
    // The saved image boots, and the server can be deleted.
    assert_eq!(
        boot(&app, &c, &saved, "1").await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        app.call(&c, Method::DELETE, &server, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(&c, Method::GET, &server, None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn boot_refusals_say_why() {
    let app = TestApp::new().await;
    app.account("prod", "1001", &["DFW", "IAD"]).await;
    app.account("cons", "1002", &["DFW", "IAD"]).await;
    app.user("p", "prod", Role::Member).await;
    app.user("c", "cons", Role::Member).await;
    let (p, c) = (app.token("p", "prod").await, app.token("c", "cons").await);
    let data = vec![7_u8; 4096];
    let private = active_image(&app, &p, json!({"visibility": "private"}), &data).await;
    let r = boot(&app, &c, &private, "1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["badRequest"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("could not be found")),
        "{:?}",
        r.body
    );
    let mine = active_image(&app, &c, json!({}), &data).await;
    let r = app.call(&c, Method::POST, "/compute/IAD/v2.1/servers", Some(json!({"server": {"name": "vm", "imageRef": mine, "flavorRef": "1", "networks": "none"}}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["badRequest"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("region DFW")),
        "{:?}",
        r.body
    );
    let big = active_image(&app, &c, json!({"min_disk": 30}), &data).await;
    let r = boot(&app, &c, &big, "1").await;
    assert!(
        r.body["badRequest"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("disk is too small")),
        "{:?}",
        r.body
    );
    assert_eq!(boot(&app, &c, &big, "3").await.status, StatusCode::ACCEPTED);
    let hungry = active_image(&app, &c, json!({"min_ram": 4096}), &data).await;
    let r = boot(&app, &c, &hungry, "1").await;
    assert!(
        r.body["badRequest"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("memory is too small")),
        "{:?}",
        r.body
    );
    app.call(
        &c,
        Method::POST,
        &format!("/image/DFW/v2/images/{mine}/actions/deactivate"),
        None,
    )
    .await;
    let r = boot(&app, &c, &mine, "1").await;
    assert!(
        r.body["badRequest"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("deactivated")),
        "{:?}",
        r.body
    );
    let queued = create(&app, &c, json!({})).await;
    let r = boot(&app, &c, queued["id"].as_str().expect("id"), "1").await;
    assert!(
        r.body["badRequest"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not active")),
        "{:?}",
        r.body
    );
    let r = boot(&app, &c, &big, "nope").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn servers_are_listed_per_account_with_filters() {
    let app = TestApp::new().await;
    app.account("a", "1001", &["DFW"]).await;
    app.account("b", "1002", &["DFW"]).await;
    app.user("ua", "a", Role::Member).await;
    app.user("ub", "b", Role::Member).await;
    let (a, b) = (app.token("ua", "a").await, app.token("ub", "b").await);
    let image = active_image(&app, &a, json!({"visibility": "community"}), &[1, 2, 3]).await;
    for (token, name) in [(&a, "web-1"), (&a, "db-1"), (&b, "web-2")] {
        let r = app.call(token, Method::POST, SERVERS, Some(json!({"server": {"name": name, "imageRef": image, "flavorRef": "1", "networks": "auto"}}))).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    }
    let r = app
        .call(&a, Method::GET, &format!("{SERVERS}/detail"), None)
        .await;
    assert_eq!(r.body["servers"].as_array().map(Vec::len), Some(2));
    let r = app
        .call(&a, Method::GET, &format!("{SERVERS}/detail?name=web"), None)
        .await;
    assert_eq!(r.body["servers"].as_array().map(Vec::len), Some(1));
    let id = r.body["servers"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.call(&b, Method::GET, &format!("{SERVERS}/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&b, Method::DELETE, &format!("{SERVERS}/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
