//! The image data paths over a real S3-compatible store (SeaweedFS in the test command): upload
//! with both hashes, ranged download, glance-direct import, a server's disk and createImage.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::json;

use crate::app::TestApp;
use crate::spec::{SERVERS, md5_hex};

#[tokio::test]
async fn image_data_round_trips_through_s3() {
    let Some(app) = TestApp::on_s3().await else {
        return;
    };
    app.account("acme", "554433", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let data: Vec<u8> = (0..700_000).map(|i| (i % 241) as u8).collect();
    let md5 = md5_hex(&data);

    let image = alice.upload_with(json!({}), data.clone()).await;
    assert_eq!(alice.image(&image).await["checksum"], md5);
    assert_eq!(alice.download(&image).await.1, data);
    let (status, _, body) = alice.download_range(&image, "bytes=100-199").await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &data[100..200])
    );

    let staged = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    alice.stage(&staged, data.clone()).await;
    let import = format!("{}/import", staged.uri());
    let glance_direct = json!({"method": {"name": "glance-direct"}});
    let r = alice.call(Method::POST, &import, Some(glance_direct)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let activated = alice.wait_for(&staged.uri(), "/status", "active").await;
    assert_eq!(activated["checksum"], md5);

    let server = format!("{SERVERS}/{}", alice.server(&image.id).await);
    let r = alice.save_server(&server, json!({"name": "saved"})).await;
    let saved = format!(
        "/image/DFW/v2/images/{}",
        r.body["image_id"].as_str().expect("image_id")
    );
    assert_eq!(
        alice.wait_for(&saved, "/status", "active").await["checksum"],
        md5
    );

    assert_eq!(alice.delete(&image).await.status, StatusCode::NO_CONTENT);
    let r = alice.call(Method::DELETE, &server, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
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
    let alice = app.actor("alice", "acme", Role::Member).await;
    let (image, status, body) = alice.try_upload("qcow2", bytes).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let inspection = format!("{}/glint-inspection", image.uri());
    let report = alice.wait_for(&inspection, "/status", "complete").await;
    assert_eq!(report["detected_format"], "qcow2");
    assert_eq!(
        report["warnings"],
        json!(["uid 0 account ops", "user ops has an empty password"])
    );
}
