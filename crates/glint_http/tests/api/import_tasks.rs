//! `GET …/images/{id}/tasks`: every import is recorded as Glance's `api_image_import` task,
//! named by the import request's id, ending in success or in failure with the reason; the
//! image carries `os_glance_import_task` while it runs and a second import meanwhile is 409;
//! the tasks are read by the image's own account (all of them by the admin), a consumer of a
//! shared image reads none of them, and a stranger gets the image's 404.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_app::ImageSettings;
use glint_core::Role;
use glint_core::image::web_download::ImportFilter;
use glint_core::network::{WebhookNetworks, parse_ranges};
use serde_json::{Value, json};

use crate::app::{Engine, PASSWORD, Setup, TestApp, on_both_engines};
use crate::spec::{Actor, Image, assert_glance_error, md5_hex};
use crate::web_download::serve;

on_both_engines!(
    a_glance_direct_import_is_one_successful_task_named_by_its_request,
    failed_web_downloads_say_why_in_their_task,
    an_import_while_another_runs_is_409,
    only_the_images_account_reads_its_tasks,
);

/// Any port, a 32 MiB cap, quick timeouts, loopback reachable.
fn settings(s: &mut ImageSettings) {
    s.limits.size_cap = 32 << 20;
    s.web_download.filter = ImportFilter {
        allowed_ports: vec![],
        ..ImportFilter::default()
    };
    s.web_download.read_timeout = Duration::from_secs(1);
    let ranges = parse_ranges(&["127.0.0.1/32"]).expect("range");
    s.web_download.networks = Arc::new(WebhookNetworks::allowing(ranges));
}

/// acme (554433: alice member, rita reader) and beta (112233: bob manager) in DFW, on
/// `engine` with `tweak`ed image settings; `None` when PostgreSQL is not configured.
async fn world(engine: Engine, tweak: fn(&mut ImageSettings)) -> Option<(TestApp, Actor)> {
    let setup = Setup {
        image_settings: tweak,
        ..Setup::default()
    };
    let app = TestApp::on(engine, setup).await?;
    app.account("acme", "554433", &["DFW"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    Some((app, alice))
}

async fn raw_image(alice: &Actor) -> Image {
    alice
        .create(json!({"name": "imported", "disk_format": "raw", "container_format": "bare"}))
        .await
}

async fn import(alice: &Actor, image: &Image, method: Value) -> crate::app::TestResponse {
    let uri = format!("{}/import", image.uri());
    alice
        .call(Method::POST, &uri, Some(json!({ "method": method })))
        .await
}

fn tasks_uri(image: &Image) -> String {
    format!("{}/tasks", image.uri())
}

/// The image's tasks once none is pending or processing.
async fn ended_tasks(actor: &Actor, image: &Image) -> Vec<Value> {
    for _ in 0..300 {
        let r = actor.get(&tasks_uri(image)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let tasks = r.body["tasks"].as_array().cloned().unwrap_or_default();
        if tasks
            .iter()
            .all(|t| t["status"] == "success" || t["status"] == "failure")
        {
            return tasks;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the tasks of {} never ended", image.id);
}

async fn a_glance_direct_import_is_one_successful_task_named_by_its_request(engine: Engine) {
    let Some((app, alice)) = world(engine, settings).await else {
        return;
    };
    let image = raw_image(&alice).await;
    assert_eq!(
        alice.stage(&image, vec![7; 4096]).await,
        StatusCode::NO_CONTENT
    );
    let r = import(&alice, &image, json!({"name": "glance-direct"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let request_id = r
        .header("x-openstack-request-id")
        .expect("request id")
        .to_owned();

    let tasks = ended_tasks(&alice, &image).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    let signed_in = app.client.sign_in("alice", PASSWORD, "acme").await;
    let alice_id = &signed_in.body["token"]["user"]["id"];
    assert_eq!(task["request_id"], request_id.as_str());
    assert_eq!(task["type"], "api_image_import");
    assert_eq!(task["status"], "success", "{task}");
    assert_eq!(
        task["input"]["import_req"]["method"]["name"],
        "glance-direct"
    );
    assert_eq!(task["input"]["image_id"], image.id.as_str());
    assert_eq!(task["input"]["backend"], json!([null]));
    assert_eq!(task["result"], json!({"image_id": image.id}));
    assert_eq!(task["message"], "");
    assert_eq!(task["owner"], "554433");
    assert_eq!(&task["user_id"], alice_id);
    assert_eq!(task["image_id"], image.id.as_str());
    assert_eq!(
        (&task["deleted"], &task["deleted_at"]),
        (&json!(false), &Value::Null)
    );
    for at in ["created_at", "updated_at", "expires_at"] {
        let text = task[at].as_str().unwrap_or_else(|| panic!("{at}: {task}"));
        assert!(
            text.len() == 26 && text.ends_with(".000000"),
            "{at}: {text}"
        );
    }

    let shown = alice.image(&image).await;
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["checksum"], md5_hex(&[7; 4096]));
    assert!(
        shown.get("os_glance_import_task").is_none(),
        "the lock is dropped: {shown}"
    );

    // A body on the GET is refused, as Glance's body_reject does.
    let (status, _, _) = alice
        .raw(
            Method::GET,
            &tasks_uri(&image),
            &[
                ("content-type", "application/json"),
                ("content-length", "2"),
            ],
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn failed_web_downloads_say_why_in_their_task(engine: Engine) {
    let base = serve(vec![
        ("/big", vec![7_u8; (32 << 20) + 1]),
        ("/ok", vec![1; 4096]),
    ])
    .await;
    let Some((_app, alice)) = world(engine, settings).await else {
        return;
    };
    let cases = [
        ("/big", "size cap"),
        ("/silent", "timed out"),
        ("/missing", "404"),
    ];
    for (path, why) in cases {
        let image = raw_image(&alice).await;
        let uri = format!("{base}{path}");
        let r = import(&alice, &image, json!({"name": "web-download", "uri": uri})).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{path}: {}", r.body);
        let tasks = ended_tasks(&alice, &image).await;
        let task = &tasks[0];
        assert_eq!(task["status"], "failure", "{path}: {task}");
        let message = task["message"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{path}: {message}");
        assert_eq!(task["result"], Value::Null);
        assert!(task["expires_at"].is_string());
        assert_eq!(task["input"]["import_req"]["method"]["uri"], uri.as_str());
        let shown = alice.image(&image).await;
        assert_eq!(shown["status"], "queued");
        assert!(shown.get("os_glance_import_task").is_none(), "{shown}");

        // The image is queued again: the next import is a second task, shown first.
        let r = import(
            &alice,
            &image,
            json!({"name": "web-download", "uri": format!("{base}/ok")}),
        )
        .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{path}: {}", r.body);
        let tasks = ended_tasks(&alice, &image).await;
        let statuses: Vec<&Value> = tasks.iter().map(|t| &t["status"]).collect();
        assert_eq!(statuses, [&json!("success"), &json!("failure")], "{path}");
    }

    // Loopback refused: the task names the address and why.
    let strict = |s: &mut ImageSettings| {
        settings(s);
        s.web_download.networks = Arc::new(WebhookNetworks::default());
    };
    let Some((_strict_app, carol)) = world(engine, strict).await else {
        return;
    };
    let image = raw_image(&carol).await;
    let r = import(
        &carol,
        &image,
        json!({"name": "web-download", "uri": format!("{base}/ok")}),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let message = ended_tasks(&carol, &image).await[0]["message"].clone();
    let message = message.as_str().unwrap_or_default();
    assert!(
        message.contains("127.0.0.1") && message.contains("loopback"),
        "{message}"
    );
}

async fn an_import_while_another_runs_is_409(engine: Engine) {
    let base = serve(vec![]).await;
    let Some((_app, alice)) = world(engine, settings).await else {
        return;
    };
    let image = raw_image(&alice).await;
    let silent = json!({"name": "web-download", "uri": format!("{base}/silent")});
    let r = import(&alice, &image, silent.clone()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let running = alice.get(&tasks_uri(&image)).await.body["tasks"][0].clone();
    let shown = alice.image(&image).await;
    assert_eq!(shown["os_glance_import_task"], running["id"], "{shown}");
    assert_eq!(shown["status"], "importing");
    let again = import(&alice, &image, silent).await;
    assert_glance_error(&again, StatusCode::CONFLICT);
    let tasks = ended_tasks(&alice, &image).await;
    assert_eq!(tasks.len(), 1, "a refused import makes no task: {tasks:?}");

    // Two glance-direct imports of one staged image at once: one runs, the other is 409.
    let staged = raw_image(&alice).await;
    assert_eq!(
        alice.stage(&staged, vec![3; 2048]).await,
        StatusCode::NO_CONTENT
    );
    let direct = json!({"name": "glance-direct"});
    let (a, b) = tokio::join!(
        import(&alice, &staged, direct.clone()),
        import(&alice, &staged, direct.clone())
    );
    let mut codes = [a.status.as_u16(), b.status.as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [202, 409], "{} / {}", a.body, b.body);
    let succeeded = ended_tasks(&alice, &staged).await;
    assert!(
        succeeded.iter().any(|t| t["status"] == "success"),
        "{succeeded:?}"
    );
    assert_eq!(alice.image(&staged).await["status"], "active");
}

async fn only_the_images_account_reads_its_tasks(engine: Engine) {
    let Some((app, alice)) = world(engine, settings).await else {
        return;
    };
    let rita = app.actor("rita", "acme", Role::Reader).await;
    let bob = app.actor("bob", "beta", Role::Manager).await;
    let admin = app.cloud_admin().await;
    let image = raw_image(&alice).await;
    assert_eq!(
        alice.stage(&image, vec![5; 1024]).await,
        StatusCode::NO_CONTENT
    );
    let r = import(&alice, &image, json!({"name": "glance-direct"})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let tasks = ended_tasks(&alice, &image).await;

    assert_eq!(
        ended_tasks(&rita, &image).await,
        tasks,
        "the owner's reader"
    );
    assert_eq!(ended_tasks(&admin, &image).await, tasks, "the admin");
    let stranger = bob.get(&tasks_uri(&image)).await;
    assert_glance_error(&stranger, StatusCode::NOT_FOUND);
    let unknown = "6b9a5c1e-0000-4000-8000-000000000000";
    let nothing = bob
        .get(&tasks_uri(&Image {
            id: unknown.into(),
            region: "DFW".into(),
        }))
        .await;
    assert_eq!(
        stranger.body.to_string().replace(&image.id, unknown),
        nothing.body.to_string(),
        "a stranger cannot tell the image exists"
    );

    // A consumer sees the shared image, not the producer's tasks (Glance: task owner only).
    assert_eq!(alice.image(&image).await["visibility"], "shared");
    alice.share(&image, &bob).await;
    let seen = bob.get(&tasks_uri(&image)).await;
    assert_eq!(
        (seen.status, &seen.body),
        (StatusCode::OK, &json!({"tasks": []}))
    );
}
