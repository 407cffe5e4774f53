//! Concurrent changes to the same images, on SQLite and PostgreSQL: 64 clients add their own
//! properties and tags, increment their own counter property by read-modify-write, and share
//! the images, all at once. Every acknowledged change must survive (no lost update) and no
//! request may answer 5xx.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::app::{TestApp, TestResponse};
use crate::concurrency::producer_and_consumers;
use crate::spec::{V20, V21};

const CLIENTS: usize = 64;
const IMAGES: usize = 4;
const PROPERTIES_EACH: usize = 2;
const TAGS_EACH: usize = 2;
const INCREMENTS_EACH: usize = 4;

struct World {
    app: TestApp,
    producer: String,
    consumers: Vec<String>,
    images: Vec<String>,
    server_errors: AtomicU64,
    requests: AtomicU64,
}

impl World {
    fn image_of(&self, client: usize) -> &str {
        &self.images[client % IMAGES]
    }

    fn count(&self, r: &TestResponse) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if r.status.is_server_error() {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
            eprintln!("5xx: {} {:?}", r.status, r.body);
        }
    }

    async fn patch(&self, client: usize, media: &str, ops: serde_json::Value) -> TestResponse {
        let uri = format!("/image/DFW/v2/images/{}", self.image_of(client));
        let r = self.app.patch(&self.producer, &uri, media, ops).await;
        self.count(&r);
        r
    }

    async fn call(&self, token: &str, method: Method, uri: &str, body: Option<serde_json::Value>) {
        let r = self.app.call(token, method, uri, body).await;
        self.count(&r);
    }
}

async fn world(app: TestApp) -> Arc<World> {
    let (producer, consumers, images) = producer_and_consumers(&app, 8, IMAGES).await;
    Arc::new(World {
        app,
        producer,
        consumers,
        images,
        server_errors: AtomicU64::new(0),
        requests: AtomicU64::new(0),
    })
}

/// What one client did and had acknowledged.
struct Acknowledged {
    client: usize,
    properties: Vec<String>,
    tags: Vec<String>,
    increments: u64,
}

async fn client(w: Arc<World>, client: usize) -> Acknowledged {
    let mut done = Acknowledged {
        client,
        properties: Vec::new(),
        tags: Vec::new(),
        increments: 0,
    };
    let image_uri = format!("/image/DFW/v2/images/{}", w.image_of(client));
    let counter = format!("counter_{client}");
    let r = w
        .patch(
            client,
            V21,
            json!([{"op": "add", "path": format!("/{counter}"), "value": "0"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    for k in 0..PROPERTIES_EACH.max(TAGS_EACH).max(INCREMENTS_EACH) {
        if k < PROPERTIES_EACH {
            let name = format!("p_{client}_{k}");
            // Both media types: v2.1 names the operation in `op`, v2.0 as the key.
            let path = format!("/{name}");
            let r = if k % 2 == 0 {
                w.patch(
                    client,
                    V21,
                    json!([{"op": "add", "path": path, "value": "x"}]),
                )
                .await
            } else {
                w.patch(client, V20, json!([{"add": path, "value": "x"}]))
                    .await
            };
            if r.status == StatusCode::OK {
                done.properties.push(name);
            }
        }
        if k < TAGS_EACH {
            let tag = format!("t_{client}_{k}");
            let r = w
                .app
                .call(
                    &w.producer,
                    Method::PUT,
                    &format!("{image_uri}/tags/{tag}"),
                    None,
                )
                .await;
            w.count(&r);
            if r.status == StatusCode::NO_CONTENT {
                done.tags.push(tag);
            }
        }
        if k < INCREMENTS_EACH {
            let r = w.app.call(&w.producer, Method::GET, &image_uri, None).await;
            w.count(&r);
            // A counter that went missing reads as 0; the check at the end counts it as lost.
            let now: u64 = r.body[&counter]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let r = w
                .patch(
                    client,
                    V21,
                    json!([{"op": "replace", "path": format!("/{counter}"), "value": (now + 1).to_string()}]),
                )
                .await;
            if r.status == StatusCode::OK {
                done.increments += 1;
            }
        }
        // Sharing traffic on the same images meanwhile.
        let consumer = client % w.consumers.len();
        let members = format!("{image_uri}/members");
        let member = format!("{}", 3000 + consumer);
        match k % 3 {
            0 => {
                w.call(
                    &w.producer,
                    Method::POST,
                    &members,
                    Some(json!({"member": member})),
                )
                .await
            }
            1 => {
                w.call(
                    &w.consumers[consumer],
                    Method::PUT,
                    &format!("{members}/{member}"),
                    Some(json!({"status": "accepted"})),
                )
                .await
            }
            _ => {
                w.call(&w.producer, Method::GET, &members, None).await;
            }
        }
    }
    done
}

async fn run(app: TestApp, engine: &str) {
    let w = world(app).await;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| tokio::spawn(client(Arc::clone(&w), c)))
        .collect();
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.push(t.await.expect("client"));
    }
    let mut lost = 0u64;
    let mut acked = 0u64;
    for done in &acknowledged {
        let uri = format!("/image/DFW/v2/images/{}", w.image_of(done.client));
        let image = w.app.call(&w.producer, Method::GET, &uri, None).await.body;
        let tags: Vec<&str> = image["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        for name in &done.properties {
            acked += 1;
            lost += u64::from(image[name.as_str()] != "x");
        }
        for tag in &done.tags {
            acked += 1;
            lost += u64::from(!tags.contains(&tag.as_str()));
        }
        let counter: u64 = image[format!("counter_{}", done.client).as_str()]
            .as_str()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        acked += done.increments;
        lost += done.increments.saturating_sub(counter);
    }
    let requests = w.requests.load(Ordering::Relaxed);
    let server_errors = w.server_errors.load(Ordering::Relaxed);
    eprintln!(
        "concurrent image changes on {engine}: {CLIENTS} clients, {requests} requests, \
         {acked} acknowledged changes, {lost} lost, {server_errors} 5xx"
    );
    assert_eq!(lost, 0, "acknowledged changes were lost on {engine}");
    assert_eq!(server_errors, 0, "5xx answers on {engine}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_to_one_image_all_survive_on_sqlite() {
    run(TestApp::new().await, "SQLite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_to_one_image_all_survive_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    run(app, "PostgreSQL").await;
}
