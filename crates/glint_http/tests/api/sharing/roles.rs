//! Who may share and who may answer: a producer's member shares (a reader may not), a
//! consumer's manager answers (a member may not) and accepting shows the image to the
//! consumer; and a share to an account without the image's region stays invisible until the
//! region is granted.

use axum::http::StatusCode;
use glint_core::Role;
use serde_json::json;

use crate::app::TestApp;
use crate::spec::pattern;
use crate::spec::worlds::producer_and_consumer;

#[tokio::test]
async fn a_consumer_sees_a_shared_image_once_its_manager_accepts() {
    let (_app, producer, consumer) =
        producer_and_consumer(&["DFW"], Role::Member, Role::Manager).await;
    let image = producer.upload("web", pattern(4096)).await;
    producer.share(&image, &consumer).await;
    assert_eq!(
        consumer.count("").await,
        0,
        "pending shares stay out of the default list"
    );
    consumer.accept(&image).await;
    assert_eq!(consumer.ids("").await, [image.id.as_str()]);
    assert_eq!(consumer.download(&image).await.1, pattern(4096));
}

#[tokio::test]
async fn roles_decide_who_shares_and_who_answers() {
    let (app, p_member, c_member) =
        producer_and_consumer(&["DFW"], Role::Member, Role::Member).await;
    let p_reader = app.actor("p_reader", "prod", Role::Reader).await;
    let c_manager = app.actor("c_manager", "cons", Role::Manager).await;
    let image = p_member.create(json!({"name": "web"})).await;
    let r = p_reader.add_member(&image, "1002").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_says("/message", "'member'");
    p_member.share(&image, &c_member).await;
    assert_eq!(p_reader.members(&image).await.status, StatusCode::OK);
    let r = c_member.answer(&image, "accepted").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_says("/message", "'manager'");
    c_manager.accept(&image).await;
    assert_eq!(
        c_member.count("").await,
        1,
        "accepting shows it to every user of the account"
    );
}

#[tokio::test]
async fn a_share_to_an_account_without_the_region_stays_invisible_until_granted() {
    let app = TestApp::new().await;
    app.account("prod", "1001", &["DFW"]).await;
    app.account("chicago", "1002", &["IAD"]).await;
    let p = app.actor("p", "prod", Role::Member).await;
    let c = app.actor("c", "chicago", Role::Manager).await;
    let image = p.create(json!({"name": "web"})).await;
    p.share(&image, &c).await;
    let listed = p.members(&image).await;
    assert_eq!(listed.body["members"][0]["status"], "pending");
    assert_eq!(c.show(&image).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.members(&image).await.status, StatusCode::NOT_FOUND);
    for query in [
        "",
        "?member_status=pending",
        "?member_status=all&visibility=all",
    ] {
        assert_eq!(c.count(query).await, 0, "{query}");
    }
    app.admin
        .set_account_regions("chicago", &["IAD".into(), "DFW".into()])
        .await
        .expect("grant");
    // A token this node has just validated sees the grant within the token cache's lifetime
    // (a few seconds); a new sign-in sees it at once.
    let c = app.signed_in("c", "chicago").await;
    assert_eq!(c.count("?member_status=pending").await, 1);
    assert_eq!(c.show(&image).await.status, StatusCode::OK);
}
