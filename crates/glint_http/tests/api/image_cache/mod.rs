//! This node's image cache and Glance's cache API (`/v2/cache`): shapes and codes, admins only,
//! queue → prefetch → listed, removal and clearing, reads served from the cache, deleted
//! images leaving it, the size limit, and (over real S3, through a counting proxy) the second
//! download served without touching the store.

mod api;
mod lifecycle;
mod s3;
mod s3_proxy;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::app::{Engine, Setup, TestApp};
use crate::spec::Actor;

pub const CACHE: &str = "/image/DFW/v2/cache";

/// The app with a cache of `max_size` bytes on `engine` (`None`: no PostgreSQL configured).
async fn app_with_cache(engine: Engine, max_size: u64) -> Option<TestApp> {
    let setup = Setup {
        image_cache: Some(max_size),
        ..Setup::default()
    };
    let app = TestApp::on(engine, setup).await?;
    app.account("acme", "554433", &["DFW"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    Some(app)
}

/// `GET /v2/cache` as `admin` (200).
async fn state(admin: &Actor) -> Value {
    admin.get(CACHE).await.expect(StatusCode::OK)
}

/// The image ids listed as cached.
fn cached_ids(state: &Value) -> Vec<String> {
    state["cached_images"]
        .as_array()
        .expect("cached_images")
        .iter()
        .map(|c| c["image_id"].as_str().expect("image_id").to_owned())
        .collect()
}

/// Queues `id` (202) and waits until the cache lists it; the listing.
async fn queue_and_wait(admin: &Actor, id: &str) -> Value {
    let r = admin
        .call(Method::PUT, &format!("{CACHE}/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    wait_cached(admin, id).await
}

/// Waits until the cache lists `id`; the listing.
async fn wait_cached(admin: &Actor, id: &str) -> Value {
    for _ in 0..500 {
        let listed = state(admin).await;
        if cached_ids(&listed).iter().any(|c| c == id) {
            return listed;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("image {id} was never cached");
}

/// Waits until the cache no longer lists `id` (cached or queued).
async fn wait_gone(admin: &Actor, id: &str) {
    for _ in 0..500 {
        let listed = state(admin).await;
        let queued = listed["queued_images"].to_string();
        if !cached_ids(&listed).iter().any(|c| c == id) && !queued.contains(id) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("image {id} stayed in the cache");
}
