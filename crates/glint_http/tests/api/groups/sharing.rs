//! Sharing an image with a group: every account of the group gets a pending share that the
//! member API shows exactly as the reference's member object; an account added later gets it
//! too; removing an account (or the group's share) takes back what is not accepted; the member
//! quota counts accounts; both parties are told.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{group_shares_uri, group_uri, world, world_with};
use crate::app::{Engine, on_both_engines};
use crate::events::feed;
use crate::spec::assert_glance_error;

on_both_engines!(
    sharing_with_a_group_shares_with_every_account_as_plain_members,
    an_account_added_to_the_group_later_gets_the_share,
    removing_an_account_takes_back_pending_and_rejected_shares_and_keeps_accepted_ones,
    unsharing_the_group_keeps_accepted_shares_and_a_shared_group_is_not_deleted,
    a_group_share_past_the_member_quota_is_413_and_writes_nothing,
    group_shares_are_told_to_both_parties_and_no_one_else,
    an_account_already_shared_with_keeps_its_share_and_the_owner_is_skipped,
    a_direct_add_makes_a_group_share_direct,
);

/// The keys of the reference's member object.
const MEMBER_KEYS: [&str; 6] = [
    "created_at",
    "image_id",
    "member_id",
    "schema",
    "status",
    "updated_at",
];

fn keys(member: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = member
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

async fn sharing_with_a_group_shares_with_every_account_as_plain_members(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let group = w.group("partners", &["1002", "1004"]).await;
    let image = w.image("tuned-web-server").await;
    let share = w
        .producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    assert_eq!(share["accounts"], json!(["1002", "1004"]));
    assert_eq!(share["group_id"], group["id"]);
    assert_eq!(share["group_name"], "partners");
    for consumer in [&w.consumer, &w.partner] {
        let member = consumer
            .member(&image, &consumer.number)
            .await
            .expect(StatusCode::OK);
        assert_eq!(member["status"], "pending");
        assert_eq!(keys(&member), MEMBER_KEYS, "{member}");
        consumer.show(&image).await.expect(StatusCode::OK);
        assert_eq!(
            consumer.count("").await,
            0,
            "pending shares stay out of the list"
        );
    }
    let members = w.producer.members(&image).await.expect(StatusCode::OK);
    let rows = members["members"].as_array().cloned().unwrap_or_default();
    let numbers: BTreeSet<&str> = rows
        .iter()
        .filter_map(|m| m["member_id"].as_str())
        .collect();
    assert_eq!(numbers, BTreeSet::from(["1002", "1004"]));
    assert!(rows.iter().all(|m| keys(m) == MEMBER_KEYS));
    let listed = w
        .producer
        .get(&group_shares_uri(&image))
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed["group_shares"][0]["group_id"], group["id"]);
    assert_eq!(
        listed["group_shares"][0]["accounts"],
        json!(["1002", "1004"])
    );
    w.consumer.accept(&image).await;
    assert_eq!(w.consumer.ids("").await, [image.id.as_str()]);
    let again = w.producer.share_with_group(&image, &group).await;
    assert_glance_error(&again, StatusCode::CONFLICT);
}

async fn an_account_added_to_the_group_later_gets_the_share(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let group = w.group("partners", &["1002"]).await;
    let image = w.image("web").await;
    let unshared = w.image("not shared with the group").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    assert_eq!(w.partner.own_share(&image).await, None);
    w.producer
        .add_to_group(&group, "1004")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        w.partner.own_share(&image).await.as_deref(),
        Some("pending")
    );
    assert_eq!(w.partner.own_share(&unshared).await, None);
    let listed = w
        .producer
        .get(&group_shares_uri(&image))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        listed["group_shares"][0]["accounts"],
        json!(["1002", "1004"])
    );
}

async fn removing_an_account_takes_back_pending_and_rejected_shares_and_keeps_accepted_ones(
    engine: Engine,
) {
    let Some(w) = world(engine).await else { return };
    let group = w.group("partners", &["1002", "1003", "1004"]).await;
    let image = w.image("web").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    w.consumer.accept(&image).await;
    w.stranger.reject(&image).await;
    for account in ["1002", "1003", "1004"] {
        let r = w.producer.remove_from_group(&group, account).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    }
    assert_eq!(
        w.consumer.own_share(&image).await.as_deref(),
        Some("accepted")
    );
    assert_eq!(w.consumer.ids("").await, [image.id.as_str()]);
    assert_eq!(
        w.stranger.own_share(&image).await,
        None,
        "rejected: removed"
    );
    assert_eq!(w.partner.own_share(&image).await, None, "pending: removed");
    assert_glance_error(&w.partner.show(&image).await, StatusCode::NOT_FOUND);
    // The accepted share stays until the producer removes it, even if the account comes back
    // to the group and leaves again.
    w.producer
        .add_to_group(&group, "1002")
        .await
        .expect(StatusCode::OK);
    w.producer.remove_from_group(&group, "1002").await;
    assert_eq!(
        w.consumer.own_share(&image).await.as_deref(),
        Some("accepted")
    );
    let r = w.producer.remove_member(&image, "1002").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(w.consumer.own_share(&image).await, None);
}

async fn unsharing_the_group_keeps_accepted_shares_and_a_shared_group_is_not_deleted(
    engine: Engine,
) {
    let Some(w) = world(engine).await else { return };
    let group = w.group("partners", &["1002", "1004"]).await;
    let image = w.image("web").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    w.consumer.accept(&image).await;
    let r = w
        .producer
        .call(Method::DELETE, &group_uri(&group), None)
        .await;
    assert_glance_error(&r, StatusCode::CONFLICT);
    r.assert_says("/message", "unshare");
    let unshare = format!(
        "{}/{}",
        group_shares_uri(&image),
        group["id"].as_str().unwrap_or_default()
    );
    let r = w.consumer.call(Method::DELETE, &unshare, None).await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let r = w.producer.call(Method::DELETE, &unshare, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    assert_eq!(
        w.consumer.own_share(&image).await.as_deref(),
        Some("accepted")
    );
    assert_eq!(w.partner.own_share(&image).await, None);
    let listed = w
        .producer
        .get(&group_shares_uri(&image))
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed["group_shares"], json!([]));
    let r = w.producer.call(Method::DELETE, &unshare, None).await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    let r = w
        .producer
        .call(Method::DELETE, &group_uri(&group), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        w.consumer.own_share(&image).await.as_deref(),
        Some("accepted"),
        "a share kept as direct outlives its group"
    );
}

async fn a_group_share_past_the_member_quota_is_413_and_writes_nothing(engine: Engine) {
    let Some(w) = world_with(engine, |s| s.limits.member_quota = 2).await else {
        return;
    };
    let image = w.image("web").await;
    let big = w.group("everyone", &["1002", "1003", "1004"]).await;
    let r = w.producer.share_with_group(&image, &big).await;
    assert_glance_error(&r, StatusCode::PAYLOAD_TOO_LARGE);
    r.assert_says("/message", &image.id);
    let members = w.producer.members(&image).await.expect(StatusCode::OK);
    assert_eq!(members["members"], json!([]));
    let listed = w
        .producer
        .get(&group_shares_uri(&image))
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed["group_shares"], json!([]));
    assert_eq!(feed(&w.consumer, "").await, Vec::<Value>::new());

    let small = w.group("partners", &["1002"]).await;
    w.producer
        .share_with_group(&image, &small)
        .await
        .expect(StatusCode::OK);
    w.producer
        .add_to_group(&small, "1004")
        .await
        .expect(StatusCode::OK);
    let r = w.producer.add_to_group(&small, "1003").await;
    assert_glance_error(&r, StatusCode::PAYLOAD_TOO_LARGE);
    r.assert_says("/message", &image.id);
    let group = w
        .producer
        .get(&group_uri(&small))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        group["accounts"],
        json!(["1002", "1004"]),
        "the add wrote nothing"
    );
    assert_eq!(w.stranger.own_share(&image).await, None);
    assert_eq!(feed(&w.stranger, "").await, Vec::<Value>::new());
}

async fn group_shares_are_told_to_both_parties_and_no_one_else(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let group = w.group("partners", &["1002"]).await;
    let image = w.image("web").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    w.producer
        .add_to_group(&group, "1004")
        .await
        .expect(StatusCode::OK);
    w.producer.remove_from_group(&group, "1004").await;
    for (party, kinds) in [
        (&w.consumer, vec!["share.created"]),
        (&w.partner, vec!["share.removed", "share.created"]),
    ] {
        let events = feed(party, "").await;
        let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(types, kinds, "{}", party.user);
        for event in &events {
            assert_eq!(event["detail"]["group"], "partners");
            assert_eq!(event["producer"], "1001");
            assert_eq!(event["consumer"], party.number.as_str());
            assert_eq!(event["actor"]["user_name"], "p");
        }
    }
    let own = feed(&w.producer, "").await;
    assert_eq!(own.len(), 3, "the producer is told of each: {own:?}");
    assert_eq!(feed(&w.stranger, "").await, Vec::<Value>::new());
}

async fn an_account_already_shared_with_keeps_its_share_and_the_owner_is_skipped(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.image("web").await;
    w.producer.share(&image, &w.consumer).await;
    w.consumer.accept(&image).await;
    let group = w.group("partners", &["1001", "1002", "1004"]).await;
    let share = w
        .producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        share["accounts"],
        json!(["1004"]),
        "the owner and live members are skipped"
    );
    assert_eq!(
        w.consumer.own_share(&image).await.as_deref(),
        Some("accepted")
    );
    w.producer.remove_from_group(&group, "1002").await;
    assert_eq!(
        w.consumer.own_share(&image).await.as_deref(),
        Some("accepted"),
        "a direct share does not follow the group"
    );
    let members = w.producer.members(&image).await.expect(StatusCode::OK);
    assert_eq!(members["members"].as_array().map(Vec::len), Some(2));
}

async fn a_direct_add_makes_a_group_share_direct(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let group = w.group("partners", &["1002", "1004"]).await;
    let image = w.image("web").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    let member = w
        .producer
        .add_member(&image, "1002")
        .await
        .expect(StatusCode::OK);
    assert_eq!(member["status"], "pending");
    assert_eq!(keys(&member), MEMBER_KEYS, "{member}");
    for account in ["1002", "1004"] {
        w.producer.remove_from_group(&group, account).await;
    }
    assert_eq!(
        w.consumer.own_share(&image).await.as_deref(),
        Some("pending")
    );
    assert_eq!(w.partner.own_share(&image).await, None);
    let created = feed(&w.consumer, "type=share.created").await;
    assert_eq!(
        created.len(),
        1,
        "made direct, not offered again: {created:?}"
    );
    let again = w.producer.add_member(&image, "1002").await;
    assert_glance_error(&again, StatusCode::CONFLICT);
}
