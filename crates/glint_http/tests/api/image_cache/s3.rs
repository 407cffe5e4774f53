//! The cache over a real S3-compatible store (SeaweedFS in the test command), with a counting
//! proxy between Glint and the store: the first whole download reads S3 and fills the cache;
//! later downloads, whole or ranged, make no request to S3 at all and return the same bytes.

use axum::http::StatusCode;
use glint_core::Role;
use serde_json::json;

use super::s3_proxy::{CountingProxy, through};
use super::{cached_ids, state, wait_cached};
use crate::app::{Engine, Setup, TestApp, on_both_engines};
use crate::spec::{Actor, md5_hex};

on_both_engines!(
    the_cache_serves_the_second_download_without_touching_s3,
    concurrent_downloads_of_one_uncached_image_make_one_intact_entry,
);

/// The app on S3 behind a counting proxy, with a 16 MiB cache; `None` when no S3 store (or,
/// on PostgreSQL, no database) is configured.
async fn app_on_s3(engine: Engine) -> Option<(TestApp, CountingProxy)> {
    let Ok(url) = std::env::var("GLINT_TEST_S3_URL") else {
        assert!(
            std::env::var("GLINT_REQUIRE_S3").as_deref() != Ok("1"),
            "GLINT_REQUIRE_S3=1 but GLINT_TEST_S3_URL is not set"
        );
        eprintln!("skipping: GLINT_TEST_S3_URL is not set");
        return None;
    };
    let (upstream, _) = through(&url, "127.0.0.1:1".parse().expect("address"));
    let proxy = CountingProxy::start(upstream).await;
    let (_, proxied) = through(&url, proxy.addr);
    let setup = Setup {
        store_url: Some(proxied),
        image_cache: Some(16 << 20),
        ..Setup::default()
    };
    let app = TestApp::on(engine, setup).await?;
    // The trust report reads new images from the store in the background; without it, every
    // request the proxy sees for an image is a download's.
    let app = app.without_report_worker();
    app.account("acme", "554433", &["DFW"]).await;
    Some((app, proxy))
}

fn image_data() -> Vec<u8> {
    (0..700_000u32).map(|i| (i * 7 % 253) as u8).collect()
}

async fn the_cache_serves_the_second_download_without_touching_s3(engine: Engine) {
    let Some((app, proxy)) = app_on_s3(engine).await else {
        return;
    };
    let alice = app.actor("alice", "acme", Role::Member).await;
    let admin = app.cloud_admin().await;
    let data = image_data();
    let image = alice.upload_with(json!({}), data.clone()).await;
    assert_eq!(alice.image(&image).await["checksum"], md5_hex(&data));

    // A range of an uncached image comes from S3 and caches nothing.
    let before = proxy.object_gets(&image.id);
    let (status, _, body) = alice.download_range(&image, "bytes=0-99").await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &data[..100])
    );
    assert!(
        proxy.object_gets(&image.id) > before,
        "the range was read from S3"
    );

    let before = proxy.object_gets(&image.id);
    assert_eq!(alice.download(&image).await, (StatusCode::OK, data.clone()));
    assert!(
        proxy.object_gets(&image.id) > before,
        "the first download read S3"
    );
    wait_cached(&admin, &image.id).await;

    let seen = proxy.naming(&image.id).len();
    let (status, second) = alice.download(&image).await;
    assert_eq!(status, StatusCode::OK);
    assert!(second == data, "the second download returns the same bytes");
    let (status, headers, body) = alice.download_range(&image, "bytes=500000-").await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &data[500_000..])
    );
    assert_eq!(headers["content-range"], "bytes 500000-699999/700000");
    assert_eq!(
        proxy.naming(&image.id)[seen..],
        [],
        "no request for the image reached S3 once it was cached"
    );
    assert_eq!(state(&admin).await["cached_images"][0]["hits"], 2);
}

async fn concurrent_downloads_of_one_uncached_image_make_one_intact_entry(engine: Engine) {
    let Some((app, proxy)) = app_on_s3(engine).await else {
        return;
    };
    let alice = app.actor("alice", "acme", Role::Member).await;
    let admin = app.cloud_admin().await;
    let data = image_data();
    let image = alice.upload_with(json!({}), data.clone()).await;

    let downloads = (0..6).map(|_| download(&alice, &image));
    for (status, body) in futures::future::join_all(downloads).await {
        assert_eq!(status, StatusCode::OK);
        assert!(body == data, "every concurrent download is whole");
    }
    let listed = wait_cached(&admin, &image.id).await;
    assert_eq!(cached_ids(&listed), std::slice::from_ref(&image.id));
    assert_eq!(listed["cached_images"][0]["size"], 700_000);
    let folder = app
        .cache_dir
        .as_ref()
        .expect("cache")
        .path()
        .join("data/DFW");
    let files: Vec<String> = std::fs::read_dir(&folder)
        .expect("cache folder")
        .map(|f| f.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files,
        std::slice::from_ref(&image.id),
        "one entry, no temp file left"
    );
    assert!(std::fs::read(folder.join(&image.id)).expect("entry") == data);

    let seen = proxy.naming(&image.id).len();
    assert!(download(&alice, &image).await.1 == data);
    assert_eq!(proxy.naming(&image.id).len(), seen, "served from the cache");
}

async fn download(alice: &Actor, image: &crate::spec::Image) -> (StatusCode, Vec<u8>) {
    alice.download(image).await
}
