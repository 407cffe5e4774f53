//! Copies between stores: `copy-image` (admin only), `DELETE /v2/stores/{store}/{image}`
//! (never the last store), reads falling back to the next store, deletes and the sweep clearing
//! every store, servers' disks made from any store, and copies and removals racing.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{TWO_STORES, copies_done, data_file, import, store_uri, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::{SERVERS, assert_glance_error, md5_hex, pattern};

on_both_engines!(
    copy_image_copies_an_active_image_to_further_stores,
    removing_data_from_a_store_keeps_the_others,
    downloads_fall_back_to_the_next_store_and_deletes_clear_every_store,
    copies_and_removals_at_once_never_lose_the_last_store,
    servers_and_the_sweep_reach_every_store,
);

async fn copy_image_copies_an_active_image_to_further_stores(engine: Engine) {
    let Some((app, alice, bob, admin)) = world(engine, TWO_STORES).await else {
        return;
    };
    let image = alice.upload("copied", pattern(5000)).await;
    let copy = json!({"method": {"name": "copy-image"}, "stores": ["cheap"]});
    let r = import(&bob, &image, copy.clone()).await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    let r = import(&alice, &image, copy.clone()).await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let r = import(
        &admin,
        &image,
        json!({"method": {"name": "copy-image"}, "stores": ["fast"]}),
    )
    .await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
    r.assert_says("/message", "Image is already present at store 'fast'");
    assert_eq!(
        import(&admin, &image, copy).await.status,
        StatusCode::ACCEPTED
    );
    let shown = copies_done(&alice, &image).await;
    assert_eq!(shown["stores"], "fast,cheap");
    assert_eq!(shown["os_glance_failed_import"], "");
    assert_eq!(shown["status"], "active");
    assert_eq!(
        std::fs::read(data_file(&app, "cheap", &image)).expect("copy"),
        pattern(5000)
    );
    let every = json!({"method": {"name": "copy-image"}, "all_stores": true});
    assert_eq!(
        import(&admin, &image, every).await.status,
        StatusCode::ACCEPTED
    );
    let tasks = admin.get(&format!("{}/tasks", image.uri())).await.body;
    let tasks = tasks["tasks"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        tasks.len(),
        1,
        "a copy to stores that all hold it does nothing"
    );
    let queued = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    let r = import(
        &admin,
        &queued,
        json!({"method": {"name": "copy-image"}, "all_stores": true}),
    )
    .await;
    assert_glance_error(&r, StatusCode::CONFLICT);
}

async fn removing_data_from_a_store_keeps_the_others(engine: Engine) {
    let Some((app, alice, bob, admin)) = world(engine, TWO_STORES).await else {
        return;
    };
    let data = pattern(6000);
    let image = alice
        .upload_with(
            json!({"name": "kept", "visibility": "community"}),
            data.clone(),
        )
        .await;
    let copy = json!({"method": {"name": "copy-image"}, "stores": ["cheap"]});
    assert_eq!(
        import(&admin, &image, copy).await.status,
        StatusCode::ACCEPTED
    );
    copies_done(&alice, &image).await;

    let r = bob
        .call(Method::DELETE, &store_uri("fast", &image), None)
        .await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let private = alice.upload("private", pattern(10)).await;
    let r = bob
        .call(Method::DELETE, &store_uri("fast", &private), None)
        .await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    let r = alice
        .call(Method::DELETE, &store_uri("nowhere", &image), None)
        .await;
    assert_glance_error(&r, StatusCode::CONFLICT);

    let r = alice
        .call(Method::DELETE, &store_uri("fast", &image), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let shown = alice.image(&image).await;
    assert_eq!(shown["stores"], "cheap");
    assert!(!data_file(&app, "fast", &image).exists());
    let (status, body) = alice.download(&image).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        md5_hex(&body),
        shown["checksum"].as_str().unwrap_or_default()
    );

    let r = alice
        .call(Method::DELETE, &store_uri("fast", &image), None)
        .await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    r.assert_says("/message", "is not stored in store fast");
    let r = alice
        .call(Method::DELETE, &store_uri("cheap", &image), None)
        .await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    r.assert_says("/message", "Cannot delete image data from the only store");
    assert_eq!(alice.download(&image).await.1, data);
}

async fn downloads_fall_back_to_the_next_store_and_deletes_clear_every_store(engine: Engine) {
    let Some((app, alice, _bob, admin)) = world(engine, TWO_STORES).await else {
        return;
    };
    let image = alice.upload("both", pattern(7000)).await;
    let copy = json!({"method": {"name": "copy-image"}, "all_stores": true});
    assert_eq!(
        import(&admin, &image, copy).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(copies_done(&alice, &image).await["stores"], "fast,cheap");
    std::fs::remove_file(data_file(&app, "fast", &image)).expect("lose the heavier copy");
    let (status, body) = alice.download(&image).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, pattern(7000));
    assert_eq!(alice.delete(&image).await.status, StatusCode::NO_CONTENT);
    for store in ["fast", "cheap"] {
        assert!(!data_file(&app, store, &image).exists(), "{store}");
    }
}

async fn copies_and_removals_at_once_never_lose_the_last_store(engine: Engine) {
    let Some((app, alice, _bob, admin)) = world(engine, TWO_STORES).await else {
        return;
    };
    for round in 0..6 {
        let image = alice
            .upload(&format!("race-{round}"), pattern(3000 + round))
            .await;
        let copy = json!({"method": {"name": "copy-image"}, "stores": ["cheap"]});
        let fast = store_uri("fast", &image);
        let (copied, removed) = tokio::join!(
            import(&admin, &image, copy),
            alice.call(Method::DELETE, &fast, None)
        );
        assert_eq!(copied.status, StatusCode::ACCEPTED, "{}", copied.body);
        assert!(
            [StatusCode::NO_CONTENT, StatusCode::FORBIDDEN].contains(&removed.status),
            "{}: {}",
            removed.status,
            removed.body
        );
        let shown = copies_done(&alice, &image).await;
        let stores: Vec<&str> = shown["stores"]
            .as_str()
            .unwrap_or_default()
            .split(',')
            .collect();
        assert!(!stores.is_empty() && !stores.contains(&""), "{shown}");
        for store in &stores {
            assert!(data_file(&app, store, &image).exists(), "{store}: {shown}");
        }
        if stores.len() == 2 {
            let cheap = store_uri("cheap", &image);
            let (a, b) = tokio::join!(
                alice.call(Method::DELETE, &fast, None),
                alice.call(Method::DELETE, &cheap, None)
            );
            let mut statuses = [a.status, b.status];
            statuses.sort();
            assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::FORBIDDEN]);
        }
        let (status, body) = alice.download(&image).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, pattern(3000 + round));
    }
}

async fn servers_and_the_sweep_reach_every_store(engine: Engine) {
    let Some((app, alice, _bob, admin)) = world(engine, TWO_STORES).await else {
        return;
    };
    // A server's disk is made in the default store, from an image whose data is elsewhere.
    let body = json!({"disk_format": "raw", "container_format": "bare"});
    let elsewhere = alice.create(body).await;
    let headers = [
        ("content-type", "application/octet-stream"),
        ("x-image-meta-store", "cheap"),
    ];
    let (status, _, _) = alice
        .raw(Method::PUT, &elsewhere.file(), &headers, pattern(1500))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let server = alice.server(&elsewhere.id).await;
    let disk = app.blobs.path().join("fast/DFW/disks").join(&server);
    assert_eq!(std::fs::read(&disk).expect("disk"), pattern(1500));
    let r = alice
        .call(Method::DELETE, &format!("{SERVERS}/{server}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // An image deleted as a crash leaves it (record deleted, data in both stores) is swept
    // from both.
    let crashed = alice.upload("crashed", pattern(800)).await;
    let copy = json!({"method": {"name": "copy-image"}, "all_stores": true});
    assert_eq!(
        import(&admin, &crashed, copy).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(copies_done(&alice, &crashed).await["stores"], "fast,cheap");
    let id = glint_core::image::ImageId::from_trusted(crashed.id.clone());
    let change = glint_db::events::Change::by_service(glint_core::Timestamp::now());
    assert!(
        glint_db::images::delete(&app.db, &id, &change)
            .await
            .expect("delete")
    );
    let specs = TWO_STORES
        .iter()
        .map(|&(id, weight, is_default)| glint_app::StoreSpec {
            id: id.into(),
            url: format!("file://{}/{id}/{{region}}", app.blobs.path().display()),
            description: String::new(),
            weight,
            is_default,
        })
        .collect();
    let stores = glint_app::Stores::named(specs).expect("stores");
    let sweeper =
        glint_app::Sweeper::new(app.db.clone(), stores, std::time::Duration::from_secs(3600));
    let report = sweeper.sweep().await.expect("sweep");
    assert!(report.removed >= 2, "{report:?}");
    for store in ["fast", "cheap"] {
        assert!(!data_file(&app, store, &crashed).exists(), "{store}");
    }
    assert!(data_file(&app, "cheap", &elsewhere).exists());
}
