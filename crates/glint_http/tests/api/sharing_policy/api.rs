//! The policy API around the table: reading and setting it by role, bad requests, a report
//! that is not written yet, the manager's override and its private event, what `audit` lists
//! against what `enforce` refuses, the sweep that catches a missed acceptance, and isolation.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use super::{
    Content, Disks, POLICY, reported_image, set_policy, share_becomes, share_missed_by_its_policy,
    status_of_share, world,
};
use crate::app::{Engine, on_both_engines};
use crate::events::feed;
use crate::spec::{Actor, assert_glance_error};

on_both_engines!(
    policies_are_read_by_any_role_and_set_by_managers,
    a_share_waits_for_its_report_then_is_accepted_by_itself,
    a_managers_override_is_recorded_for_the_consumer_alone,
    audit_lists_exactly_what_enforce_refuses,
    the_timer_accepts_what_no_trigger_did,
    strangers_see_nothing_of_a_policy,
);

fn member_keys(member: &Value) -> Vec<String> {
    let mut keys: Vec<String> = member.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

async fn policies_are_read_by_any_role_and_set_by_managers(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    let reader = w.app.actor("acme-reader", "acme", Role::Reader).await;

    let shown = reader.get(POLICY).await.expect(StatusCode::OK);
    assert_eq!(shown["mode"], "off");
    assert_eq!(shown["rules"]["ssh_keys"], "refuse");
    assert_eq!(shown["updated_at"], Value::Null);

    let r = reader
        .call(Method::PUT, POLICY, Some(json!({"mode": "enforce"})))
        .await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let set = set_policy(
        &manager,
        json!({"mode": "audit", "trusted_producers": ["2001"],
        "rules": {"nopasswd_sudo": "refuse"}}),
    )
    .await;
    assert_eq!(set["mode"], "audit");
    assert_eq!(set["trusted_producers"], json!(["2001"]));
    assert_eq!(set["rules"]["nopasswd_sudo"], "refuse");
    assert_eq!(set["updated_by"], "acme-mgr");
    assert_eq!(reader.get(POLICY).await.expect(StatusCode::OK), set);

    for (bad, says) in [
        (json!({"mode": "strict"}), "mode"),
        (json!({"trusted": []}), "Unknown field 'trusted'"),
        (json!({"rules": {"ssh_keys": "maybe"}}), "ssh_keys"),
        (json!({"allowed_ssh_keys": ["abc"]}), "fingerprint"),
    ] {
        let r = manager.call(Method::PUT, POLICY, Some(bad.clone())).await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
        r.assert_says("/message", says);
    }
    let headers = [("content-type", "application/json")];
    let (status, _, _) = manager
        .raw(Method::PUT, POLICY, &headers, b"{not json".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reader.get(POLICY).await.expect(StatusCode::OK),
        set,
        "nothing changed"
    );

    let r = reader.call(Method::DELETE, POLICY, None).await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let r = manager.call(Method::DELETE, POLICY, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = manager.call(Method::DELETE, POLICY, None).await;
    assert_glance_error(&r, StatusCode::CONFLICT);
    assert_eq!(
        reader.get(POLICY).await.expect(StatusCode::OK)["mode"],
        "off"
    );
}

async fn a_share_waits_for_its_report_then_is_accepted_by_itself(engine: Engine) {
    let Some(disks) = Disks::build("sharing policy: waiting for the report") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let consumer = w.consumer("acme", "3100").await;
    set_policy(
        &consumer,
        json!({"mode": "enforce", "trusted_producers": ["2001"]}),
    )
    .await;

    // Shared before it has data: no report, so the share waits.
    let body = json!({"disk_format": "raw", "container_format": "bare", "visibility": "shared"});
    let image = w.build.create(body).await;
    w.build.share(&image, &consumer).await;
    assert_eq!(status_of_share(&consumer, &image).await, "pending");
    let blocked = consumer
        .get(&format!("{POLICY}/blocked"))
        .await
        .expect(StatusCode::OK);
    assert!(
        blocked.to_string().contains("no trust report yet"),
        "{blocked}"
    );

    assert_eq!(
        w.build.put_file(&image, disks.bytes(Content::Clean)).await,
        StatusCode::NO_CONTENT
    );
    share_becomes(&consumer, &image, "accepted").await;
    let events = feed(&consumer, "type=share.accepted").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail"]["automatic"], true);
    assert_eq!(events[0]["actor"], Value::Null, "the service accepted it");
    let producer_sees = feed(&w.build, "type=share.accepted").await;
    assert_eq!(
        producer_sees.len(),
        1,
        "the producer is told of the acceptance"
    );
}

async fn a_managers_override_is_recorded_for_the_consumer_alone(engine: Engine) {
    let Some(disks) = Disks::build("sharing policy: override") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    let member = w.app.actor("acme-dev", "acme", Role::Member).await;
    set_policy(&manager, json!({"mode": "enforce"})).await;
    let image = reported_image(&w.vendor, &disks, Content::KeyA).await;
    w.vendor.share(&image, &manager).await;
    let uri = format!("{}/actions/glint-accept-override", image.member("3100"));

    let r = member
        .call(Method::POST, &uri, Some(json!({"reason": "x"})))
        .await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let r = manager
        .call(Method::POST, &uri, Some(json!({"reason": 5})))
        .await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
    let accepted = manager
        .call(
            Method::POST,
            &uri,
            Some(json!({"reason": "the vendor's support key, agreed"})),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(
        member_keys(&accepted),
        [
            "created_at",
            "image_id",
            "member_id",
            "schema",
            "status",
            "updated_at"
        ],
        "the member API's six keys"
    );
    assert_eq!(
        manager.boot(&image.id, "1").await.status,
        StatusCode::ACCEPTED
    );
    // The same answer again keeps the override; a new answer forgets it.
    assert_eq!(
        manager.answer(&image, "accepted").await.status,
        StatusCode::OK
    );
    assert_eq!(
        manager.answer(&image, "rejected").await.status,
        StatusCode::OK
    );
    assert_eq!(
        manager.answer(&image, "accepted").await.status,
        StatusCode::FORBIDDEN
    );

    let mine = feed(&manager, "type=share.policy_override").await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        mine[0]["detail"]["reason"],
        "the vendor's support key, agreed"
    );
    assert!(
        mine[0]["detail"]["findings"]
            .to_string()
            .contains("preinstalled SSH key")
    );
    assert_eq!(mine[0]["actor"]["user_name"], "acme-mgr");
    let theirs = feed(&w.vendor, "").await;
    assert!(
        theirs.iter().all(|e| e["type"] != "share.policy_override"),
        "{theirs:?}"
    );
    assert!(!Value::Array(theirs).to_string().contains("agreed"));

    // Nothing to override without a refusal.
    let clean = reported_image(&w.vendor, &disks, Content::Clean).await;
    w.vendor.share(&clean, &manager).await;
    let uri = format!("{}/actions/glint-accept-override", clean.member("3100"));
    let r = manager.call(Method::POST, &uri, None).await;
    assert_glance_error(&r, StatusCode::CONFLICT);
}

async fn audit_lists_exactly_what_enforce_refuses(engine: Engine) {
    let Some(disks) = Disks::build("sharing policy: audit") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let consumer = w.consumer("acme", "3100").await;
    set_policy(&consumer, json!({"mode": "audit"})).await;
    let mut shared = Vec::new();
    for content in [
        Content::Clean,
        Content::KeyA,
        Content::PasswordUser,
        Content::Sudo,
        Content::ExtraUid0,
        Content::Unreadable,
    ] {
        let image = reported_image(&w.vendor, &disks, content).await;
        w.vendor.share(&image, &consumer).await;
        shared.push(image);
    }
    let blocked = consumer
        .get(&format!("{POLICY}/blocked"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(blocked["mode"], "audit");
    assert_eq!(blocked["enforced"], false);
    let mut listed: Vec<String> = blocked["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["image_id"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();

    set_policy(&consumer, json!({"mode": "enforce"})).await;
    let mut refused = Vec::new();
    for image in &shared {
        let r = consumer.answer(image, "accepted").await;
        match r.status {
            StatusCode::FORBIDDEN => refused.push(image.id.clone()),
            StatusCode::OK => {}
            other => panic!("{other}: {}", r.body),
        }
    }
    refused.sort();
    assert_eq!(listed, refused);
    assert_eq!(refused.len(), 3, "key, password login and uid 0");
}

async fn the_timer_accepts_what_no_trigger_did(engine: Engine) {
    let Some(disks) = Disks::build("sharing policy: sweep") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let (consumer, image) = share_missed_by_its_policy(&w, &disks, "audit").await;
    assert_eq!(
        w.app.images.accept_trusted_shares().await.expect("sweep"),
        1
    );
    assert_eq!(status_of_share(&consumer, &image).await, "accepted");
    assert_eq!(
        w.app.images.accept_trusted_shares().await.expect("sweep"),
        0
    );
}

async fn strangers_see_nothing_of_a_policy(engine: Engine) {
    let Some(disks) = Disks::build("sharing policy: isolation") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let consumer = w.consumer("acme", "3100").await;
    let stranger: Actor = w.consumer("other", "3200").await;
    set_policy(
        &consumer,
        json!({"mode": "enforce", "trusted_producers": ["2002"]}),
    )
    .await;
    let image = reported_image(&w.vendor, &disks, Content::KeyA).await;
    w.vendor.share(&image, &consumer).await;

    let theirs = stranger.get(POLICY).await.expect(StatusCode::OK);
    assert_eq!(theirs["mode"], "off", "each account reads its own");
    let blocked = stranger
        .get(&format!("{POLICY}/blocked"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(blocked["images"], json!([]));
    for member in ["3100", "3200"] {
        let uri = format!("{}/actions/glint-accept-override", image.member(member));
        let r = stranger.call(Method::POST, &uri, None).await;
        assert_glance_error(&r, StatusCode::NOT_FOUND);
    }
    // The producer's answers never show the consumer's policy.
    let members = w.vendor.get(&image.members()).await.expect(StatusCode::OK);
    assert_eq!(members["members"][0]["status"], "pending");
    assert!(!members.to_string().contains("polic"));
    assert_eq!(status_of_share(&consumer, &image).await, "pending");
}
