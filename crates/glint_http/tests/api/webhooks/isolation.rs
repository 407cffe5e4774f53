//! Who sees and changes webhooks: another account sees nothing and learns nothing (its lists
//! leave the endpoint out; the endpoint, its deliveries, its deletion and its test event are
//! the 404 of an id that does not exist), a reader reads but may not register, delete or test
//! (403 naming the role), the secret is shown once; and what a registration may not say, with
//! the 400 that says why (addresses off the public internet among them, refused without any
//! traffic to them). SQLite and PostgreSQL.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::json;

use super::{WEBHOOKS, app_on};
use crate::app::{Engine, Setup, TestApp, on_both_engines};
use crate::spec::{Actor, assert_glance_error};

on_both_engines!(
    another_account_sees_nothing_and_learns_nothing,
    a_reader_reads_but_only_a_member_registers_deletes_or_tests,
    registrations_are_checked_and_refused_with_the_reason,
);

/// acme (554433: alice member, rita reader) and beta (112233: bob member), with
/// `max_endpoints` per account.
async fn world(engine: Engine, max_endpoints: u32) -> Option<(TestApp, Actor, Actor, Actor)> {
    let setup = Setup {
        webhooks: match max_endpoints {
            2 => |s| s.max_endpoints = 2,
            _ => |_| {},
        },
        ..Setup::default()
    };
    let app = app_on(engine, setup).await?;
    app.account("acme", "554433", &["DFW"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let rita = app.actor("rita", "acme", Role::Reader).await;
    let bob = app.actor("bob", "beta", Role::Member).await;
    Some((app, alice, rita, bob))
}

/// The message of a 404, with the id asked for taken out.
fn not_found_message(r: &crate::app::TestResponse, id: &str) -> String {
    assert_glance_error(r, StatusCode::NOT_FOUND);
    r.text("/message").replace(id, "ID")
}

async fn another_account_sees_nothing_and_learns_nothing(engine: Engine) {
    let Some((_app, alice, _rita, bob)) = world(engine, 20).await else {
        return;
    };
    let hook = alice.register("http://127.0.0.1:9/in", &[]).await;
    let id = hook["id"].as_str().expect("id");
    assert_eq!(alice.webhook_ids().await, [id]);
    assert!(bob.webhook_ids().await.is_empty(), "its list leaves it out");

    let unknown = uuid::Uuid::new_v4().to_string();
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::GET, "/deliveries"),
        (Method::POST, "/test"),
        (Method::DELETE, ""),
    ] {
        let theirs = bob
            .call(method.clone(), &format!("{WEBHOOKS}/{id}{suffix}"), None)
            .await;
        let none = bob
            .call(
                method.clone(),
                &format!("{WEBHOOKS}/{unknown}{suffix}"),
                None,
            )
            .await;
        assert_eq!(
            not_found_message(&theirs, id),
            not_found_message(&none, &unknown),
            "{method} {suffix}: the same answer as for an id that does not exist"
        );
    }
    assert_eq!(alice.webhook_ids().await, [id], "still there");
    assert!(
        alice.deliveries(id).await.is_empty(),
        "no test event was queued"
    );
}

async fn a_reader_reads_but_only_a_member_registers_deletes_or_tests(engine: Engine) {
    let Some((_app, alice, rita, _bob)) = world(engine, 20).await else {
        return;
    };
    let refused = rita
        .try_register(json!({"url": "http://127.0.0.1:9/in"}))
        .await;
    assert_glance_error(&refused, StatusCode::FORBIDDEN);
    refused.assert_says("/message", "'member'");

    let hook = alice
        .register("http://127.0.0.1:9/in", &["share.created"])
        .await;
    let id = hook["id"].as_str().expect("id");
    let secret = hook["secret"].as_str().expect("the secret, this once");
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(hook["event_types"], json!(["share.created"]));
    assert_eq!(hook["created_by"]["user_name"], "alice");

    let shown = rita
        .get(&format!("{WEBHOOKS}/{id}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(shown["url"], "http://127.0.0.1:9/in");
    assert!(shown.get("secret").is_none(), "never shown again");
    let listed = rita.get(WEBHOOKS).await.expect(StatusCode::OK);
    assert!(listed["webhooks"][0].get("secret").is_none());
    assert!(rita.deliveries(id).await.is_empty());
    for (method, suffix, needs) in [
        (Method::POST, "/test", "'member'"),
        (Method::DELETE, "", "'member'"),
    ] {
        let r = rita
            .call(method, &format!("{WEBHOOKS}/{id}{suffix}"), None)
            .await;
        assert_glance_error(&r, StatusCode::FORBIDDEN);
        r.assert_says("/message", needs);
    }

    let test = alice
        .call(Method::POST, &format!("{WEBHOOKS}/{id}/test"), None)
        .await
        .expect(StatusCode::ACCEPTED);
    let log = rita.deliveries(id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["id"], test["delivery_id"]);
    assert_eq!(
        (log[0]["event_type"].as_str(), log[0]["state"].as_str()),
        (Some("webhook.test"), Some("pending"))
    );
    let deleted = alice
        .call(Method::DELETE, &format!("{WEBHOOKS}/{id}"), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(rita.webhook_ids().await.is_empty());
    let gone = rita.get(&format!("{WEBHOOKS}/{id}/deliveries")).await;
    assert_glance_error(&gone, StatusCode::NOT_FOUND);
}

async fn registrations_are_checked_and_refused_with_the_reason(engine: Engine) {
    let Some((app, alice, _rita, _bob)) = world(engine, 2).await else {
        return;
    };
    for (body, says) in [
        (
            json!({"url": "http://10.0.0.1/hook"}),
            "10.0.0.1: it is a private address",
        ),
        (
            json!({"url": "http://169.254.169.254/latest/meta-data"}),
            "169.254.169.254: it is a link-local address",
        ),
        (
            json!({"url": "http://[::1]:8080/"}),
            "::1: it is a loopback address",
        ),
        (json!({"url": "ftp://example.com/"}), "http:// or https://"),
        (json!({"url": "not a url"}), "Invalid webhook URL"),
        (
            json!({"url": "http://127.0.0.1:9/", "event_types": ["share.gone"]}),
            "share.gone",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "color": "red"}),
            "Unknown field 'color'",
        ),
        (json!({"event_types": []}), "needs a 'url'"),
    ] {
        let r = alice.try_register(body.clone()).await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
        r.assert_says("/message", says);
    }
    let malformed = app
        .call(
            "",
            Method::POST,
            WEBHOOKS,
            Some(json!({"url": "http://127.0.0.1:9/"})),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::UNAUTHORIZED);
    assert_glance_error(
        &alice.get(&format!("{WEBHOOKS}/not-an-id")).await,
        StatusCode::NOT_FOUND,
    );

    alice.register("http://127.0.0.1:9/a", &[]).await;
    alice.register("http://127.0.0.1:9/b", &[]).await;
    let third = alice
        .try_register(json!({"url": "http://127.0.0.1:9/c"}))
        .await;
    assert_glance_error(&third, StatusCode::BAD_REQUEST);
    third.assert_says("/message", "delete one first");
}
