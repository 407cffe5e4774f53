//! Glance's legacy tasks API (`/v2/tasks`), the cloud admin's only: an `import` task makes an
//! image from its properties, owned by the admin's account in the endpoint's region, and fills
//! it from a local HTTP server (the only place any fetch goes), ending in success with the
//! image's id or in failure with why (the image removed); bad bodies, bad image properties
//! and sources that fail the filter or resolve nowhere allowed are 400 before anything is
//! stored or fetched; the list filters, sorts and pages, the imports' own `api_image_import`
//! tasks included; everybody else gets 403 and learns nothing.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_app::ImageSettings;
use glint_core::Role;
use glint_core::image::web_download::ImportFilter;
use glint_core::network::{WebhookNetworks, parse_ranges};
use serde_json::{Value, json};

use crate::app::{Engine, Setup, TestApp, TestResponse, on_both_engines};
use crate::spec::{Actor, Image, assert_glance_error, md5_hex};
use crate::web_download::serve;

mod listing;

on_both_engines!(
    an_import_task_fills_a_new_image_of_the_admins_account,
    a_failed_fetch_fails_the_task_and_removes_its_image,
    bad_bodies_and_properties_are_400_with_nothing_stored,
    only_the_cloud_admin_reaches_the_tasks_api,
);

pub(crate) const TASKS: &str = "/image/DFW/v2/tasks";

/// Any port, a 32 MiB cap, quick timeouts, loopback reachable.
pub(crate) fn loopback(s: &mut ImageSettings) {
    s.limits.size_cap = 32 << 20;
    s.web_download.filter = ImportFilter {
        allowed_ports: vec![],
        ..ImportFilter::default()
    };
    s.web_download.read_timeout = Duration::from_secs(1);
    let ranges = parse_ranges(&["127.0.0.1/32"]).expect("range");
    s.web_download.networks = Arc::new(WebhookNetworks::allowing(ranges));
}

/// acme (554433, alice a member) in DFW and the cloud admin, on `engine`; `None` when
/// PostgreSQL is not configured.
pub(crate) async fn world(
    engine: Engine,
    tweak: fn(&mut ImageSettings),
) -> Option<(TestApp, Actor, Actor)> {
    let setup = Setup {
        image_settings: tweak,
        ..Setup::default()
    };
    let app = TestApp::on(engine, setup).await?;
    app.account("acme", "554433", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let admin = app.cloud_admin().await;
    Some((app, alice, admin))
}

pub(crate) fn import_task(source: &str, properties: Value) -> Value {
    json!({"type": "import", "input": {
        "import_from": source,
        "import_from_format": "raw",
        "image_properties": properties,
    }})
}

pub(crate) fn raw_properties(name: &str) -> Value {
    json!({"name": name, "disk_format": "raw", "container_format": "bare", "visibility": "public"})
}

pub(crate) async fn create(actor: &Actor, body: Value) -> TestResponse {
    actor.call(Method::POST, TASKS, Some(body)).await
}

/// The task `id` once it has ended.
pub(crate) async fn ended(actor: &Actor, id: &str) -> Value {
    for _ in 0..300 {
        let task = actor
            .get(&format!("{TASKS}/{id}"))
            .await
            .expect(StatusCode::OK);
        if task["status"] == "success" || task["status"] == "failure" {
            return task;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the task {id} never ended");
}

async fn an_import_task_fills_a_new_image_of_the_admins_account(engine: Engine) {
    let data = vec![9_u8; 8192];
    let base = serve(vec![("/disk.raw", data.clone())]).await;
    let Some((_app, _alice, admin)) = world(engine, loopback).await else {
        return;
    };
    let source = format!("{base}/disk.raw");
    let body = import_task(&source, raw_properties("from-task"));
    let r = create(&admin, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let task = r.body.clone();
    let id = task["id"].as_str().expect("id").to_owned();
    assert_eq!(
        r.header("location"),
        Some(format!("/v2/tasks/{id}").as_str())
    );
    assert_eq!(task["type"], "import");
    assert_eq!(task["status"], "pending");
    assert_eq!(task["input"], body["input"]);
    assert_eq!(
        (&task["result"], &task["message"]),
        (&Value::Null, &json!(""))
    );
    assert_eq!(task["owner"], admin.number.as_str());
    assert_eq!(task["self"], format!("/v2/tasks/{id}"));
    assert_eq!(task["schema"], "/v2/schemas/task");
    assert!(
        task.get("image_id").is_none() && task.get("expires_at").is_none(),
        "{task}"
    );
    assert!(
        task["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );

    let done = ended(&admin, &id).await;
    assert_eq!(done["status"], "success", "{done}");
    assert!(
        done["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{done}"
    );
    let image = Image {
        id: done["result"]["image_id"]
            .as_str()
            .expect("image id")
            .to_owned(),
        region: "DFW".into(),
    };
    let shown = admin.image(&image).await;
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["name"], "from-task");
    assert_eq!(shown["owner"], admin.number.as_str());
    assert_eq!(shown["checksum"], md5_hex(&data));
    assert_eq!(shown["size"], data.len());
    // The image's own task list shows its imports only, as before.
    let own = admin
        .get(&format!("{}/tasks", image.uri()))
        .await
        .expect(StatusCode::OK);
    assert_eq!(own["tasks"], json!([]));
    // The task lives in DFW only.
    let elsewhere = admin.get(&format!("/image/IAD/v2/tasks/{id}")).await;
    assert_glance_error(&elsewhere, StatusCode::NOT_FOUND);
}

async fn a_failed_fetch_fails_the_task_and_removes_its_image(engine: Engine) {
    let base = serve(vec![]).await;
    let Some((_app, _alice, admin)) = world(engine, loopback).await else {
        return;
    };
    let before = admin.count("").await;
    let source = format!("{base}/missing.raw");
    let r = create(&admin, import_task(&source, raw_properties("doomed"))).await;
    let id = r.expect(StatusCode::CREATED)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let done = ended(&admin, &id).await;
    assert_eq!(done["status"], "failure", "{done}");
    assert!(
        done["message"].as_str().is_some_and(|m| m.contains("404")),
        "{done}"
    );
    assert_eq!(done["result"], Value::Null);
    assert!(done["expires_at"].is_string());
    assert_eq!(admin.count("").await, before, "the task's image is gone");
}

async fn bad_bodies_and_properties_are_400_with_nothing_stored(engine: Engine) {
    // The default filter and network rule: only ports 80 and 443, nothing off the internet.
    let Some((_app, _alice, admin)) = world(engine, |_| {}).await else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let props = raw_properties("never");
    let cases = [
        (json!({"input": {}}), "Task 'type' is required"),
        (json!({"type": "import"}), "Task 'input' is required"),
        (
            json!({"type": "convert", "input": {}}),
            "'convert' is not one of",
        ),
        (
            json!({"type": "import", "input": {"import_from": "http://example.com/a"}}),
            "Input does not contain 'import_from_format' field",
        ),
        (
            import_task("file:///etc/passwd", props.clone()),
            "File based imports are not allowed",
        ),
        (
            import_task("ftp://example.com/a", props.clone()),
            "The given uri is not valid",
        ),
        (
            import_task(&format!("http://127.0.0.1:{port}/a"), props.clone()),
            "does not pass filtering",
        ),
        (
            import_task("http://127.0.0.1/a", props.clone()),
            "does not pass filtering",
        ),
        (
            import_task("http://169.254.169.254/latest/meta-data/", props.clone()),
            "does not pass filtering",
        ),
        (
            import_task("http://glint-no-such-host.invalid/a.qcow2", props.clone()),
            "does not pass filtering",
        ),
        (
            import_task(
                "http://203.0.113.9/a",
                json!({"name": "x", "disk_format": "nope"}),
            ),
            "Provided object does not match schema 'image'",
        ),
        (
            import_task(
                "http://203.0.113.9/a",
                json!({"name": "x", "status": "active"}),
            ),
            "Attribute 'status' is read-only",
        ),
        (
            import_task("http://203.0.113.9/a", json!({"name": "x"})),
            "disk_format, container_format must be set",
        ),
    ];
    for (body, says) in cases {
        let r = create(&admin, body.clone()).await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
        r.assert_says("/message", says);
    }
    let r = admin
        .raw(
            Method::POST,
            TASKS,
            &[("content-type", "application/json")],
            b"{".to_vec(),
        )
        .await;
    assert_eq!(r.0, StatusCode::BAD_REQUEST);
    // Nothing was stored, and nothing connected to the listener.
    assert_eq!(
        admin.get(TASKS).await.expect(StatusCode::OK)["tasks"],
        json!([])
    );
    assert_eq!(admin.count("").await, 0);
    let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
    assert!(accepted.is_err(), "a refused source was connected to");
}

async fn only_the_cloud_admin_reaches_the_tasks_api(engine: Engine) {
    let base = serve(vec![("/disk.raw", vec![3; 4096])]).await;
    let Some((app, alice, admin)) = world(engine, loopback).await else {
        return;
    };
    let manager = app.actor("maria", "acme", Role::Manager).await;
    let source = format!("{base}/disk.raw");
    let r = create(&admin, import_task(&source, raw_properties("admins")));
    let id = r.await.expect(StatusCode::CREATED)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    ended(&admin, &id).await;

    let unknown = "0f2c3a5e-8a4b-4a7e-9d1c-2b3c4d5e6f70";
    for stranger in [&alice, &manager] {
        let answers = [
            create(stranger, import_task(&source, raw_properties("mine"))).await,
            create(stranger, json!({"bad": true})).await,
            stranger.get(TASKS).await,
            stranger.get(&format!("{TASKS}?sort_dir=sideways")).await,
            stranger.get(&format!("{TASKS}/{id}")).await,
            stranger.get(&format!("{TASKS}/{unknown}")).await,
        ];
        let first = answers[0].body.clone();
        for r in &answers {
            assert_glance_error(r, StatusCode::FORBIDDEN);
            assert_eq!(r.body, first, "every refusal reads the same");
            r.assert_says("/message", "tasks_api_access");
        }
    }
    assert_eq!(
        alice.count("?name=mine").await,
        0,
        "no image was made for a refused task"
    );
}
