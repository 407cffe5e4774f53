//! `GET /v2/tasks`: every task of the region, the legacy `import` ones and every account's
//! `api_image_import` ones, newest first; filters by type and status, sorts on a column, pages
//! by marker without skipping or repeating a task; bad parameters are 400 in Glance's words.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{TASKS, create, ended, import_task, loopback, raw_properties, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::{Actor, assert_glance_error};
use crate::web_download::serve;

on_both_engines!(the_list_filters_sorts_and_pages_every_task_of_the_region);

/// Ids of the page at `uri` and its `next` link.
async fn page(admin: &Actor, uri: &str) -> (Vec<String>, Option<String>) {
    let body = admin.get(uri).await.expect(StatusCode::OK);
    let ids = body["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect();
    let next = body["next"].as_str().map(|n| format!("/image/DFW{n}"));
    (ids, next)
}

async fn the_list_filters_sorts_and_pages_every_task_of_the_region(engine: Engine) {
    let base = serve(vec![("/disk.raw", vec![5; 4096])]).await;
    let Some((_app, alice, admin)) = world(engine, loopback).await else {
        return;
    };
    let mut imports = Vec::new();
    for (n, path) in ["/disk.raw", "/missing", "/disk.raw"].iter().enumerate() {
        let body = import_task(&format!("{base}{path}"), raw_properties(&format!("t{n}")));
        let r = create(&admin, body).await;
        let id = r.expect(StatusCode::CREATED)["id"]
            .as_str()
            .expect("id")
            .to_owned();
        ended(&admin, &id).await;
        imports.push(id);
    }
    // Alice's own import is an `api_image_import` task, listed too, with its image.
    let image = alice
        .create(json!({"name": "staged", "disk_format": "raw", "container_format": "bare"}))
        .await;
    assert_eq!(
        alice.stage(&image, vec![1; 2048]).await,
        StatusCode::NO_CONTENT
    );
    let r = alice
        .call(
            Method::POST,
            &format!("{}/import", image.uri()),
            Some(json!({"method": {"name": "glance-direct"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    alice.wait_for(&image.uri(), "/status", "active").await;

    let body = admin.get(TASKS).await.expect(StatusCode::OK);
    assert_eq!(
        (&body["first"], &body["schema"]),
        (&json!("/v2/tasks"), &json!("/v2/schemas/tasks"))
    );
    assert!(body.get("next").is_none(), "{body}");
    let tasks = body["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 4, "{body}");
    assert_eq!(tasks[0]["type"], "api_image_import", "newest first");
    assert_eq!(tasks[0]["owner"], "554433");
    for listed in tasks {
        assert!(
            listed.get("input").is_none() && listed.get("message").is_none(),
            "{listed}"
        );
    }
    let full = admin
        .get(&format!("{TASKS}/{}", tasks[0]["id"].as_str().expect("id")))
        .await
        .expect(StatusCode::OK);
    assert_eq!(full["image_id"], image.id.as_str());

    let (only_imports, _) = page(&admin, &format!("{TASKS}?type=import&sort_dir=asc")).await;
    assert_eq!(only_imports, imports, "oldest first");
    let (failed, _) = page(&admin, &format!("{TASKS}?status=failure")).await;
    assert_eq!(failed, vec![imports[1].clone()]);
    let (by_status, _) = page(&admin, &format!("{TASKS}?sort_key=status&sort_dir=asc")).await;
    assert_eq!(by_status[0], imports[1], "failure sorts before success");

    // Pages of one cover every task once, each `next` keeping the query.
    let mut seen = Vec::new();
    let mut uri = Some(format!("{TASKS}?limit=1"));
    while let Some(at) = uri {
        let (ids, next) = page(&admin, &at).await;
        assert!(ids.len() <= 1);
        if let Some(n) = &next {
            assert!(n.contains("limit=1&marker="), "{n}");
        }
        seen.extend(ids);
        uri = next;
    }
    let mut all: Vec<String> = imports.clone();
    all.push(tasks[0]["id"].as_str().expect("id").to_owned());
    seen.sort();
    all.sort();
    assert_eq!(seen, all);
    // Tasks only expire: no method deletes one.
    let r = admin
        .call(Method::DELETE, &format!("{TASKS}/{}", imports[0]), None)
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let (none, next) = page(&admin, &format!("{TASKS}?limit=0")).await;
    assert!(none.is_empty() && next.is_none());

    for (query, says) in [
        ("sort_dir=up", "Invalid sort direction: up"),
        ("status=done", "Invalid status value: done"),
        (
            "type=api_image_import",
            "Invalid type value: api_image_import",
        ),
        ("marker=nope", "Invalid marker format"),
        (
            "marker=0f2c3a5e-8a4b-4a7e-9d1c-2b3c4d5e6f70",
            "was not found",
        ),
        ("limit=-3", "limit param must be positive"),
        ("sort_key=name", "Sort key supplied was not valid."),
    ] {
        let r = admin.get(&format!("{TASKS}?{query}")).await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
        r.assert_says("/message", says);
    }
    let schema = admin
        .get("/image/DFW/v2/schemas/tasks")
        .await
        .expect(StatusCode::OK);
    assert_eq!(schema["name"], "tasks");
    let schema = alice
        .get("/image/DFW/v2/schemas/task")
        .await
        .expect(StatusCode::OK);
    assert_eq!(schema["name"], "task");
}
