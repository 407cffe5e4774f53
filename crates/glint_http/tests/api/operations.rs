//! Operations endpoints as specs: `/healthcheck` answers load balancers without a token in
//! oslo.middleware's shape and shows its details to admins only, going 503 when the database or
//! a region's store cannot serve; `/metrics` is Prometheus' text format for admins only, counts
//! requests under their route template (never the raw path), and shows the uploads running, the
//! store's connections and the trust report queue.

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::{Setup, TestApp};

async fn health(app: &TestApp, headers: &[(&str, &str)]) -> crate::app::TestResponse {
    app.request(Method::GET, "/healthcheck", headers, None)
        .await
}

#[tokio::test]
async fn the_healthcheck_answers_ok_in_plain_text_without_a_token() {
    let app = TestApp::new().await;
    let r = health(&app, &[("accept", "*/*")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!("OK"));
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.header("x-openstack-request-id").is_some());

    let head = app.request(Method::HEAD, "/healthcheck", &[], None).await;
    assert_eq!((head.status, head.body), (StatusCode::OK, Value::Null));
}

#[tokio::test]
async fn the_healthcheck_shows_its_details_to_an_admin_only() {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW"]).await;
    app.user("mia", "acme", Role::Manager).await;
    let manager = app.token("mia", "acme").await;
    let admin = app.token("admin", "admin").await;

    let plain = json!({"detailed": false, "reasons": ["OK"]});
    let anyone = health(&app, &[("accept", "application/json")]).await;
    assert_eq!((anyone.status, &anyone.body), (StatusCode::OK, &plain));
    let member = health(&app, &[("x-auth-token", &manager)]).await;
    assert_eq!((member.status, &member.body), (StatusCode::OK, &plain));
    let wrong = health(&app, &[("x-auth-token", "not-a-token")]).await;
    assert_eq!((wrong.status, &wrong.body), (StatusCode::OK, &plain));

    let r = health(&app, &[("x-auth-token", &admin)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["detailed"], true);
    let checks: Vec<(&str, &str)> = r.body["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["class"].as_str().unwrap(), c["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        checks,
        [
            ("database", "OK"),
            ("store DFW", "OK"),
            ("store IAD", "OK"),
            ("store LON", "OK")
        ]
    );
    assert_eq!(r.body["reasons"][0]["details"], "SQLite");
    let store = r.body["reasons"][1]["details"].as_str().unwrap();
    assert!(store.starts_with("local disk at "), "{store}");
}

#[tokio::test]
async fn a_region_whose_store_cannot_be_opened_makes_the_node_unavailable() {
    let blobs = tempfile::tempdir().unwrap();
    // A file where the region's folder should be: the store cannot be opened.
    std::fs::write(blobs.path().join("IAD"), b"not a folder").unwrap();
    let app = TestApp::with(Setup {
        store_url: Some(format!("file://{}/{{region}}", blobs.path().display())),
        ..Setup::default()
    })
    .await;
    let admin = app.token("admin", "admin").await;

    let r = health(&app, &[("accept", "text/plain")]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.body, json!("store IAD unavailable"));

    let r = health(&app, &[("x-auth-token", &admin)]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let iad = &r.body["reasons"][2];
    assert_eq!(
        (&iad["class"], &iad["reason"]),
        (&json!("store IAD"), &json!("UNAVAILABLE"))
    );
    assert!(iad["details"].as_str().unwrap().contains("IAD"), "{iad}");
    assert_eq!(r.body["reasons"][1]["reason"], "OK", "DFW still answers");
}

#[tokio::test]
async fn a_database_that_cannot_serve_makes_the_node_unavailable() {
    let app = TestApp::new().await;
    app.db.close().await;
    let r = health(&app, &[("accept", "application/json")]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        r.body,
        json!({"detailed": false, "reasons": ["database unavailable", "stores unavailable"]})
    );
}

/// The value of the first sample line that starts with `series`, or 0 when there is none.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .map_or(0.0, |l| l.rsplit(' ').next().unwrap().parse().unwrap())
}

async fn scrape(app: &TestApp, token: &str) -> String {
    let (status, headers, body) = app
        .raw(token, Method::GET, "/metrics", &[], Vec::new())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    String::from_utf8(body).unwrap()
}

#[tokio::test]
async fn metrics_are_for_an_admin_token_only() {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW"]).await;
    app.user("mia", "acme", Role::Manager).await;
    let manager = app.token("mia", "acme").await;

    let anyone = app.request(Method::GET, "/metrics", &[], None).await;
    assert_eq!(anyone.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anyone.body["code"], "401 Unauthorized");
    let member = app.call(&manager, Method::GET, "/metrics", None).await;
    assert_eq!(member.status, StatusCode::FORBIDDEN);
    assert_eq!(member.body["code"], "403 Forbidden");
}

#[tokio::test]
async fn requests_are_counted_by_route_template_method_and_status() {
    let app = TestApp::new().await;
    let admin = app.token("admin", "admin").await;
    let shown = "glint_http_requests_total{route=\"/image/{region}/v2/images/{image_id}\",method=\"GET\",status=\"404\"}";
    let unmatched = "glint_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}";
    let before = scrape(&app, &admin).await;
    let ids = [
        "00000000-0000-0000-0000-00000000000a",
        "00000000-0000-0000-0000-00000000000b",
        "00000000-0000-0000-0000-00000000000c",
    ];
    for id in ids {
        let r = app
            .call(
                &admin,
                Method::GET,
                &format!("/image/DFW/v2/images/{id}"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    for path in ["/no/such/path", "/another/one"] {
        let r = app.call(&admin, Method::GET, path, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let after = scrape(&app, &admin).await;
    assert_eq!(
        sample(&after, shown) - sample(&before, shown),
        3.0,
        "{after}"
    );
    assert_eq!(sample(&after, unmatched) - sample(&before, unmatched), 2.0);
    for raw in ids.iter().copied().chain(["/no/such/path", "/another/one"]) {
        assert!(!after.contains(raw), "a raw path in the series: {raw}");
    }
    let histogram = "glint_http_request_duration_seconds_count{route=\"/image/{region}/v2/images/{image_id}\",method=\"GET\"}";
    assert_eq!(sample(&after, histogram), 3.0);
    let inf = "glint_http_request_duration_seconds_bucket{route=\"/image/{region}/v2/images/{image_id}\",method=\"GET\",le=\"+Inf\"}";
    assert_eq!(sample(&after, inf), 3.0);
    // The scrape before this one was answered and counted; this one is still in flight.
    assert_eq!(sample(&after, "glint_http_requests_in_flight"), 1.0);
    assert!(
        after.contains("glint_db_connections{state=\"idle\"}"),
        "{after}"
    );
    assert!(
        after.contains("glint_trust_reports{state=\"waiting\"} 0"),
        "{after}"
    );
}

#[tokio::test]
async fn an_upload_is_in_progress_while_its_data_arrives() {
    let app = TestApp::new().await;
    let admin = app.token("admin", "admin").await;
    let image = app
        .call(
            &admin,
            Method::POST,
            "/image/DFW/v2/images",
            Some(json!({"disk_format": "raw", "container_format": "bare"})),
        )
        .await;
    let id = image.body["id"].as_str().unwrap().to_owned();
    let (feed, chunks) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let request = Request::put(format!("/image/DFW/v2/images/{id}/file"))
        .header("x-auth-token", &admin)
        .header("content-type", "application/octet-stream")
        .body(Body::from_stream(chunks))
        .unwrap();
    let upload = tokio::spawn({
        let router = app.router.clone();
        async move { tower::ServiceExt::oneshot(router, request).await.unwrap() }
    });
    let mut feed = feed;
    futures::SinkExt::send(&mut feed, Ok(Bytes::from(vec![7u8; 4096])))
        .await
        .unwrap();
    let gauge = "glint_uploads_in_progress";
    let mut during = scrape(&app, &admin).await;
    for _ in 0..200 {
        if sample(&during, gauge) == 1.0 {
            break;
        }
        tokio::task::yield_now().await;
        during = scrape(&app, &admin).await;
    }
    assert_eq!(sample(&during, gauge), 1.0, "{during}");
    drop(feed);
    assert_eq!(upload.await.unwrap().status(), StatusCode::NO_CONTENT);
    let after = scrape(&app, &admin).await;
    assert_eq!(sample(&after, gauge), 0.0);
    let uploads = "glint_http_requests_total{route=\"/image/{region}/v2/images/{image_id}/file\",method=\"PUT\",status=\"204\"}";
    assert_eq!(sample(&after, uploads), 1.0, "{after}");
}

#[tokio::test]
async fn on_postgresql_the_healthcheck_checks_postgresql() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    let admin = app.token("admin", "admin").await;
    let r = health(&app, &[("x-auth-token", &admin)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["reasons"][0]["details"], "PostgreSQL");
    let text = scrape(&app, &admin).await;
    assert!(
        sample(&text, "glint_db_connections{state=\"idle\"}") >= 1.0,
        "{text}"
    );
}
