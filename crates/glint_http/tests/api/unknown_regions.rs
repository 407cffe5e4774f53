//! Regions that do not exist: creating an image in one is 404 for everyone (the admin too, who
//! may use every region that exists), as listing one is; a region that exists but is not
//! granted stays 403 for an account's member.

use axum::http::StatusCode;
use serde_json::json;

use crate::spec::worlds::two_accounts;

#[tokio::test]
async fn creating_an_image_in_a_region_that_does_not_exist_is_404_for_the_admin_too() {
    let (app, alice, _, _) = two_accounts().await;
    let admin = app.cloud_admin().await;
    let body = json!({"name": "x", "disk_format": "raw", "container_format": "bare"});
    for (actor, who) in [(&admin, "admin"), (&alice, "member")] {
        for region in ["dfw", "NOPE"] {
            let r = actor.try_create_in(region, body.clone()).await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{who} in {region}: {:?}",
                r.body
            );
        }
    }
    // LON exists, but acme may not use it.
    let r = alice.try_create_in("LON", body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    let r = admin.try_create_in("LON", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
}
