//! Regions that do not exist: creating an image in one is 404 for everyone (the admin too, who
//! may use every region that exists), as listing one is; a region that exists but is not
//! granted stays 403 for an account's member.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::images::two_accounts;

#[tokio::test]
async fn creating_an_image_in_a_region_that_does_not_exist_is_404_for_the_admin_too() {
    let (app, alice, _, _) = two_accounts().await;
    let admin = app.token("admin", "admin").await;
    let body = json!({"name": "x", "disk_format": "raw", "container_format": "bare"});
    for (token, who) in [(&admin, "admin"), (&alice, "member")] {
        for region in ["dfw", "NOPE"] {
            let r = app
                .call(
                    token,
                    Method::POST,
                    &format!("/image/{region}/v2/images"),
                    Some(body.clone()),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{who} in {region}: {:?}",
                r.body
            );
        }
    }
    // LON exists, but acme may not use it.
    let r = app
        .call(
            &alice,
            Method::POST,
            "/image/LON/v2/images",
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    let r = app
        .call(&admin, Method::POST, "/image/LON/v2/images", Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
}
