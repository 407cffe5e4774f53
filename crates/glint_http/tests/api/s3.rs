//! The image data paths over a real S3-compatible store (SeaweedFS in the test command): upload
//! with both hashes, ranged download, glance-direct import, a server's disk and createImage.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use md5::Digest;
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::images::create;

const OCTET: (&str, &str) = ("content-type", "application/octet-stream");

async fn until(app: &TestApp, token: &str, uri: &str, pointer: &str, want: &str) -> Value {
    for _ in 0..500 {
        let body = app.call(token, Method::GET, uri, None).await.body;
        if body.pointer(pointer).and_then(Value::as_str) == Some(want) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{uri} never reached {pointer} = {want}");
}

#[tokio::test]
async fn image_data_round_trips_through_s3() {
    let Some(app) = TestApp::on_s3().await else {
        return;
    };
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    let alice = app.token("alice", "acme").await;
    let data: Vec<u8> = (0..700_000).map(|i| (i % 241) as u8).collect();
    let md5: String = md5::Md5::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    let image = create(
        &app,
        &alice,
        json!({"disk_format": "raw", "container_format": "bare"}),
    )
    .await;
    let uri = format!("/image/DFW/v2/images/{}", image["id"].as_str().expect("id"));
    let (status, _, _) = app
        .raw(
            &alice,
            Method::PUT,
            &format!("{uri}/file"),
            &[OCTET],
            data.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.call(&alice, Method::GET, &uri, None).await.body["checksum"],
        md5
    );
    let (_, _, body) = app
        .raw(&alice, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!(body, data);
    let (status, _, body) = app
        .raw(
            &alice,
            Method::GET,
            &format!("{uri}/file"),
            &[("range", "bytes=100-199")],
            vec![],
        )
        .await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &data[100..200])
    );

    let staged = create(
        &app,
        &alice,
        json!({"disk_format": "raw", "container_format": "bare"}),
    )
    .await;
    let staged_uri = format!(
        "/image/DFW/v2/images/{}",
        staged["id"].as_str().expect("id")
    );
    app.raw(
        &alice,
        Method::PUT,
        &format!("{staged_uri}/stage"),
        &[OCTET],
        data.clone(),
    )
    .await;
    let r = app
        .call(
            &alice,
            Method::POST,
            &format!("{staged_uri}/import"),
            Some(json!({"method": {"name": "glance-direct"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(
        until(&app, &alice, &staged_uri, "/status", "active").await["checksum"],
        md5
    );

    let r = app.call(&alice, Method::POST, "/compute/DFW/v2.1/servers", Some(json!({"server": {"name": "vm", "imageRef": image["id"], "flavorRef": "1", "networks": "none"}}))).await;
    let server = format!(
        "/compute/DFW/v2.1/servers/{}",
        r.body["server"]["id"].as_str().expect("id")
    );
    until(&app, &alice, &server, "/server/status", "ACTIVE").await;
    let r = app
        .request(
            Method::POST,
            &format!("{server}/action"),
            &[
                ("x-auth-token", &alice),
                ("openstack-api-version", "compute 2.45"),
            ],
            Some(json!({"createImage": {"name": "saved"}})),
        )
        .await;
    let saved = format!(
        "/image/DFW/v2/images/{}",
        r.body["image_id"].as_str().expect("image_id")
    );
    assert_eq!(
        until(&app, &alice, &saved, "/status", "active").await["checksum"],
        md5
    );

    assert_eq!(
        app.call(&alice, Method::DELETE, &uri, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(&alice, Method::DELETE, &server, None).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trust_report_reads_a_qcow2_image_from_s3() {
    use glint_testkit::disk_images::{self, have_tools, mkfs, qcow2_of, write_tree};
    if !have_tools("trust report over S3", &["mkfs.ext4", "qemu-img"]) {
        return;
    }
    let Some(app) = TestApp::on_s3().await else {
        return;
    };
    let dir = disk_images::scratch();
    let tree = dir.path().join("tree");
    write_tree(
        &tree,
        &[
            (
                "etc/passwd",
                "root:x:0:0::/root:/bin/bash\nops:x:0:0::/home/ops:/bin/sh\n",
            ),
            ("etc/shadow", "root:*:1::::::\nops::1::::::\n"),
        ],
    );
    mkfs(&tree, &dir.path().join("fs.ext4"), 8);
    qcow2_of(
        &dir.path().join("fs.ext4"),
        &dir.path().join("fs.qcow2"),
        &[],
    );
    let bytes = std::fs::read(dir.path().join("fs.qcow2")).expect("qcow2");
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    let alice = app.token("alice", "acme").await;
    let (uri, status, body) = crate::inspection::upload(&app, &alice, "qcow2", bytes).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let report = until(
        &app,
        &alice,
        &format!("{uri}/glint-inspection"),
        "/status",
        "complete",
    )
    .await;
    assert_eq!(report["detected_format"], "qcow2");
    assert_eq!(
        report["warnings"],
        json!(["uid 0 account ops", "user ops has an empty password"])
    );
}
