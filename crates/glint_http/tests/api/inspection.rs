//! Format checks through the API: data in another format than its `disk_format`, or unsafe, is
//! refused with 415 and nothing is stored; `virtual_size` comes from the format's header and
//! bounds the flavors a server may use. Test images are built with qemu-img (skipped without
//! it unless GLINT_INSPECT_REQUIRE_TOOLS=1).

use std::path::Path;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use glint_testkit::disk_images::{self, have_tools, path_str, run};
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::spec::{Actor, OCTET, pattern};

pub(crate) async fn app_with_room() -> (TestApp, Actor, Actor, Actor) {
    let app = TestApp::with_image_settings(|s| {
        s.limits.size_cap = 64 << 20;
        s.node_id = "node-1".into();
    })
    .await;
    accounts(app).await
}

/// Accounts acme (554433), beta (112233) and gamma (778899) in DFW, with a member each: alice,
/// bob and eve.
pub(crate) async fn accounts(app: TestApp) -> (TestApp, Actor, Actor, Actor) {
    app.account("acme", "554433", &["DFW"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    app.account("gamma", "778899", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let bob = app.actor("bob", "beta", Role::Member).await;
    let eve = app.actor("eve", "gamma", Role::Member).await;
    (app, alice, bob, eve)
}

fn qemu_img_create(dir: &Path, name: &str, format: &str, size: &str, extra: &[&str]) -> Vec<u8> {
    let path = dir.join(name);
    let mut args = vec!["create", "-q", "-f", format];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[path_str(&path), size]);
    run("qemu-img", &args);
    std::fs::read(&path).expect("read image")
}

#[tokio::test]
async fn data_in_another_format_is_refused_with_415_and_nothing_is_stored() {
    if !have_tools("upload format checks", &["qemu-img"]) {
        return;
    }
    let dir = disk_images::scratch();
    let qcow2 = qemu_img_create(dir.path(), "a.qcow2", "qcow2", "64M", &[]);
    let (_app, alice, _, _) = app_with_room().await;

    let (image, status, body) = alice.try_upload("raw", qcow2.clone()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(
        body.contains("Image disk_format raw does not match stream data qcow2"),
        "{body}"
    );
    let shown = alice.image(&image).await;
    assert_eq!(
        (shown["status"].as_str(), &shown["size"]),
        (Some("queued"), &Value::Null)
    );
    let (status, _) = alice.download(&image).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "nothing stored");

    let (_, status, body) = alice.try_upload("qcow2", pattern(200_000)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(body.contains("qcow2"), "{body}");

    // The same qcow2 declared as what it is goes in, with the header's virtual size.
    let (image, status, body) = alice.try_upload("qcow2", qcow2.clone()).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let shown = alice.image(&image).await;
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["size"], qcow2.len());
    assert_eq!(shown["virtual_size"], 64 << 20);
}

#[tokio::test]
async fn unsafe_images_are_refused_even_when_formats_need_not_match() {
    if !have_tools("unsafe uploads", &["qemu-img"]) {
        return;
    }
    let dir = disk_images::scratch();
    qemu_img_create(dir.path(), "base.qcow2", "qcow2", "16M", &[]);
    let base = dir.path().join("base.qcow2");
    let child = qemu_img_create(
        dir.path(),
        "child.qcow2",
        "qcow2",
        "16M",
        &["-b", path_str(&base), "-F", "qcow2"],
    );
    let lenient = TestApp::with_image_settings(|s| s.require_format_match = false).await;
    let (_app, alice, _, _) = accounts(lenient).await;
    let (image, status, body) = alice.try_upload("qcow2", child).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert!(body.contains("backing file"), "the reason is given: {body}");
    let shown = alice.image(&image).await;
    assert_eq!(shown["status"], "queued");

    // With matching off, random bytes declared qcow2 are kept, without a virtual size.
    let (image, status, body) = alice.try_upload("qcow2", vec![3; 5000]).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let shown = alice.image(&image).await;
    assert_eq!(
        (shown["size"].as_i64(), &shown["virtual_size"]),
        (Some(5000), &Value::Null)
    );
}

#[tokio::test]
async fn virtual_size_comes_from_qcow2_and_vmdk_headers() {
    if !have_tools("virtual sizes", &["qemu-img"]) {
        return;
    }
    let dir = disk_images::scratch();
    let (_app, alice, _, _) = app_with_room().await;
    for (format, size, bytes) in [
        (
            "qcow2",
            1_u64 << 30,
            qemu_img_create(dir.path(), "v.qcow2", "qcow2", "1G", &[]),
        ),
        (
            "vmdk",
            48 << 20,
            qemu_img_create(dir.path(), "v.vmdk", "vmdk", "48M", &[]),
        ),
        (
            "vmdk",
            40 << 20,
            qemu_img_create(
                dir.path(),
                "s.vmdk",
                "vmdk",
                "40M",
                &["-o", "subformat=streamOptimized"],
            ),
        ),
    ] {
        let (image, status, body) = alice.try_upload(format, bytes).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{format}: {body}");
        let shown = alice.image(&image).await;
        assert_eq!(shown["virtual_size"], size, "{format}");
    }
}

#[tokio::test]
async fn staged_data_in_another_format_is_refused() {
    if !have_tools("staging format checks", &["qemu-img"]) {
        return;
    }
    let dir = disk_images::scratch();
    let qcow2 = qemu_img_create(dir.path(), "a.qcow2", "qcow2", "8M", &[]);
    let (_app, alice, _, _) = app_with_room().await;
    let image = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    let headers = [OCTET, ("accept", "application/json")];
    let uri = format!("{}/stage", image.uri());
    let (status, _, body) = alice.raw(Method::PUT, &uri, &headers, qcow2).await;
    assert_eq!(
        status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let shown = alice.image(&image).await;
    assert_eq!(shown["status"], "queued");
}

#[tokio::test]
async fn a_server_needs_a_flavor_disk_as_large_as_the_virtual_size() {
    if !have_tools("virtual size against flavors", &["qemu-img"]) {
        return;
    }
    let dir = disk_images::scratch();
    let big = qemu_img_create(dir.path(), "big.qcow2", "qcow2", "30G", &[]);
    let (_app, alice, _, _) = app_with_room().await;
    let (image, status, body) = alice.try_upload("qcow2", big).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // m1.small has 20 GiB: the 30 GiB disk does not fit, whatever the file's size.
    let r = alice.boot(&image.id, "2").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    r.assert_says("/badRequest/message", "virtual size is 32212254720 bytes");
    // m1.medium has 40 GiB.
    let r = alice.boot(&image.id, "3").await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
}
