//! `GET /v2/info/usage` (v2.13): each account reads its own use of the four image quotas in
//! the endpoint's region (stored and staged data in whole MiB, images, images receiving data), every limit -1
//! (Glint sets none); another account's images never count, and a reader sees its account's.

use axum::http::StatusCode;
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::{Engine, Setup, TestApp, on_both_engines};
use crate::spec::{Actor, assert_glance_error};

on_both_engines!(each_account_reads_its_own_usage_only);

const MIB: usize = 1 << 20;

async fn usage(actor: &Actor, region: &str) -> Value {
    let r = actor.get(&format!("/image/{region}/v2/info/usage")).await;
    r.expect(StatusCode::OK)["usage"].clone()
}

fn quota(used: u64) -> Value {
    json!({"limit": -1, "usage": used})
}

async fn each_account_reads_its_own_usage_only(engine: Engine) {
    let setup = Setup {
        image_settings: |s| s.limits.size_cap = 8 << 20,
        ..Setup::default()
    };
    let app = match TestApp::on(engine, setup).await {
        Some(app) => app,
        None => return,
    };
    app.account("acme", "554433", &["DFW", "IAD"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let rita = app.actor("rita", "acme", Role::Reader).await;
    let bob = app.actor("bob", "beta", Role::Member).await;

    let nothing = json!({
        "image_size_total": quota(0),
        "image_stage_total": quota(0),
        "image_count_total": quota(0),
        "image_count_uploading": quota(0),
    });
    assert_eq!(usage(&alice, "DFW").await, nothing);

    alice.upload("three", vec![1; 3 * MIB + 5]).await;
    alice.upload("small", vec![2; 100]).await;
    let staged = alice
        .create(json!({"name": "staged", "disk_format": "raw", "container_format": "bare"}))
        .await;
    assert_eq!(
        alice.stage(&staged, vec![3; 2 * MIB]).await,
        StatusCode::NO_CONTENT
    );
    alice
        .create(json!({"name": "empty", "disk_format": "raw", "container_format": "bare"}))
        .await;
    let gone = alice.upload("gone", vec![4; MIB]).await;
    assert_eq!(alice.delete(&gone).await.status, StatusCode::NO_CONTENT);
    bob.upload("bobs", vec![5; 4 * MIB]).await;

    let acme = json!({
        "image_size_total": quota(3),
        "image_stage_total": quota(2),
        "image_count_total": quota(4),
        "image_count_uploading": quota(1),
    });
    assert_eq!(usage(&alice, "DFW").await, acme);
    assert_eq!(
        usage(&rita, "DFW").await,
        acme,
        "a reader sees its account's"
    );
    assert_eq!(usage(&alice, "IAD").await, nothing, "per region");
    let beta = usage(&bob, "DFW").await;
    assert_eq!(beta["image_size_total"], quota(4));
    assert_eq!(beta["image_count_total"], quota(1));
    assert_glance_error(
        &alice.get("/image/MARS/v2/info/usage").await,
        StatusCode::NOT_FOUND,
    );
}
