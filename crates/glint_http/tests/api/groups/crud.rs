//! A group's life through the API: create, list, show, rename, add and remove accounts, delete;
//! every bad input a 400 (409 for a taken name) in the Image API's error format; a `reader`
//! reads but does not change; a stranger gets 404 for everything and sees nothing.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{account_uri, group_shares_uri, group_uri, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::assert_glance_error;

on_both_engines!(
    a_member_creates_lists_renames_changes_and_deletes_a_group,
    bad_input_is_a_clear_error,
    an_account_keeps_at_most_one_hundred_groups,
    a_reader_reads_groups_but_may_not_change_them,
    a_stranger_gets_404_for_another_accounts_group_and_sees_nothing,
);

async fn a_member_creates_lists_renames_changes_and_deletes_a_group(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let body = json!({"name": "  partners ", "accounts": ["1002", "1004", "1002"]});
    let r = w
        .producer
        .call(Method::POST, "/glint/v1/groups", Some(body))
        .await;
    let location = r.header("location").unwrap_or_default().to_owned();
    let group = r.expect(StatusCode::CREATED);
    assert_eq!(group["name"], "partners", "the name is trimmed");
    assert_eq!(
        group["accounts"],
        json!(["1002", "1004"]),
        "duplicates dropped"
    );
    assert!(location.ends_with(&group_uri(&group)), "{location}");
    let listed = w
        .producer
        .get("/glint/v1/groups")
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed["groups"], json!([group.clone()]));
    let shown = w
        .producer
        .get(&group_uri(&group))
        .await
        .expect(StatusCode::OK);
    assert_eq!(shown, group);

    let renamed = w
        .producer
        .call(
            Method::PATCH,
            &group_uri(&group),
            Some(json!({"name": "suppliers"})),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(renamed["name"], "suppliers");
    let added = w
        .producer
        .add_to_group(&group, "1005")
        .await
        .expect(StatusCode::OK);
    assert_eq!(added["accounts"], json!(["1002", "1004", "1005"]));
    let again = w
        .producer
        .add_to_group(&group, "1005")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        again["accounts"], added["accounts"],
        "adding twice is one add"
    );
    let r = w.producer.remove_from_group(&group, "1002").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = w.producer.remove_from_group(&group, "1002").await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    let shown = w
        .producer
        .get(&group_uri(&group))
        .await
        .expect(StatusCode::OK);
    assert_eq!(shown["accounts"], json!(["1004", "1005"]));

    let r = w
        .producer
        .call(Method::DELETE, &group_uri(&group), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_glance_error(
        &w.producer.get(&group_uri(&group)).await,
        StatusCode::NOT_FOUND,
    );
    let listed = w
        .producer
        .get("/glint/v1/groups")
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed["groups"], json!([]));
}

async fn bad_input_is_a_clear_error(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let refused = [
        (json!({"name": "   "}), "may not be empty"),
        (json!({"name": "x".repeat(65)}), "at most 64"),
        (json!({"name": 7}), "'name' must be a string"),
        (json!({"accounts": ["1002"]}), "needs a 'name'"),
        (json!({"name": "a", "accounts": "1002"}), "must be a list"),
        (json!({"name": "a", "accounts": [1002]}), "must be a list"),
        (
            json!({"name": "a", "accounts": ["10 02"]}),
            "is not an account number",
        ),
        (
            json!({"name": "a", "colour": "red"}),
            "Unknown field 'colour'",
        ),
        (json!(["a"]), "Expected a JSON object"),
    ];
    for (body, says) in refused {
        let r = w
            .producer
            .call(Method::POST, "/glint/v1/groups", Some(body.clone()))
            .await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
        r.assert_says("/message", says);
    }
    let too_many: Vec<String> = (0..1001).map(|n| format!("{}", 5000 + n)).collect();
    let r = w
        .producer
        .call(
            Method::POST,
            "/glint/v1/groups",
            Some(json!({"name": "huge", "accounts": too_many})),
        )
        .await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
    r.assert_says("/message", "at most 1000 accounts");

    let group = w.group("partners", &["1002"]).await;
    let r = w
        .producer
        .call(
            Method::POST,
            "/glint/v1/groups",
            Some(json!({"name": "partners"})),
        )
        .await;
    assert_glance_error(&r, StatusCode::CONFLICT);
    r.assert_says("/message", "already has a group named 'partners'");
    let other = w.group("others", &[]).await;
    let r = w
        .producer
        .call(
            Method::PATCH,
            &group_uri(&other),
            Some(json!({"name": "partners"})),
        )
        .await;
    assert_glance_error(&r, StatusCode::CONFLICT);
    let r = w
        .producer
        .call(
            Method::PATCH,
            &group_uri(&group),
            Some(json!({"accounts": []})),
        )
        .await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
    r.assert_says("/message", "Unknown field 'accounts'");
    let r = w.producer.add_to_group(&group, "not%20one").await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
    r.assert_says("/message", "is not an account number");
    let r = w.producer.get("/glint/v1/groups/not-a-group-id").await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    let unchanged = w
        .producer
        .get(&group_uri(&group))
        .await
        .expect(StatusCode::OK);
    assert_eq!(unchanged["accounts"], json!(["1002"]));
}

async fn an_account_keeps_at_most_one_hundred_groups(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    for n in 0..100 {
        w.group(&format!("group {n}"), &[]).await;
    }
    let r = w
        .producer
        .call(
            Method::POST,
            "/glint/v1/groups",
            Some(json!({"name": "one more"})),
        )
        .await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
    r.assert_says("/message", "the most it may have (100)");
    let other = w
        .stranger
        .call(
            Method::POST,
            "/glint/v1/groups",
            Some(json!({"name": "one more"})),
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::CREATED,
        "the limit is per account"
    );
}

async fn a_reader_reads_groups_but_may_not_change_them(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let group = w.group("partners", &["1002"]).await;
    let listed = w
        .reader
        .get("/glint/v1/groups")
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed["groups"][0]["id"], group["id"]);
    w.reader
        .get(&group_uri(&group))
        .await
        .expect(StatusCode::OK);
    let changes = [
        (
            Method::POST,
            "/glint/v1/groups".to_owned(),
            Some(json!({"name": "mine"})),
        ),
        (
            Method::PATCH,
            group_uri(&group),
            Some(json!({"name": "mine"})),
        ),
        (Method::DELETE, group_uri(&group), None),
        (Method::PUT, account_uri(&group, "1004"), None),
        (Method::DELETE, account_uri(&group, "1002"), None),
    ];
    for (method, uri, body) in changes {
        let r = w.reader.call(method, &uri, body).await;
        assert_glance_error(&r, StatusCode::FORBIDDEN);
        r.assert_says("/message", "'member' role");
    }
    let image = w.image("web").await;
    let r = w.reader.share_with_group(&image, &group).await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let shares = w
        .reader
        .get(&group_shares_uri(&image))
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        shares["group_shares"],
        json!([]),
        "a reader of the owner reads them"
    );
    let unchanged = w
        .producer
        .get(&group_uri(&group))
        .await
        .expect(StatusCode::OK);
    assert_eq!(unchanged, group);
}

async fn a_stranger_gets_404_for_another_accounts_group_and_sees_nothing(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let group = w.group("partners", &["1002", "1004"]).await;
    let image = w.image("web").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    let s = &w.stranger;
    let listed = s.get("/glint/v1/groups").await.expect(StatusCode::OK);
    assert_eq!(listed["groups"], json!([]));
    let unknown = json!({"id": "00000000-0000-4000-8000-000000000000"});
    for target in [&group, &unknown] {
        let calls = [
            (Method::GET, group_uri(target), None),
            (
                Method::PATCH,
                group_uri(target),
                Some(json!({"name": "mine"})),
            ),
            (Method::DELETE, group_uri(target), None),
            (Method::PUT, account_uri(target, "1003"), None),
            (Method::DELETE, account_uri(target, "1002"), None),
        ];
        let mut answers: Vec<Value> = Vec::new();
        for (method, uri, body) in calls {
            let r = s.call(method, &uri, body).await;
            assert_glance_error(&r, StatusCode::NOT_FOUND);
            answers.push(r.body["title"].clone());
        }
        assert!(answers.iter().all(|t| t == "Not Found"));
    }
    // The stranger's own group is not the producer's to share with, nor the producer's its.
    let own = s
        .call(
            Method::POST,
            "/glint/v1/groups",
            Some(json!({"name": "partners"})),
        )
        .await
        .expect(StatusCode::CREATED);
    let theirs = w.image("other").await;
    let r = w.producer.share_with_group(&theirs, &own).await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    r.assert_says("/message", "group");
    // A consumer sees the image (it is shared with it) but not the producer's groups.
    let r = w.consumer.get(&group_shares_uri(&image)).await;
    assert_glance_error(&r, StatusCode::FORBIDDEN);
    let private = w.image("private").await;
    let r = s.get(&group_shares_uri(&private)).await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    let r = s.share_with_group(&private, &own).await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    let unchanged = w
        .producer
        .get(&group_uri(&group))
        .await
        .expect(StatusCode::OK);
    assert_eq!(unchanged, group);
}
