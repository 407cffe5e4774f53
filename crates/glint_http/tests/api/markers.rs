//! List markers as specs: a marker the caller cannot see is refused exactly as one that does
//! not exist, so a stranger cannot learn from a list that another account's image exists.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::images::{create, two_accounts};

#[tokio::test]
async fn a_strangers_private_image_as_marker_is_answered_as_an_unknown_one() {
    let (app, alice, _, bob) = two_accounts().await;
    let private = create(
        &app,
        &alice,
        json!({"name": "secret", "visibility": "private"}),
    )
    .await;
    let shared = create(&app, &alice, json!({"name": "not-shared-yet"})).await;
    let unknown = "11111111-2222-3333-4444-555555555555";
    let answer = |id: String| {
        let (app, bob) = (&app, &bob);
        async move {
            let r = app
                .call(
                    bob,
                    Method::GET,
                    &format!("/image/DFW/v2/images?marker={id}"),
                    None,
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "marker {id}: {:?}",
                r.body
            );
            // The same body but for the id itself.
            r.body.to_string().replace(&id, "<id>")
        }
    };
    let for_unknown = answer(unknown.to_owned()).await;
    for image in [&private, &shared] {
        let id = image["id"].as_str().expect("id").to_owned();
        assert_eq!(answer(id).await, for_unknown);
    }
    // The owner pages with the same markers as ever.
    let id = private["id"].as_str().expect("id");
    let r = app
        .call(
            &alice,
            Method::GET,
            &format!("/image/DFW/v2/images?marker={id}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}
