//! Reports and quarantine under concurrent clients, on SQLite and PostgreSQL: users of one
//! account reporting one image at once make one report (the others 409, none a 5xx); the
//! owner reactivating while the admin quarantines ends quarantined and deactivated whichever
//! commits first.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{admin_image_uri, reports_uri, world};
use crate::app::{Client, Engine, on_both_engines};
use crate::spec::Actor;

on_both_engines!(
    users_of_one_account_reporting_at_once_make_one_report,
    a_reactivation_racing_the_quarantine_never_undoes_it,
);

/// Sends `(actor, method, uri, body)` requests all at once; their statuses, none a 5xx.
async fn all_at_once(requests: Vec<(&Actor, Method, String, Option<Value>)>) -> Vec<StatusCode> {
    let mut tasks = Vec::new();
    for (actor, method, uri, body) in requests {
        let client: Client = actor.client().clone();
        let token = actor.token.clone();
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
        statuses.push(task.await.expect("task"));
    }
    statuses
}

async fn users_of_one_account_reporting_at_once_make_one_report(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let image = w.accepted_image("raced").await;
    let mut users = Vec::new();
    for n in 0..6 {
        users.push(
            w.app
                .actor(&format!("c{n}"), "cons", glint_core::Role::Reader)
                .await,
        );
    }
    let body = json!({"reason": "malware"});
    let requests = users
        .iter()
        .map(|u| (u, Method::POST, reports_uri(&image), Some(body.clone())))
        .collect();
    let mut statuses = all_at_once(requests).await;
    statuses.sort();
    let mut expected = vec![StatusCode::CONFLICT; 5];
    expected.insert(0, StatusCode::CREATED);
    assert_eq!(statuses, expected);
    let admin = w.app.cloud_admin().await;
    let open = admin.operator_reports("").await.expect(StatusCode::OK);
    assert_eq!(open["reports"].as_array().map(Vec::len), Some(1));
}

async fn a_reactivation_racing_the_quarantine_never_undoes_it(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let admin = w.app.cloud_admin().await;
    for round in 0..4 {
        let image = w.accepted_image(&format!("race-{round}")).await;
        w.producer
            .act(&image, "deactivate")
            .await
            .expect(StatusCode::NO_CONTENT);
        let reactivate = format!("{}/actions/reactivate", image.uri());
        let requests = vec![
            (&w.producer, Method::POST, reactivate, None),
            (
                &admin,
                Method::POST,
                admin_image_uri(&image, "quarantine"),
                Some(json!({"note": "race"})),
            ),
        ];
        all_at_once(requests).await;
        assert_eq!(
            w.producer.status_of(&image).await,
            "deactivated",
            "round {round}"
        );
        let refused = w.producer.act(&image, "reactivate").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "round {round}");
    }
}
