//! Groups under concurrent clients, on SQLite and PostgreSQL: adds to one group, shares of one
//! image with several groups, and direct shares all at once end with one share per account,
//! no 5xx, and the member quota held.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use super::{World, account_uri, group_shares_uri, world, world_with};
use crate::app::{Client, Engine, on_both_engines};
use crate::spec::Image;

on_both_engines!(
    concurrent_adds_to_one_group_make_one_share_per_account,
    concurrent_group_shares_of_one_image_make_one_share_per_account,
    concurrent_group_shares_never_pass_the_member_quota,
    answers_while_the_group_changes_end_without_a_5xx_or_a_stray_share,
);

const ACCOUNTS: usize = 8;

/// Accounts 3000, 3001, … in DFW (no users: shares need only their numbers).
async fn accounts(w: &World, n: usize) -> Vec<String> {
    let mut numbers = Vec::new();
    for i in 0..n {
        let number = format!("{}", 3000 + i);
        w.app.account(&format!("acct{i}"), &number, &["DFW"]).await;
        numbers.push(number);
    }
    numbers
}

/// Sends every request at once as the producer; the statuses, none of them a 5xx.
async fn all_at_once(w: &World, requests: Vec<(Method, String, Option<Value>)>) -> Vec<StatusCode> {
    let mut tasks = Vec::new();
    for (method, uri, body) in requests {
        let client: Client = w.producer.client().clone();
        let token = w.producer.token.clone();
        tasks.push(tokio::spawn(async move {
            let r = client.call(&token, method, &uri, body).await;
            assert!(
                !r.status.is_server_error(),
                "5xx: {} {:?}",
                r.status,
                r.body
            );
            r.status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.expect("client"));
    }
    statuses
}

/// The image's member ids, asserting that none comes twice.
async fn member_ids(w: &World, image: &Image) -> BTreeSet<String> {
    let body = w.producer.members(image).await.expect(StatusCode::OK);
    let rows = body["members"].as_array().cloned().unwrap_or_default();
    let ids: BTreeSet<String> = rows
        .iter()
        .filter_map(|m| m["member_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), rows.len(), "one row per member: {rows:?}");
    ids
}

async fn concurrent_adds_to_one_group_make_one_share_per_account(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let numbers = accounts(&w, ACCOUNTS).await;
    let group = w.group("partners", &["1002"]).await;
    let image = w.image("web").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    let mut requests = Vec::new();
    for number in &numbers {
        for _ in 0..3 {
            requests.push((Method::PUT, account_uri(&group, number), None));
        }
        requests.push((
            Method::POST,
            image.members(),
            Some(json!({"member": number})),
        ));
    }
    let statuses = all_at_once(&w, requests).await;
    assert!(
        statuses
            .iter()
            .all(|s| matches!(*s, StatusCode::OK | StatusCode::CONFLICT)),
        "{statuses:?}"
    );
    let mut want: BTreeSet<String> = numbers.iter().cloned().collect();
    want.insert("1002".into());
    assert_eq!(member_ids(&w, &image).await, want);
    let shown = w
        .producer
        .get(&super::group_uri(&group))
        .await
        .expect(StatusCode::OK);
    let in_group = shown["accounts"].as_array().map(Vec::len);
    assert_eq!(in_group, Some(ACCOUNTS + 1), "each account once: {shown}");
}

async fn concurrent_group_shares_of_one_image_make_one_share_per_account(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let numbers = accounts(&w, ACCOUNTS).await;
    let image = w.image("web").await;
    let mut groups = Vec::new();
    for g in 0..4 {
        // Overlapping groups: accounts g, g+1, g+2 and g+3.
        let members: Vec<&str> = numbers[g..g + 4].iter().map(String::as_str).collect();
        groups.push(w.group(&format!("group {g}"), &members).await);
    }
    let mut requests = Vec::new();
    for group in &groups {
        for _ in 0..2 {
            let body = json!({"group_id": group["id"]});
            requests.push((Method::POST, group_shares_uri(&image), Some(body)));
        }
        requests.push((Method::PUT, account_uri(group, "1002"), None));
    }
    let statuses = all_at_once(&w, requests).await;
    let shared = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!(
        (shared, refused),
        (8, 4),
        "each group shared once: {statuses:?}"
    );
    let mut want: BTreeSet<String> = numbers[..7].iter().cloned().collect();
    want.insert("1002".into());
    assert_eq!(member_ids(&w, &image).await, want);
}

async fn concurrent_group_shares_never_pass_the_member_quota(engine: Engine) {
    let Some(w) = world_with(engine, |s| s.limits.member_quota = 5).await else {
        return;
    };
    let numbers = accounts(&w, 6).await;
    let image = w.image("web").await;
    let first: Vec<&str> = numbers[..3].iter().map(String::as_str).collect();
    let second: Vec<&str> = numbers[3..].iter().map(String::as_str).collect();
    let groups = [
        w.group("first", &first).await,
        w.group("second", &second).await,
    ];
    let requests = groups
        .iter()
        .map(|g| {
            let body = json!({"group_id": g["id"]});
            (Method::POST, group_shares_uri(&image), Some(body))
        })
        .collect();
    let mut statuses = all_at_once(&w, requests).await;
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::PAYLOAD_TOO_LARGE]);
    assert_eq!(member_ids(&w, &image).await.len(), 3);
}

async fn answers_while_the_group_changes_end_without_a_5xx_or_a_stray_share(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let numbers = accounts(&w, 4).await;
    let mut consumers = Vec::new();
    for (i, number) in numbers.iter().enumerate() {
        w.app
            .user(&format!("m{i}"), &format!("acct{i}"), Role::Manager)
            .await;
        consumers.push((
            number.clone(),
            w.app.token(&format!("m{i}"), &format!("acct{i}")).await,
        ));
    }
    let members: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let group = w.group("partners", &members).await;
    let image = w.image("web").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    let unshare = format!(
        "{}/{}",
        group_shares_uri(&image),
        group["id"].as_str().unwrap_or_default()
    );
    let mut tasks = Vec::new();
    for (number, token) in consumers {
        let client = w.producer.client().clone();
        let member = image.member(&number);
        tasks.push(tokio::spawn(async move {
            for status in ["accepted", "rejected", "pending", "accepted", "rejected"] {
                let body = Some(json!({"status": status}));
                let r = client.call(&token, Method::PUT, &member, body).await;
                assert!(
                    !r.status.is_server_error(),
                    "5xx: {} {:?}",
                    r.status,
                    r.body
                );
            }
        }));
    }
    let mut requests = Vec::new();
    for _ in 0..2 {
        for number in &numbers {
            requests.push((Method::DELETE, account_uri(&group, number), None));
            requests.push((Method::PUT, account_uri(&group, number), None));
        }
        requests.push((Method::DELETE, unshare.clone(), None));
        let body = json!({"group_id": group["id"]});
        requests.push((Method::POST, group_shares_uri(&image), Some(body)));
    }
    all_at_once(&w, requests).await;
    for task in tasks {
        task.await.expect("consumer");
    }
    let shares = w.producer.members(&image).await.expect(StatusCode::OK);
    let rows = shares["members"].as_array().cloned().unwrap_or_default();
    let ids: BTreeSet<&str> = rows
        .iter()
        .filter_map(|m| m["member_id"].as_str())
        .collect();
    assert_eq!(ids.len(), rows.len(), "one row per member: {rows:?}");
    assert!(
        ids.iter().all(|id| numbers.iter().any(|n| n == id)),
        "{ids:?}"
    );
}
