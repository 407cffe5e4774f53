//! The cache API's shapes and codes, and who may call it.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::json;

use super::{CACHE, app_with_cache, cached_ids, queue_and_wait, state};
use crate::app::{Engine, on_both_engines};

on_both_engines!(
    the_cache_api_answers_as_glance_does,
    only_admins_manage_the_cache_and_others_learn_nothing,
);

async fn the_cache_api_answers_as_glance_does(engine: Engine) {
    let Some(app) = app_with_cache(engine, 1 << 20).await else {
        return;
    };
    let alice = app.actor("alice", "acme", Role::Member).await;
    let admin = app.cloud_admin().await;
    assert_eq!(
        state(&admin).await,
        json!({"cached_images": [], "queued_images": []})
    );
    let data: Vec<u8> = (0..3000).map(|i| (i % 199) as u8).collect();
    let image = alice.upload_with(json!({}), data.clone()).await;

    // Unknown and malformed ids are 404; an image without data is 400.
    let unknown = format!("{CACHE}/{}", uuid::Uuid::new_v4());
    for uri in [unknown.clone(), format!("{CACHE}/non-existing-image-id")] {
        let r = admin.call(Method::PUT, &uri, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let queued = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    let r = admin
        .call(Method::PUT, &format!("{CACHE}/{}", queued.id), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);

    let listed = queue_and_wait(&admin, &image.id).await;
    assert_eq!(listed["queued_images"], json!([]));
    let entry = &listed["cached_images"][0];
    assert_eq!(entry["image_id"], image.id.as_str());
    assert_eq!(
        (entry["size"].as_u64(), entry["hits"].as_u64()),
        (Some(3000), Some(0))
    );
    assert!(entry["last_accessed"].as_f64().is_some_and(|t| t > 1.0e9));
    assert!(entry["last_modified"].as_f64().is_some_and(|t| t > 1.0e9));
    assert_eq!(alice.download(&image).await, (StatusCode::OK, data));
    assert_eq!(state(&admin).await["cached_images"][0]["hits"], 1);

    // Removing one entry: 204, also when it is not cached but the image exists; 404 when it
    // is neither.
    let entry_uri = format!("{CACHE}/{}", image.id);
    for _ in 0..2 {
        let r = admin.call(Method::DELETE, &entry_uri, None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
        assert!(cached_ids(&state(&admin).await).is_empty());
    }
    let r = admin.call(Method::DELETE, &unknown, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Clearing: a bad target is 400 and changes nothing; each target empties its part.
    queue_and_wait(&admin, &image.id).await;
    let clear = |target: &'static str| {
        let admin = &admin;
        async move {
            let headers: Vec<(&str, &str)> = if target.is_empty() {
                vec![]
            } else {
                vec![("x-image-cache-clear-target", target)]
            };
            admin.raw(Method::DELETE, CACHE, &headers, vec![]).await.0
        }
    };
    assert_eq!(clear("invalid").await, StatusCode::BAD_REQUEST);
    assert_eq!(
        cached_ids(&state(&admin).await),
        std::slice::from_ref(&image.id)
    );
    assert_eq!(clear("queue").await, StatusCode::NO_CONTENT);
    assert_eq!(
        cached_ids(&state(&admin).await),
        std::slice::from_ref(&image.id)
    );
    assert_eq!(clear("cache").await, StatusCode::NO_CONTENT);
    assert!(cached_ids(&state(&admin).await).is_empty());
    queue_and_wait(&admin, &image.id).await;
    assert_eq!(clear("").await, StatusCode::NO_CONTENT);
    assert_eq!(
        state(&admin).await,
        json!({"cached_images": [], "queued_images": []})
    );

    // A region that does not exist is 404.
    for uri in ["/image/NOPE/v2/cache", "/image/dfw/v2/cache"] {
        assert_eq!(admin.get(uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }

    // Clean and prune (v2.18).
    let r = admin
        .call(Method::POST, &format!("{CACHE}/clean"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = admin
        .call(Method::POST, &format!("{CACHE}/prune"), None)
        .await;
    assert_eq!(
        r.expect(StatusCode::OK),
        json!({"total_files_pruned": 0, "total_bytes_pruned": 0})
    );
}

async fn only_admins_manage_the_cache_and_others_learn_nothing(engine: Engine) {
    let Some(app) = app_with_cache(engine, 1 << 20).await else {
        return;
    };
    let alice = app.actor("alice", "acme", Role::Member).await;
    let manager = app.actor("ann", "acme", Role::Manager).await;
    let stranger = app.actor("bob", "beta", Role::Member).await;
    let admin = app.cloud_admin().await;
    let image = alice.upload_with(json!({}), vec![5u8; 2000]).await;
    queue_and_wait(&admin, &image.id).await;
    let before = state(&admin).await;

    let unknown = uuid::Uuid::new_v4().to_string();
    for caller in [&alice, &manager, &stranger] {
        let mut answers = Vec::new();
        for id in [image.id.as_str(), unknown.as_str()] {
            let entry = format!("{CACHE}/{id}");
            answers.push(caller.call(Method::PUT, &entry, None).await);
            answers.push(caller.call(Method::DELETE, &entry, None).await);
        }
        answers.push(caller.call(Method::GET, CACHE, None).await);
        answers.push(caller.call(Method::DELETE, CACHE, None).await);
        answers.push(
            caller
                .call(Method::POST, &format!("{CACHE}/clean"), None)
                .await,
        );
        answers.push(
            caller
                .call(Method::POST, &format!("{CACHE}/prune"), None)
                .await,
        );
        let invalid = [("x-image-cache-clear-target", "invalid")];
        let (status, _, body) = caller.raw(Method::DELETE, CACHE, &invalid, vec![]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let first = answers[0].body.clone();
        for r in answers {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
            assert_eq!(r.body, first, "every refusal reads the same");
            assert!(!r.body.to_string().contains(&image.id));
        }
        assert!(!String::from_utf8_lossy(&body).contains(&image.id));
    }
    assert_eq!(state(&admin).await, before, "nothing changed");
}

#[tokio::test]
async fn a_node_without_a_cache_answers_404_to_the_admin_and_403_to_others() {
    let app = crate::app::TestApp::new().await;
    app.account("acme", "554433", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let admin = app.cloud_admin().await;
    let image = alice.upload_with(json!({}), vec![1u8; 100]).await;
    let entry = format!("{CACHE}/{}", image.id);
    let calls = [
        (Method::GET, CACHE.to_owned()),
        (Method::DELETE, CACHE.to_owned()),
        (Method::PUT, entry.clone()),
        (Method::DELETE, entry),
        (Method::POST, format!("{CACHE}/prune")),
    ];
    for (method, uri) in calls {
        let r = admin.call(method.clone(), &uri, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {uri}");
        let r = alice.call(method.clone(), &uri, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {uri}");
    }
    assert_eq!(
        alice.download(&image).await,
        (StatusCode::OK, vec![1u8; 100])
    );
}
