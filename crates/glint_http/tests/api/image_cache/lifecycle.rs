//! What the cache holds over time: reads (whole and ranged) served from it, deleted images
//! leaving it (through this node and through another), and the size limit.

use axum::http::StatusCode;
use glint_core::Role;
use glint_core::image::ImageId;
use serde_json::json;

use super::{app_with_cache, cached_ids, queue_and_wait, state, wait_gone};
use crate::app::{Engine, TestApp, on_both_engines};
use crate::spec::Image;

on_both_engines!(
    reads_are_served_from_the_cache,
    a_deleted_image_leaves_the_cache,
    the_size_limit_removes_the_least_recently_used_image,
);

/// The image's file in the app's local store.
fn stored_file(app: &TestApp, image: &Image) -> std::path::PathBuf {
    app.blobs
        .path()
        .join(&image.region)
        .join("images")
        .join(&image.id)
}

async fn reads_are_served_from_the_cache(engine: Engine) {
    let Some(app) = app_with_cache(engine, 1 << 20).await else {
        return;
    };
    let alice = app.actor("alice", "acme", Role::Member).await;
    let admin = app.cloud_admin().await;
    let data: Vec<u8> = (0..40_000).map(|i| (i % 251) as u8).collect();
    let image = alice.upload_with(json!({}), data.clone()).await;
    queue_and_wait(&admin, &image.id).await;

    // With the store's file gone, only the cache can answer.
    std::fs::remove_file(stored_file(&app, &image)).expect("remove the stored file");
    assert_eq!(alice.download(&image).await, (StatusCode::OK, data.clone()));
    let (status, headers, body) = alice.download_range(&image, "bytes=1000-1999").await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &data[1000..2000])
    );
    assert_eq!(headers["content-range"], "bytes 1000-1999/40000");
    let (status, _, body) = alice.download_range(&image, "bytes=-10").await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::PARTIAL_CONTENT, &data[39_990..])
    );
    assert_eq!(state(&admin).await["cached_images"][0]["hits"], 3);

    // Who may not see the image still cannot download it, cached or not.
    let stranger = app.actor("bob", "beta", Role::Member).await;
    assert_eq!(stranger.download(&image).await.0, StatusCode::NOT_FOUND);
    assert_eq!(state(&admin).await["cached_images"][0]["hits"], 3);
}

async fn a_deleted_image_leaves_the_cache(engine: Engine) {
    let Some(app) = app_with_cache(engine, 1 << 20).await else {
        return;
    };
    let alice = app.actor("alice", "acme", Role::Member).await;
    let admin = app.cloud_admin().await;
    let here = alice.upload_with(json!({}), vec![1u8; 1500]).await;
    let elsewhere = alice.upload_with(json!({}), vec![2u8; 1500]).await;
    queue_and_wait(&admin, &here.id).await;
    queue_and_wait(&admin, &elsewhere.id).await;

    // Deleted through this node: gone at once.
    assert_eq!(alice.delete(&here).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        cached_ids(&state(&admin).await),
        std::slice::from_ref(&elsewhere.id)
    );
    assert_eq!(alice.download(&here).await.0, StatusCode::NOT_FOUND);

    // Deleted through another node (straight in the shared database): the sweep removes it,
    // and no download is served meanwhile.
    let id = ImageId::parse(&elsewhere.id).expect("id");
    let change = glint_db::events::Change::by_service(glint_core::Timestamp::now());
    assert!(
        glint_db::images::delete(&app.db, &id, &change)
            .await
            .expect("delete")
    );
    assert_eq!(alice.download(&elsewhere).await.0, StatusCode::NOT_FOUND);
    wait_gone(&admin, &elsewhere.id).await;
    let left: Vec<_> = std::fs::read_dir(
        app.cache_dir
            .as_ref()
            .expect("cache")
            .path()
            .join("data/DFW"),
    )
    .expect("cache folder")
    .collect();
    assert!(left.is_empty(), "no data left on disk: {left:?}");
}

async fn the_size_limit_removes_the_least_recently_used_image(engine: Engine) {
    let Some(app) = app_with_cache(engine, 2500).await else {
        return;
    };
    let alice = app.actor("alice", "acme", Role::Member).await;
    let admin = app.cloud_admin().await;
    let mut images = Vec::new();
    for byte in 0..3u8 {
        images.push(alice.upload_with(json!({}), vec![byte; 1000]).await);
    }
    let (a, b, c) = (&images[0], &images[1], &images[2]);
    queue_and_wait(&admin, &a.id).await;
    queue_and_wait(&admin, &b.id).await;
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    assert_eq!(alice.download(a).await, (StatusCode::OK, vec![0u8; 1000]));
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    queue_and_wait(&admin, &c.id).await;
    let mut left = cached_ids(&state(&admin).await);
    left.sort();
    let mut want = vec![a.id.clone(), c.id.clone()];
    want.sort();
    assert_eq!(left, want, "b, the least recently used, went");

    // An image larger than the whole cache is taken off the queue, not cached.
    let big = alice.upload_with(json!({}), vec![9u8; 3000]).await;
    let r = admin
        .call(
            axum::http::Method::PUT,
            &format!("{}/{}", super::CACHE, big.id),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    wait_gone(&admin, &big.id).await;
    assert_eq!(cached_ids(&state(&admin).await).len(), 2);
}
