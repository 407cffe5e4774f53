//! Several stores per region (Glance's multi-store): `/v2/info/stores` (and its admin detail)
//! lists them, `X-Image-Meta-Store` and an import's `stores` / `all_stores` choose where data
//! goes, images show the stores that hold them (`stores`, by weight), `copy-image` copies an
//! active image to further stores (admin only), `DELETE /v2/stores/{store}/{image}` removes one
//! copy but never the last, downloads fall back to the next store, and deleting an image
//! removes its data from every store. With one store per region, everything answers as before.

use std::path::PathBuf;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::{Engine, Setup, TestApp, on_both_engines};
use crate::spec::{Actor, Image, assert_glance_error, pattern};

mod copies;

on_both_engines!(
    one_store_per_region_answers_as_before,
    stores_are_listed_as_glance_lists_them,
    uploads_go_to_the_store_asked_for,
    imports_write_to_the_stores_asked_for,
    a_failing_store_fails_the_import_unless_told_otherwise,
);

/// `fast` (the default, weight 100) and `cheap` (weight 10) in every region.
pub(super) const TWO_STORES: &[(&str, i64, bool)] = &[("cheap", 10, false), ("fast", 100, true)];

/// acme (554433: alice member) and beta (112233: bob member) in DFW, and the cloud admin;
/// with `stores` named stores (none: one store per region).
pub(super) async fn world(
    engine: Engine,
    stores: &'static [(&'static str, i64, bool)],
) -> Option<(TestApp, Actor, Actor, Actor)> {
    let setup = Setup {
        named_stores: stores,
        ..Setup::default()
    };
    let app = TestApp::on(engine, setup).await?;
    app.account("acme", "554433", &["DFW"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let bob = app.actor("bob", "beta", Role::Member).await;
    let admin = app.cloud_admin().await;
    Some((app, alice, bob, admin))
}

/// Where a store keeps the data of `image` on disk.
pub(super) fn data_file(app: &TestApp, store: &str, image: &Image) -> PathBuf {
    app.blobs
        .path()
        .join(store)
        .join("DFW")
        .join("images")
        .join(&image.id)
}

pub(super) async fn import(actor: &Actor, image: &Image, body: Value) -> crate::app::TestResponse {
    let uri = format!("{}/import", image.uri());
    actor.call(Method::POST, &uri, Some(body)).await
}

pub(super) fn store_uri(store: &str, image: &Image) -> String {
    format!("/image/DFW/v2/stores/{store}/{}", image.id)
}

/// Waits until no store is being written for `image`; its body then.
pub(super) async fn copies_done(actor: &Actor, image: &Image) -> Value {
    actor
        .wait_for(&image.uri(), "/os_glance_importing_to_stores", "")
        .await
}

async fn one_store_per_region_answers_as_before(engine: Engine) {
    let Some((_app, alice, _bob, admin)) = world(engine, &[]).await else {
        return;
    };
    let r = alice.get("/image/DFW/v2/info/stores").await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    r.assert_says("/message", "Multi backend is not supported at this site.");
    let image = alice.upload("one", pattern(3000)).await;
    assert!(alice.image(&image).await.get("stores").is_none());
    let methods = alice.get("/image/DFW/v2/info/import").await.body;
    assert_eq!(
        methods["import-methods"]["value"],
        json!(["glance-direct", "web-download", "copy-image"])
    );
    let copy = json!({"method": {"name": "copy-image"}, "stores": ["fast"]});
    let r = import(&admin, &image, copy).await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
    r.assert_says("/message", "Multi backend is not supported at this site.");
    let r = admin
        .call(Method::DELETE, &store_uri("fast", &image), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = alice.get("/image/DFW/v2/info/stores/detail").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Store options of an import are ignored, as Glance ignores them with one store.
    let staged = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    assert_eq!(
        alice.stage(&staged, pattern(900)).await,
        StatusCode::NO_CONTENT
    );
    let direct = json!({"method": {"name": "glance-direct"}, "stores": ["fast"]});
    assert_eq!(
        import(&alice, &staged, direct).await.status,
        StatusCode::ACCEPTED
    );
    let shown = alice.wait_for(&staged.uri(), "/status", "active").await;
    for absent in [
        "stores",
        "os_glance_importing_to_stores",
        "os_glance_failed_import",
    ] {
        assert!(shown.get(absent).is_none(), "{absent}: {shown}");
    }
    assert_eq!(alice.download(&staged).await.1, pattern(900));
}

async fn stores_are_listed_as_glance_lists_them(engine: Engine) {
    let Some((_app, alice, _bob, admin)) = world(engine, TWO_STORES).await else {
        return;
    };
    let listed = alice
        .get("/image/DFW/v2/info/stores")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        listed,
        json!({"stores": [
            {"id": "fast", "description": "The fast store", "default": "true"},
            {"id": "cheap", "description": "The cheap store"},
        ]})
    );
    let r = alice.get("/image/DFW/v2/info/stores/detail").await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let detail = admin
        .get("/image/DFW/v2/info/stores/detail")
        .await
        .expect(StatusCode::OK);
    let fast = &detail["stores"][0];
    assert_eq!(fast["id"], "fast");
    assert_eq!(fast["default"], "true");
    assert_eq!(fast["type"], "file");
    assert_eq!(fast["weight"], 100);
    assert!(
        fast["properties"]["data_dir"]
            .as_str()
            .is_some_and(|d| d.ends_with("/fast/DFW")),
        "{detail}"
    );
    assert_eq!(detail["stores"][1]["weight"], 10);
}

async fn uploads_go_to_the_store_asked_for(engine: Engine) {
    let Some((app, alice, _bob, _admin)) = world(engine, TWO_STORES).await else {
        return;
    };
    let plain = alice.upload("plain", pattern(2000)).await;
    assert_eq!(alice.image(&plain).await["stores"], "fast");
    assert!(data_file(&app, "fast", &plain).exists());

    let body = json!({"disk_format": "raw", "container_format": "bare"});
    let chosen = alice.create(body.clone()).await;
    let octet = ("content-type", "application/octet-stream");
    let headers = [octet, ("x-image-meta-store", "cheap")];
    let (status, _, _) = alice
        .raw(Method::PUT, &chosen.file(), &headers, pattern(2500))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(alice.image(&chosen).await["stores"], "cheap");
    assert!(data_file(&app, "cheap", &chosen).exists());
    assert!(!data_file(&app, "fast", &chosen).exists());
    assert_eq!(alice.download(&chosen).await.1, pattern(2500));

    let unknown = alice.create(body).await;
    let headers = [
        octet,
        ("x-image-meta-store", "nowhere"),
        ("accept", "application/json"),
    ];
    let (status, _, text) = alice
        .raw(Method::PUT, &unknown.file(), &headers, pattern(10))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8_lossy(&text).contains("Store for identifier nowhere not found"),
        "{}",
        String::from_utf8_lossy(&text)
    );
    assert_eq!(alice.status_of(&unknown).await, "queued");

    let ops = json!([{"op": "replace", "path": "/stores", "value": "cheap"}]);
    let r = alice
        .patch(&plain, "application/openstack-images-v2.1-json-patch", ops)
        .await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    assert_eq!(alice.image(&plain).await["stores"], "fast");
}

async fn imports_write_to_the_stores_asked_for(engine: Engine) {
    let Some((app, alice, _bob, _admin)) = world(engine, TWO_STORES).await else {
        return;
    };
    let body = json!({"disk_format": "raw", "container_format": "bare"});
    let direct = |stores: Value| json!({"method": {"name": "glance-direct"}, "stores": stores});

    let both = alice.create(body.clone()).await;
    assert_eq!(
        alice.stage(&both, pattern(4000)).await,
        StatusCode::NO_CONTENT
    );
    for (refused, status, says) in [
        (
            json!({"method": {"name": "glance-direct"}, "stores": ["fast"], "all_stores": true}),
            StatusCode::BAD_REQUEST,
            "All_stores parameter can't be used",
        ),
        (
            direct(json!(["fast", "nowhere"])),
            StatusCode::CONFLICT,
            "Store for identifier nowhere not found",
        ),
        (
            direct(json!("fast")),
            StatusCode::BAD_REQUEST,
            "'stores' must be a list",
        ),
        (
            direct(json!([])),
            StatusCode::BAD_REQUEST,
            "at least one store",
        ),
    ] {
        let r = import(&alice, &both, refused).await;
        assert_glance_error(&r, status);
        r.assert_says("/message", says);
    }
    assert_eq!(alice.status_of(&both).await, "uploading");
    let r = import(&alice, &both, direct(json!(["cheap", "fast"]))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let shown = alice.wait_for(&both.uri(), "/status", "active").await;
    assert_eq!(shown["stores"], "fast,cheap");
    assert_eq!(shown["os_glance_importing_to_stores"], "");
    assert_eq!(shown["os_glance_failed_import"], "");
    for store in ["fast", "cheap"] {
        assert_eq!(
            std::fs::read(data_file(&app, store, &both)).expect("data"),
            pattern(4000)
        );
    }
    let tasks = alice.get(&format!("{}/tasks", both.uri())).await.body;
    assert_eq!(
        tasks["tasks"][0]["input"]["backend"],
        json!(["cheap", "fast"])
    );

    let all = alice.create(body.clone()).await;
    assert_eq!(
        alice.stage(&all, pattern(100)).await,
        StatusCode::NO_CONTENT
    );
    let every = json!({"method": {"name": "glance-direct"}, "all_stores": true});
    assert_eq!(
        import(&alice, &all, every).await.status,
        StatusCode::ACCEPTED
    );
    let shown = alice.wait_for(&all.uri(), "/status", "active").await;
    assert_eq!(shown["stores"], "fast,cheap");

    let one = alice.create(body).await;
    assert_eq!(
        alice.stage(&one, pattern(100)).await,
        StatusCode::NO_CONTENT
    );
    let uri = format!("{}/import", one.uri());
    let headers = [
        ("content-type", "application/json"),
        ("x-image-meta-store", "cheap"),
    ];
    let request = serde_json::to_vec(&json!({"method": {"name": "glance-direct"}})).unwrap();
    let (status, _, _) = alice.raw(Method::POST, &uri, &headers, request).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let shown = alice.wait_for(&one.uri(), "/status", "active").await;
    assert_eq!(shown["stores"], "cheap");
}

async fn a_failing_store_fails_the_import_unless_told_otherwise(engine: Engine) {
    let Some((app, alice, _bob, _admin)) = world(engine, TWO_STORES).await else {
        return;
    };
    // The cheap store of DFW cannot be opened: a file stands where its folder goes.
    let cheap = app.blobs.path().join("cheap");
    std::fs::create_dir_all(&cheap).expect("folder");
    std::fs::write(cheap.join("DFW"), b"in the way").expect("block");
    let body = json!({"disk_format": "raw", "container_format": "bare"});
    let both = json!({"method": {"name": "glance-direct"}, "stores": ["fast", "cheap"]});

    let strict = alice.create(body.clone()).await;
    assert_eq!(
        alice.stage(&strict, pattern(700)).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        import(&alice, &strict, both.clone()).await.status,
        StatusCode::ACCEPTED
    );
    let failed = alice
        .wait_for(&strict.uri(), "/os_glance_failed_import", "cheap,fast")
        .await;
    assert_eq!(failed["os_glance_importing_to_stores"], "");
    assert_ne!(failed["status"], "active");
    assert!(failed.get("stores").is_none(), "{failed}");
    assert!(!data_file(&app, "fast", &strict).exists());

    let lenient = alice.create(body).await;
    assert_eq!(
        alice.stage(&lenient, pattern(700)).await,
        StatusCode::NO_CONTENT
    );
    let mut request = both;
    request["all_stores_must_succeed"] = json!(false);
    assert_eq!(
        import(&alice, &lenient, request).await.status,
        StatusCode::ACCEPTED
    );
    let shown = alice.wait_for(&lenient.uri(), "/status", "active").await;
    assert_eq!(shown["stores"], "fast");
    assert_eq!(shown["os_glance_failed_import"], "cheap");
    assert_eq!(shown["os_glance_importing_to_stores"], "");
    assert_eq!(alice.download(&lenient).await.1, pattern(700));
}
