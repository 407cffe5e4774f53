//! The image status machine through the API: every status change a client can ask for that
//! the machine forbids is refused with the reference's code and message, and leaves the image
//! as it was.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::images::{create, two_accounts};

const OCTET: (&str, &str) = ("content-type", "application/octet-stream");

/// An image of `alice`'s in status `queued`, `uploading` (staged) or `active` (uploaded).
async fn image_in(app: &TestApp, alice: &str, status: &str) -> String {
    let image = create(
        app,
        alice,
        json!({"disk_format": "raw", "container_format": "bare"}),
    )
    .await;
    let uri = format!("/image/DFW/v2/images/{}", image["id"].as_str().expect("id"));
    let step = match status {
        "queued" => None,
        "uploading" => Some("stage"),
        "active" => Some("file"),
        other => panic!("no way to {other} here"),
    };
    if let Some(step) = step {
        let put = format!("{uri}/{step}");
        let (code, _, _) = app
            .raw(alice, Method::PUT, &put, &[OCTET], vec![7; 4096])
            .await;
        assert_eq!(code, StatusCode::NO_CONTENT);
    }
    assert_eq!(status_of(app, alice, &uri).await, status);
    uri
}

async fn status_of(app: &TestApp, token: &str, uri: &str) -> Value {
    app.call(token, Method::GET, uri, None).await.body["status"].clone()
}

async fn put_data(app: &TestApp, token: &str, uri: &str) -> (StatusCode, Value) {
    let (code, _, body) = app
        .raw(
            token,
            Method::PUT,
            uri,
            &[OCTET, ("accept", "application/json")],
            vec![1; 512],
        )
        .await;
    (code, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn data_cannot_be_sent_again_to_an_image_that_has_it_or_is_staged() {
    let (app, alice, _, _) = two_accounts().await;
    let cases = [
        ("active", "file", "from active to saving"),
        ("active", "stage", "from active to uploading"),
        ("uploading", "file", "from uploading to saving"),
    ];
    for (status, target, refused) in cases {
        let uri = image_in(&app, &alice, status).await;
        let (code, body) = put_data(&app, &alice, &format!("{uri}/{target}")).await;
        assert_eq!(code, StatusCode::CONFLICT, "{status} → {target}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("Image status transition {refused} is not allowed")),
            "{status} → {target}: {message}"
        );
        assert_eq!(status_of(&app, &alice, &uri).await, status);
    }
}

#[tokio::test]
async fn deactivated_images_take_no_data() {
    let (app, alice, _, _) = two_accounts().await;
    let uri = image_in(&app, &alice, "active").await;
    let r = app
        .call(
            &alice,
            Method::POST,
            &format!("{uri}/actions/deactivate"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    for target in ["file", "stage"] {
        let (code, body) = put_data(&app, &alice, &format!("{uri}/{target}")).await;
        assert_eq!(code, StatusCode::CONFLICT, "{target}: {body}");
    }
    assert_eq!(status_of(&app, &alice, &uri).await, "deactivated");
}

#[tokio::test]
async fn only_staged_images_import() {
    let (app, alice, _, _) = two_accounts().await;
    let import = json!({"method": {"name": "glance-direct"}});
    for (status, says) in [
        ("queued", "needs to be staged"),
        ("active", "is already active"),
    ] {
        let uri = image_in(&app, &alice, status).await;
        let r = app
            .call(
                &alice,
                Method::POST,
                &format!("{uri}/import"),
                Some(import.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{status}: {:?}", r.body);
        let message = r.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{status}: {message}");
        assert_eq!(status_of(&app, &alice, &uri).await, status);
    }
}

#[tokio::test]
async fn only_active_and_deactivated_images_toggle() {
    let (app, alice, _, _) = two_accounts().await;
    for status in ["queued", "uploading"] {
        let uri = image_in(&app, &alice, status).await;
        for action in ["deactivate", "reactivate"] {
            let r = app
                .call(
                    &alice,
                    Method::POST,
                    &format!("{uri}/actions/{action}"),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{action} {status}");
            let message = r.body["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(&format!(
                    "Not allowed to {action} image in status '{status}'"
                )),
                "{message}"
            );
            assert_eq!(status_of(&app, &alice, &uri).await, status);
        }
    }
}

#[tokio::test]
async fn a_status_is_never_set_by_a_patch() {
    let (app, alice, _, _) = two_accounts().await;
    let uri = image_in(&app, &alice, "queued").await;
    let r = app
        .patch(
            &alice,
            &uri,
            "application/openstack-images-v2.1-json-patch",
            json!([{"op": "replace", "path": "/status", "value": "active"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(status_of(&app, &alice, &uri).await, "queued");
}
