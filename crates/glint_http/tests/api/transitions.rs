//! The image status machine through the API: every status change a client can ask for that
//! the machine forbids is refused with the reference's code and message, and leaves the image
//! as it was.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::spec::worlds::two_accounts;
use crate::spec::{Actor, Image, OCTET, V21};

/// An image of `alice`'s in status `queued`, `uploading` (staged) or `active` (uploaded).
async fn image_in(alice: &Actor, status: &str) -> Image {
    let image = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    let data = vec![7; 4096];
    let sent = match status {
        "queued" => None,
        "uploading" => Some(alice.stage(&image, data).await),
        "active" => Some(alice.put_file(&image, data).await),
        other => panic!("no way to {other} here"),
    };
    if let Some(code) = sent {
        assert_eq!(code, StatusCode::NO_CONTENT);
    }
    assert_eq!(alice.status_of(&image).await, status);
    image
}

/// `PUT` of some data to the image's `file` or `stage`: the status and the JSON body.
async fn put_data(alice: &Actor, image: &Image, target: &str) -> (StatusCode, Value) {
    let uri = format!("{}/{target}", image.uri());
    let headers = [OCTET, ("accept", "application/json")];
    let (code, _, body) = alice.raw(Method::PUT, &uri, &headers, vec![1; 512]).await;
    (code, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn data_cannot_be_sent_again_to_an_image_that_has_it_or_is_staged() {
    let (_app, alice, _, _) = two_accounts().await;
    let cases = [
        ("active", "file", "from active to saving"),
        ("active", "stage", "from active to uploading"),
        ("uploading", "file", "from uploading to saving"),
    ];
    for (status, target, refused) in cases {
        let image = image_in(&alice, status).await;
        let (code, body) = put_data(&alice, &image, target).await;
        assert_eq!(code, StatusCode::CONFLICT, "{status} → {target}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("Image status transition {refused} is not allowed")),
            "{status} → {target}: {message}"
        );
        assert_eq!(alice.status_of(&image).await, status);
    }
}

#[tokio::test]
async fn deactivated_images_take_no_data() {
    let (_app, alice, _, _) = two_accounts().await;
    let image = image_in(&alice, "active").await;
    let r = alice.act(&image, "deactivate").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    for target in ["file", "stage"] {
        let (code, body) = put_data(&alice, &image, target).await;
        assert_eq!(code, StatusCode::CONFLICT, "{target}: {body}");
    }
    assert_eq!(alice.status_of(&image).await, "deactivated");
}

#[tokio::test]
async fn only_staged_images_import() {
    let (_app, alice, _, _) = two_accounts().await;
    let import = json!({"method": {"name": "glance-direct"}});
    for (status, says) in [
        ("queued", "needs to be staged"),
        ("active", "is already active"),
    ] {
        let image = image_in(&alice, status).await;
        let uri = format!("{}/import", image.uri());
        let r = alice.call(Method::POST, &uri, Some(import.clone())).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{status}: {:?}", r.body);
        let message = r.body["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{status}: {message}");
        assert_eq!(alice.status_of(&image).await, status);
    }
}

#[tokio::test]
async fn only_active_and_deactivated_images_toggle() {
    let (_app, alice, _, _) = two_accounts().await;
    for status in ["queued", "uploading"] {
        let image = image_in(&alice, status).await;
        for action in ["deactivate", "reactivate"] {
            let r = alice.act(&image, action).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{action} {status}");
            let message = r.body["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(&format!(
                    "Not allowed to {action} image in status '{status}'"
                )),
                "{message}"
            );
            assert_eq!(alice.status_of(&image).await, status);
        }
    }
}

#[tokio::test]
async fn a_status_is_never_set_by_a_patch() {
    let (_app, alice, _, _) = two_accounts().await;
    let image = image_in(&alice, "queued").await;
    let r = alice
        .patch(
            &image,
            V21,
            json!([{"op": "replace", "path": "/status", "value": "active"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(alice.status_of(&image).await, "queued");
}
