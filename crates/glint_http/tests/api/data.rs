//! Image data: upload with size and both hashes, download whole and by range, the status
//! machine around uploads, the size cap, deactivation, and glance-direct import.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::spec::worlds::two_accounts;
use crate::spec::{OCTET, md5_hex, pattern, sha512_hex};

#[tokio::test]
async fn upload_then_download_with_hashes_and_ranges() {
    let (_app, alice, rita, bob) = two_accounts().await;
    let image = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    let (status, body) = alice.download(&image).await;
    assert_eq!(
        (status, body.len()),
        (StatusCode::NO_CONTENT, 0),
        "no data yet"
    );
    let bytes = pattern(300_000);
    assert_eq!(
        alice.put_file(&image, bytes.clone()).await,
        StatusCode::NO_CONTENT
    );
    let shown = alice.image(&image).await;
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["size"], 300_000);
    assert_eq!(shown["virtual_size"], 300_000);
    assert_eq!(shown["checksum"], md5_hex(&bytes));
    assert_eq!(shown["os_hash_algo"], "sha512");
    assert_eq!(shown["os_hash_value"], sha512_hex(&bytes));

    let (status, headers, body) = alice.raw(Method::GET, &image.file(), &[], vec![]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, bytes);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("content-md5"), shown["checksum"].as_str());
    assert_eq!(header("content-type"), Some("application/octet-stream"));
    let (status, headers, body) = alice.download_range(&image, "bytes=10-19").await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, bytes[10..20]);
    assert_eq!(
        headers.get("content-range").and_then(|v| v.to_str().ok()),
        Some("bytes 10-19/300000")
    );
    let (_, _, tail) = alice.download_range(&image, "bytes=-5").await;
    assert_eq!(tail, bytes[bytes.len() - 5..]);
    for (range, want) in [
        ("bytes=300000-", StatusCode::RANGE_NOT_SATISFIABLE),
        ("bytes=0-1,5-6", StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(alice.download_range(&image, range).await.0, want, "{range}");
    }
    // A reader may see the image but not download; a stranger gets 404.
    assert_eq!(rita.download(&image).await.0, StatusCode::FORBIDDEN);
    assert_eq!(bob.download(&image).await.0, StatusCode::NOT_FOUND);
    // A second upload is refused and keeps the data.
    assert_eq!(
        alice.put_file(&image, vec![1, 2, 3]).await,
        StatusCode::CONFLICT
    );
    assert_eq!(alice.download(&image).await.1, bytes);
}

#[tokio::test]
async fn uploads_need_formats_octet_stream_and_room() {
    let (_app, alice, _, _) = two_accounts().await;
    let bare = alice.create(json!({})).await;
    assert_eq!(
        alice.put_file(&bare, vec![1]).await,
        StatusCode::BAD_REQUEST,
        "formats must be set first"
    );
    let image = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    let text = [("content-type", "text/plain")];
    let (status, _, _) = alice.raw(Method::PUT, &image.file(), &text, vec![1]).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The test app's size cap is 1 MiB: a larger body fails, and the image stays queued.
    assert_eq!(
        alice.put_file(&image, pattern((1 << 20) + 1)).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let declared = [OCTET, ("x-openstack-image-size", "99999999")];
    let (status, _, _) = alice
        .raw(Method::PUT, &image.file(), &declared, vec![1])
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(alice.status_of(&image).await, "queued");
    assert_eq!(
        alice.put_file(&image, pattern(10)).await,
        StatusCode::NO_CONTENT,
        "a retry after a failure succeeds"
    );
}

#[tokio::test]
async fn deactivated_images_cannot_be_downloaded_except_by_the_admin() {
    let (app, alice, _, _) = two_accounts().await;
    let image = alice.upload_with(json!({}), pattern(1024)).await;
    let r = alice.act(&image, "deactivate").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(alice.status_of(&image).await, "deactivated");
    assert_eq!(alice.download(&image).await.0, StatusCode::FORBIDDEN);
    let (status, body) = app.cloud_admin().await.download(&image).await;
    assert_eq!((status, body.len()), (StatusCode::OK, 1024));
    let r = alice.act(&image, "reactivate").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(alice.download(&image).await.0, StatusCode::OK);
}

#[tokio::test]
async fn deleting_an_image_removes_its_data() {
    let (app, alice, _, _) = two_accounts().await;
    let image = alice.upload_with(json!({}), pattern(2048)).await;
    let folder = app.blobs.path().join("DFW");
    let count = || walk(&folder);
    assert_eq!(count(), 1);
    assert_eq!(alice.delete(&image).await.status, StatusCode::NO_CONTENT);
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
    let (_app, alice, _, _) = two_accounts().await;
    let image = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    let import = format!("{}/import", image.uri());
    let glance_direct = json!({"method": {"name": "glance-direct"}});
    let r = alice
        .call(Method::POST, &import, Some(glance_direct.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "must be staged first");
    let bytes = pattern(5000);
    assert_eq!(
        alice.stage(&image, bytes.clone()).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(alice.status_of(&image).await, "uploading");
    for bad in [json!({"method": {"name": "web-download"}}), json!({})] {
        let r = alice.call(Method::POST, &import, Some(bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    let r = alice.call(Method::POST, &import, Some(glance_direct)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    alice.wait_for(&image.uri(), "/status", "active").await;
    assert_eq!(alice.download(&image).await.1, bytes);
    let info = alice.get("/image/DFW/v2/info/import").await;
    assert_eq!(
        info.body["import-methods"]["value"],
        json!(["glance-direct", "web-download", "copy-image"])
    );
}
