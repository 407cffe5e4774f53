//! Image Detail names the groups of accounts an image is shared with, with how many accounts
//! hold a share through each, for its owner only.

use axum::http::StatusCode;

use super::browser::Browser;
use crate::app::Engine;
use crate::groups::world;

#[tokio::test]
async fn image_detail_names_the_groups_an_image_is_shared_with() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let group = w.group("partners <b>", &["1002", "1004"]).await;
    let image = w.image("web").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    let detail = format!("/images/DFW/{}", image.id);
    let mut owner = Browser::of(&w.app, &w.producer).await;
    let page = owner.get(&detail).await;
    assert!(
        page.body
            .contains("Shared with group partners &#60;b&#62; (2 accounts)"),
        "{}",
        page.body
    );
    let mut consumer = Browser::of(&w.app, &w.consumer).await;
    let page = consumer.get(&detail).await;
    assert!(
        !page.body.contains("Shared with group"),
        "a consumer never sees the groups"
    );
}
