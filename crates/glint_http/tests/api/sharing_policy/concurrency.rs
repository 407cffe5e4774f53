//! Sharing policies under concurrent clients: policies set at once end as one of them, whole
//! (never a mix of two requests' trusted producers, never a 5xx); a share that several nodes'
//! timers and the consumer race for is accepted once, told once.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{Disks, POLICY, share_missed_by_its_policy, status_of_share, world};
use crate::app::{Engine, on_both_engines};
use crate::events::feed;

on_both_engines!(
    policies_set_at_once_end_as_one_of_them,
    a_raced_share_is_accepted_once,
);

async fn policies_set_at_once_end_as_one_of_them(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    let bodies: Vec<_> = (0..8)
        .map(|i| {
            json!({"mode": if i % 2 == 0 { "audit" } else { "enforce" },
                   "trusted_producers": [format!("p{i}a"), format!("p{i}b"), format!("p{i}c")]})
        })
        .collect();
    let calls = bodies
        .iter()
        .map(|body| manager.call(Method::PUT, POLICY, Some(body.clone())));
    for r in futures::future::join_all(calls).await {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let last = manager.get(POLICY).await.expect(StatusCode::OK);
    let winner = bodies
        .iter()
        .find(|b| b["trusted_producers"] == last["trusted_producers"])
        .unwrap_or_else(|| panic!("a mix of requests: {last}"));
    assert_eq!(winner["mode"], last["mode"]);
}

async fn a_raced_share_is_accepted_once(engine: Engine) {
    let Some(disks) = Disks::build("sharing policy: races") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let (consumer, image) = share_missed_by_its_policy(&w, &disks, "enforce").await;
    let sweeps = (0..4).map(|_| w.app.images.accept_trusted_shares());
    let accepted: usize = futures::future::join_all(sweeps)
        .await
        .into_iter()
        .map(|r| r.expect("sweep"))
        .sum();
    assert_eq!(accepted, 1);
    assert_eq!(status_of_share(&consumer, &image).await, "accepted");
    assert_eq!(feed(&consumer, "type=share.accepted").await.len(), 1);
}
