//! List markers as specs: a marker the caller cannot see is refused exactly as one that does
//! not exist, so a stranger cannot learn from a list that another account's image exists.

use axum::http::StatusCode;
use serde_json::json;

use crate::spec::worlds::two_accounts;

#[tokio::test]
async fn a_strangers_private_image_as_marker_is_answered_as_an_unknown_one() {
    let (_app, alice, _, bob) = two_accounts().await;
    let private = alice
        .create(json!({"name": "secret", "visibility": "private"}))
        .await;
    let shared = alice.create(json!({"name": "not-shared-yet"})).await;
    let unknown = "11111111-2222-3333-4444-555555555555";
    let answer = async |id: &str| {
        let r = bob.get(&format!("/image/DFW/v2/images?marker={id}")).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "marker {id}: {:?}",
            r.body
        );
        // The same body but for the id itself.
        r.body.to_string().replace(id, "<id>")
    };
    let for_unknown = answer(unknown).await;
    for image in [&private, &shared] {
        assert_eq!(answer(&image.id).await, for_unknown);
    }
    // The owner pages with the same markers as ever.
    let r = alice
        .get(&format!("/image/DFW/v2/images?marker={}", private.id))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}
