//! The operators' side: the cloud admin lists reports (open ones by default) with who made
//! them, the image as it is now and its trust report's warnings, and dismisses one with a note;
//! every other caller gets 403 naming the admin role from every operators' call, and the
//! answers of those calls never depend on whether the report or image exists.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{admin_image_uri, dismiss_uri, world};
use crate::app::{Engine, on_both_engines};
use crate::spec::assert_glance_error;

on_both_engines!(
    the_admin_lists_open_reports_with_the_reporter_and_the_trust_report,
    the_admin_dismisses_a_report_with_a_note_once,
    no_one_but_the_admin_reaches_the_operators_calls,
);

async fn the_admin_lists_open_reports_with_the_reporter_and_the_trust_report(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("suspect").await;
    w.consumer
        .wait_for(
            &format!("{}/glint-inspection", image.uri()),
            "/status",
            "complete",
        )
        .await;
    let report = w.consumer.report_malware(&image).await;
    let admin = w.app.cloud_admin().await;
    let listed = admin.operator_reports("").await.expect(StatusCode::OK);
    let reports = listed["reports"].as_array().cloned().unwrap_or_default();
    assert_eq!(reports.len(), 1, "{listed}");
    let seen = &reports[0];
    assert_eq!(seen["id"], report["id"]);
    assert_eq!(seen["reason"], "malware");
    assert_eq!(seen["comment"], "opens a reverse shell at boot");
    assert_eq!(seen["status"], "open");
    assert_eq!(
        seen["image"],
        json!({"id": image.id, "name": "suspect", "region": "DFW", "owner": "1001", "status": "active"})
    );
    assert_eq!(seen["reporter"]["account"], "1002");
    assert_eq!(seen["reporter"]["user_name"], "c");
    assert_eq!(seen["trust_report"]["status"], "complete");
    assert!(seen["trust_report"]["warnings"].is_array());
    assert!(seen["resolution"].is_null());
    let all = admin
        .operator_reports("?status=all")
        .await
        .expect(StatusCode::OK);
    assert_eq!(all["reports"], listed["reports"]);
    let dismissed = admin
        .operator_reports("?status=dismissed")
        .await
        .expect(StatusCode::OK);
    assert_eq!(dismissed["reports"], json!([]));
    let bad = admin.operator_reports("?status=closed").await;
    assert_glance_error(&bad, StatusCode::BAD_REQUEST);
    let bad = admin.operator_reports("?limit=2").await;
    assert_glance_error(&bad, StatusCode::BAD_REQUEST);
}

async fn the_admin_dismisses_a_report_with_a_note_once(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("fine").await;
    let report = w.consumer.report_malware(&image).await;
    let admin = w.app.cloud_admin().await;
    let note = json!({"note": "checked: a known monitoring agent"});
    admin
        .call(Method::POST, &dismiss_uri(&report), Some(note.clone()))
        .await
        .expect(StatusCode::NO_CONTENT);
    let again = admin
        .call(Method::POST, &dismiss_uri(&report), Some(note))
        .await;
    assert_glance_error(&again, StatusCode::CONFLICT);
    again.assert_says("/message", "already dismissed");
    let open = admin.operator_reports("").await.expect(StatusCode::OK);
    assert_eq!(open["reports"], json!([]));
    let dismissed = admin
        .operator_reports("?status=dismissed")
        .await
        .expect(StatusCode::OK);
    let seen = &dismissed["reports"][0];
    assert_eq!(seen["status"], "dismissed");
    assert_eq!(
        seen["resolution"]["note"],
        "checked: a known monitoring agent"
    );
    assert_eq!(seen["resolution"]["by"], "admin");
    let own = w
        .consumer
        .get("/glint/v1/reports")
        .await
        .expect(StatusCode::OK);
    assert_eq!(own["reports"][0]["status"], "dismissed");
    assert!(own["reports"][0]["resolved_at"].is_string());
    assert_eq!(
        w.consumer.status_of(&image).await,
        "active",
        "nothing else changed"
    );
    let missing = json!({"id": "7c3b1e2a-0000-4000-8000-000000000000"});
    let r = admin.call(Method::POST, &dismiss_uri(&missing), None).await;
    assert_glance_error(&r, StatusCode::NOT_FOUND);
    let long = json!({"note": "x".repeat(1001)});
    let r = admin
        .call(Method::POST, &dismiss_uri(&report), Some(long))
        .await;
    assert_glance_error(&r, StatusCode::BAD_REQUEST);
    r.assert_says("/message", "'note'");
}

async fn no_one_but_the_admin_reaches_the_operators_calls(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("guarded").await;
    let report = w.consumer.report_malware(&image).await;
    let missing = json!({"id": "7c3b1e2a-0000-4000-8000-000000000000"});
    let calls: Vec<(Method, String)> = vec![
        (Method::GET, "/glint/v1/admin/reports".into()),
        (Method::GET, "/glint/v1/admin/reports?status=all".into()),
        (Method::POST, dismiss_uri(&report)),
        (Method::POST, dismiss_uri(&missing)),
        (Method::POST, admin_image_uri(&image, "quarantine")),
        (Method::POST, admin_image_uri(&image, "release")),
    ];
    for actor in [&w.producer, &w.reader, &w.consumer, &w.partner, &w.stranger] {
        let mut answers: Vec<Value> = Vec::new();
        for (method, uri) in &calls {
            let r = actor
                .call(method.clone(), uri, Some(json!({"note": "x"})))
                .await;
            assert_glance_error(&r, StatusCode::FORBIDDEN);
            r.assert_says("/message", "'admin' role");
            answers.push(r.body.clone());
        }
        assert!(
            answers.windows(2).all(|p| p[0] == p[1]),
            "the same answer whatever exists: {answers:?}"
        );
    }
    assert_eq!(w.consumer.status_of(&image).await, "active");
}
