//! The Webhooks page: a member adds an endpoint (its secret shown on that answer only), sends a
//! test event that a real receiver gets and the delivery log shows, and deletes it; a reader
//! sees the endpoints but no form and is refused naming the role; another account gets the
//! not-found page and cannot delete; a bad URL comes back with the reason.

use std::time::Duration;

use axum::http::StatusCode;
use glint_core::Role;

use super::browser::Browser;
use crate::app::TestApp;
use crate::spec::Actor;
use crate::webhooks::receiver::Receiver;

/// acme (554433: alice member, rita reader) and beta (112233: bob member), the webhook worker
/// running.
async fn world() -> (TestApp, Actor) {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    app.user("rita", "acme", Role::Reader).await;
    app.user("bob", "beta", Role::Member).await;
    app.webhooks.start();
    (app, alice)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_adds_a_webhook_sees_its_secret_once_tests_and_deletes_it() {
    let (app, alice) = world().await;
    let receiver = Receiver::start(0).await;

    let mut member = Browser::of(&app, &alice).await;
    let empty = member.get("/webhooks").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("No webhooks yet") && empty.body.contains("Add Webhook"));

    let bad = member.post("/webhooks", &[("url", "ftp://x")], true).await;
    assert_eq!(bad.location(), "/webhooks");
    let back = member.get("/webhooks").await;
    assert!(
        back.body.contains("must start with http:// or https://"),
        "{}",
        back.body
    );

    let fields = [
        ("url", receiver.url.as_str()),
        ("description", "ops <pager>"),
        ("event_types", "share.created"),
        ("event_types", "share.accepted"),
    ];
    let added = member.post("/webhooks", &fields, true).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let secret = added
        .body
        .split("<code data-testid=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the secret on the answer")
        .to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert!(added.body.contains("ops &#60;pager&#62;"), "escaped");
    let listed = alice.get("/glint/v1/webhooks").await.body;
    let id = listed["webhooks"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        listed["webhooks"][0]["event_types"],
        serde_json::json!(["share.created", "share.accepted"])
    );
    let again = member.get("/webhooks").await;
    assert!(again.body.contains(&receiver.url));
    assert!(!again.body.contains(&secret), "shown once");

    let sent = member
        .post(&format!("/webhooks/{id}/test"), &[], true)
        .await;
    assert_eq!(sent.location(), format!("/webhooks/{id}"));
    let got = receiver.wait_for_delivered(1).await;
    assert!(got[0].signed_with(&secret));
    assert_eq!(got[0].header("glint-event-type"), "webhook.test");
    let mut log = String::new();
    for _ in 0..250 {
        log = member.get(&format!("/webhooks/{id}")).await.body;
        if log.contains("delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        log.contains("webhook.test") && log.contains("delivered"),
        "{log}"
    );

    let deleted = member
        .post(&format!("/webhooks/{id}/delete"), &[], true)
        .await;
    assert_eq!(deleted.location(), "/webhooks");
    assert!(alice.webhook_ids().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_only_looks_and_another_account_gets_nothing() {
    const URL: &str = "http://127.0.0.1:9/hook";
    let (app, alice) = world().await;
    let hook = alice.register(URL, &[]).await;
    let id = hook["id"].as_str().expect("id").to_owned();
    let mut reader = Browser::signed_in(&app, "rita", "acme").await;
    let looked = reader.get("/webhooks").await;
    assert!(looked.body.contains(URL));
    assert!(!looked.body.contains("Add Webhook"), "no form for a reader");
    let refused = reader
        .post("/webhooks", &[("url", "http://127.0.0.1:9/")], true)
        .await;
    assert_eq!(refused.location(), "/webhooks");
    let told = reader.get("/webhooks").await.body;
    assert!(
        told.contains("member") && told.contains("role in your account to register webhooks"),
        "{told}"
    );

    let mut stranger = Browser::signed_in(&app, "bob", "beta").await;
    assert_eq!(
        stranger.get(&format!("/webhooks/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!stranger.get("/webhooks").await.body.contains(URL));
    stranger
        .post(&format!("/webhooks/{id}/delete"), &[], true)
        .await;
    assert_eq!(
        alice.webhook_ids().await,
        [id.as_str()],
        "not the stranger's to delete"
    );
}
