//! Shares made through a group meet the consumer's policy as any share does: a trusted
//! producer's group share is accepted by itself, for the accounts of the group now and for an
//! account added to the group later.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{Content, Disks, reported_image, set_policy, share_becomes, status_of_share, world};
use crate::app::{Engine, on_both_engines};

on_both_engines!(group_shares_are_accepted_by_trusting_policies);

async fn group_shares_are_accepted_by_trusting_policies(engine: Engine) {
    let Some(disks) = Disks::build("sharing policy: groups") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let trusting = w.consumer("acme", "3100").await;
    let wary = w.consumer("beta", "3200").await;
    let later = w.consumer("gamma", "3300").await;
    for consumer in [&trusting, &later] {
        set_policy(
            consumer,
            json!({"mode": "enforce", "trusted_producers": ["2001"]}),
        )
        .await;
    }
    let group = w
        .build
        .call(
            Method::POST,
            "/glint/v1/groups",
            Some(json!({"name": "fleet", "accounts": ["3100", "3200"]})),
        )
        .await
        .expect(StatusCode::CREATED);
    let gid = group["id"].as_str().unwrap();
    let image = reported_image(&w.build, &disks, Content::Clean).await;
    let uri = format!("{}/glint-group-shares", image.uri());
    w.build
        .call(Method::POST, &uri, Some(json!({"group_id": gid})))
        .await
        .expect(StatusCode::OK);
    assert_eq!(status_of_share(&trusting, &image).await, "accepted");
    assert_eq!(
        status_of_share(&wary, &image).await,
        "pending",
        "no policy: as before"
    );

    let add = format!("/glint/v1/groups/{gid}/accounts/3300");
    w.build
        .call(Method::PUT, &add, None)
        .await
        .expect(StatusCode::OK);
    share_becomes(&later, &image, "accepted").await;
}
