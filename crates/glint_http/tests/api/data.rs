//! Image data: upload with size and both hashes, download whole and by range, the status
//! machine around uploads, the size cap, deactivation, and glance-direct import.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use md5::Digest;
use serde_json::json;

use crate::app::TestApp;
use crate::images::{create, two_accounts};

const OCTET: (&str, &str) = ("content-type", "application/octet-stream");

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

async fn raw_image(app: &TestApp, token: &str) -> String {
    let image = create(
        app,
        token,
        json!({"disk_format": "raw", "container_format": "bare"}),
    )
    .await;
    format!("/image/DFW/v2/images/{}", image["id"].as_str().expect("id"))
}

#[tokio::test]
async fn upload_then_download_with_hashes_and_ranges() {
    let (app, alice, rita, bob) = two_accounts().await;
    let uri = raw_image(&app, &alice).await;
    let (status, _, body) = app
        .raw(&alice, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!(
        (status, body.len()),
        (StatusCode::NO_CONTENT, 0),
        "no data yet"
    );
    let bytes = data(300_000);
    let (status, _, _) = app
        .raw(
            &alice,
            Method::PUT,
            &format!("{uri}/file"),
            &[OCTET],
            bytes.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let image = app.call(&alice, Method::GET, &uri, None).await.body;
    assert_eq!(image["status"], "active");
    assert_eq!(image["size"], 300_000);
    assert_eq!(image["virtual_size"], 300_000);
    assert_eq!(image["checksum"], hex(&md5::Md5::digest(&bytes)));
    assert_eq!(image["os_hash_algo"], "sha512");
    assert_eq!(image["os_hash_value"], hex(&sha2::Sha512::digest(&bytes)));

    let (status, headers, body) = app
        .raw(&alice, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, bytes);
    assert_eq!(
        headers.get("content-md5").and_then(|v| v.to_str().ok()),
        image["checksum"].as_str()
    );
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/octet-stream")
    );
    let (status, headers, body) = app
        .raw(
            &alice,
            Method::GET,
            &format!("{uri}/file"),
            &[("range", "bytes=10-19")],
            vec![],
        )
        .await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, bytes[10..20]);
    assert_eq!(
        headers.get("content-range").and_then(|v| v.to_str().ok()),
        Some("bytes 10-19/300000")
    );
    let (_, _, tail) = app
        .raw(
            &alice,
            Method::GET,
            &format!("{uri}/file"),
            &[("range", "bytes=-5")],
            vec![],
        )
        .await;
    assert_eq!(tail, bytes[bytes.len() - 5..]);
    let (status, _, _) = app
        .raw(
            &alice,
            Method::GET,
            &format!("{uri}/file"),
            &[("range", "bytes=300000-")],
            vec![],
        )
        .await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    let (status, _, _) = app
        .raw(
            &alice,
            Method::GET,
            &format!("{uri}/file"),
            &[("range", "bytes=0-1,5-6")],
            vec![],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A reader may see the image but not download; a stranger gets 404.
    let (status, _, _) = app
        .raw(&rita, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app
        .raw(&bob, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A second upload is refused and keeps the data.
    let (status, _, _) = app
        .raw(
            &alice,
            Method::PUT,
            &format!("{uri}/file"),
            &[OCTET],
            vec![1, 2, 3],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, _, body) = app
        .raw(&alice, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!(body, bytes);
}

#[tokio::test]
async fn uploads_need_formats_octet_stream_and_room() {
    let (app, alice, _, _) = two_accounts().await;
    let bare = create(&app, &alice, json!({})).await;
    let bare_uri = format!("/image/DFW/v2/images/{}", bare["id"].as_str().expect("id"));
    let (status, _, _) = app
        .raw(
            &alice,
            Method::PUT,
            &format!("{bare_uri}/file"),
            &[OCTET],
            vec![1],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "formats must be set first");
    let uri = raw_image(&app, &alice).await;
    let (status, _, _) = app
        .raw(
            &alice,
            Method::PUT,
            &format!("{uri}/file"),
            &[("content-type", "text/plain")],
            vec![1],
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The test app's size cap is 1 MiB: a larger body fails, and the image stays queued.
    let (status, _, _) = app
        .raw(
            &alice,
            Method::PUT,
            &format!("{uri}/file"),
            &[OCTET],
            data((1 << 20) + 1),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, _) = app
        .raw(
            &alice,
            Method::PUT,
            &format!("{uri}/file"),
            &[OCTET, ("x-openstack-image-size", "99999999")],
            vec![1],
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        app.call(&alice, Method::GET, &uri, None).await.body["status"],
        "queued"
    );
    let (status, _, _) = app
        .raw(
            &alice,
            Method::PUT,
            &format!("{uri}/file"),
            &[OCTET],
            data(10),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "a retry after a failure succeeds"
    );
}

#[tokio::test]
async fn deactivated_images_cannot_be_downloaded_except_by_the_admin() {
    let (app, alice, _, _) = two_accounts().await;
    let uri = raw_image(&app, &alice).await;
    app.raw(
        &alice,
        Method::PUT,
        &format!("{uri}/file"),
        &[OCTET],
        data(1024),
    )
    .await;
    assert_eq!(
        app.call(
            &alice,
            Method::POST,
            &format!("{uri}/actions/deactivate"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(&alice, Method::GET, &uri, None).await.body["status"],
        "deactivated"
    );
    let (status, _, _) = app
        .raw(&alice, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let admin = app.token("admin", "admin").await;
    let (status, _, body) = app
        .raw(&admin, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!((status, body.len()), (StatusCode::OK, 1024));
    assert_eq!(
        app.call(
            &alice,
            Method::POST,
            &format!("{uri}/actions/reactivate"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let (status, _, _) = app
        .raw(&alice, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn deleting_an_image_removes_its_data() {
    let (app, alice, _, _) = two_accounts().await;
    let uri = raw_image(&app, &alice).await;
    app.raw(
        &alice,
        Method::PUT,
        &format!("{uri}/file"),
        &[OCTET],
        data(2048),
    )
    .await;
    let folder = app.blobs.path().join("DFW");
    let count = || walk(&folder);
    assert_eq!(count(), 1);
    assert_eq!(
        app.call(&alice, Method::DELETE, &uri, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(count(), 0);
}

fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[tokio::test]
async fn glance_direct_import_stages_then_activates() {
    let (app, alice, _, _) = two_accounts().await;
    let uri = raw_image(&app, &alice).await;
    let r = app
        .call(
            &alice,
            Method::POST,
            &format!("{uri}/import"),
            Some(json!({"method": {"name": "glance-direct"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "must be staged first");
    let bytes = data(5000);
    let (status, _, _) = app
        .raw(
            &alice,
            Method::PUT,
            &format!("{uri}/stage"),
            &[OCTET],
            bytes.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.call(&alice, Method::GET, &uri, None).await.body["status"],
        "uploading"
    );
    let r = app
        .call(
            &alice,
            Method::POST,
            &format!("{uri}/import"),
            Some(json!({"method": {"name": "web-download"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .call(
            &alice,
            Method::POST,
            &format!("{uri}/import"),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .call(
            &alice,
            Method::POST,
            &format!("{uri}/import"),
            Some(json!({"method": {"name": "glance-direct"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let mut status = String::new();
    for _ in 0..200 {
        status = app.call(&alice, Method::GET, &uri, None).await.body["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if status == "active" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, "active");
    let (_, _, body) = app
        .raw(&alice, Method::GET, &format!("{uri}/file"), &[], vec![])
        .await;
    assert_eq!(body, bytes);
    let info = app
        .call(&alice, Method::GET, "/image/DFW/v2/info/import", None)
        .await;
    assert_eq!(
        info.body["import-methods"]["value"],
        json!(["glance-direct"])
    );
}
