//! Who may report an image and what a report may say: an account the image is shared with, in
//! any member status and through a group, or one that sees a public image, with any role; the
//! owner may not (403), a stranger learns nothing (404); a reason from the list, a comment of
//! at most 1000 characters; one open report per account and image (409); the reporting account
//! reads its own reports and nobody else does.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::world;
use crate::app::{Engine, on_both_engines};
use crate::spec::{assert_glance_error, pattern};

on_both_engines!(
    an_account_the_image_is_shared_with_reports_it_in_any_member_status,
    an_account_offered_the_image_through_a_group_or_seeing_it_public_reports_it,
    the_owner_may_not_report_its_own_image,
    a_stranger_gets_404_and_learns_nothing,
    a_report_needs_a_reason_from_the_list_and_a_short_comment,
    an_account_has_one_open_report_per_image,
    the_reporting_account_reads_its_reports_and_no_one_else_does,
);

async fn an_account_the_image_is_shared_with_reports_it_in_any_member_status(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    for (name, answer) in [
        ("p", None),
        ("a", Some("accepted")),
        ("r", Some("rejected")),
    ] {
        let image = w.producer.upload(name, pattern(512)).await;
        w.producer.share(&image, &w.consumer).await;
        if let Some(status) = answer {
            w.consumer
                .answer(&image, status)
                .await
                .expect(StatusCode::OK);
        }
        let r = w
            .consumer
            .report(&image, json!({"reason": "credentials"}))
            .await;
        let location = r.header("location").unwrap_or_default().to_owned();
        let report = r.expect(StatusCode::CREATED);
        assert_eq!(report["image_id"], image.id.as_str());
        assert_eq!(report["region"], "DFW");
        assert_eq!(report["image_name"], name);
        assert_eq!(report["reason"], "credentials");
        assert_eq!(report["comment"], "");
        assert_eq!(report["status"], "open");
        assert!(report["resolved_at"].is_null());
        assert!(location.ends_with(&format!(
            "/glint/v1/reports/{}",
            report["id"].as_str().unwrap()
        )));
    }
}

async fn an_account_offered_the_image_through_a_group_or_seeing_it_public_reports_it(
    engine: Engine,
) {
    let Some(w) = world(engine).await else { return };
    let image = w.producer.upload("grouped", pattern(512)).await;
    let group = w.group("partners", &["1004"]).await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    w.partner.report_malware(&image).await;
    let public = w
        .producer
        .upload_with(
            json!({"name": "pub", "visibility": "community"}),
            pattern(512),
        )
        .await;
    let reader = w.app.actor("s2", "other", glint_core::Role::Reader).await;
    let report = reader
        .report(
            &public,
            json!({"reason": "misleading", "comment": "not Debian"}),
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(report["reason"], "misleading");
}

async fn the_owner_may_not_report_its_own_image(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("own").await;
    for owner in [&w.producer, &w.reader] {
        let r = owner.report(&image, json!({"reason": "other"})).await;
        assert_glance_error(&r, StatusCode::FORBIDDEN);
        r.assert_says("/message", "cannot report its own image");
    }
}

async fn a_stranger_gets_404_and_learns_nothing(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("hidden").await;
    let r = w
        .stranger
        .report(&image, json!({"reason": "malware"}))
        .await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    let missing = crate::spec::Image {
        id: "7c3b1e2a-0000-4000-8000-000000000000".into(),
        region: "DFW".into(),
    };
    let unknown = w
        .stranger
        .report(&missing, json!({"reason": "malware"}))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body["message"],
        unknown.body["message"]
            .as_str()
            .unwrap()
            .replace(&missing.id, &image.id),
        "the same answer as for an image that does not exist"
    );
    let own = w
        .stranger
        .get("/glint/v1/reports")
        .await
        .expect(StatusCode::OK);
    assert_eq!(own["reports"], json!([]));
}

async fn a_report_needs_a_reason_from_the_list_and_a_short_comment(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("checked").await;
    let long = "x".repeat(1001);
    for (body, field) in [
        (json!({"reason": "ugly"}), "'reason'"),
        (json!({"comment": "no reason"}), "'reason'"),
        (json!({"reason": 3}), "'reason'"),
        (json!({"reason": "other", "comment": long}), "'comment'"),
        (json!({"reason": "other", "comment": 5}), "'comment'"),
        (json!({"reason": "other", "who": "me"}), "'who'"),
    ] {
        let r = w.consumer.report(&image, body).await;
        assert_glance_error(&r, StatusCode::BAD_REQUEST);
        r.assert_says("/message", field);
    }
    let exactly = "é".repeat(1000);
    let report = w
        .consumer
        .report(&image, json!({"reason": "other", "comment": exactly}))
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(report["comment"].as_str().unwrap().chars().count(), 1000);
}

async fn an_account_has_one_open_report_per_image(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("twice").await;
    let first = w.consumer.report_malware(&image).await;
    let colleague = w.app.actor("c2", "cons", glint_core::Role::Reader).await;
    let again = colleague.report(&image, json!({"reason": "other"})).await;
    assert_glance_error(&again, StatusCode::CONFLICT);
    again.assert_says("/message", "already reported");
    // Once the operators dismissed it, the account may report the image again.
    let admin = w.app.cloud_admin().await;
    admin
        .call(Method::POST, &super::dismiss_uri(&first), Some(json!({})))
        .await
        .expect(StatusCode::NO_CONTENT);
    colleague
        .report(&image, json!({"reason": "other", "comment": "still bad"}))
        .await
        .expect(StatusCode::CREATED);
}

async fn the_reporting_account_reads_its_reports_and_no_one_else_does(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("mine").await;
    let report = w.consumer.report_malware(&image).await;
    let uri = format!("/glint/v1/reports/{}", report["id"].as_str().unwrap());
    let colleague = w.app.actor("c2", "cons", glint_core::Role::Reader).await;
    let listed = colleague
        .get("/glint/v1/reports")
        .await
        .expect(StatusCode::OK);
    assert_eq!(listed["reports"], json!([report.clone()]));
    assert_eq!(colleague.get(&uri).await.expect(StatusCode::OK), report);
    let open = colleague
        .get("/glint/v1/reports?status=open")
        .await
        .expect(StatusCode::OK);
    assert_eq!(open["reports"].as_array().map(Vec::len), Some(1));
    let none = colleague
        .get("/glint/v1/reports?status=dismissed")
        .await
        .expect(StatusCode::OK);
    assert_eq!(none["reports"], json!([]));
    let bad = colleague.get("/glint/v1/reports?status=closed").await;
    assert_glance_error(&bad, StatusCode::BAD_REQUEST);
    for other in [&w.producer, &w.stranger, &w.partner] {
        assert_glance_error(&other.get(&uri).await, StatusCode::NOT_FOUND);
        let theirs = other.get("/glint/v1/reports").await.expect(StatusCode::OK);
        assert_eq!(
            theirs["reports"],
            json!([]),
            "{} sees no report",
            other.user
        );
    }
}
