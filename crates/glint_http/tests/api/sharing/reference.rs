//! The reference's members scenario: what each list shows t1, a stranger and the admin before
//! and after a share is added and accepted, on both engines.

use crate::app::TestApp;

use super::reference_world;

#[tokio::test]
async fn the_reference_members_scenario_counts() {
    members_scenario(TestApp::new().await).await;
}

#[tokio::test]
async fn the_reference_members_scenario_counts_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        members_scenario(app).await;
    }
}

async fn members_scenario(app: TestApp) {
    let w = reference_world(app).await;
    let t3 = &w.t3;
    assert_eq!(w.t1.count("").await, 6, "t1: its 4 and 2 other public");
    assert_eq!(t3.count("").await, 3, "a stranger: the 3 public");
    w.t1.share(&w.shared, t3).await;
    for (query, want) in [
        ("", 3),
        ("?visibility=shared", 0),
        ("?member_status=pending", 4),
        ("?member_status=all", 4),
        ("?member_status=pending&visibility=shared", 1),
        ("?member_status=rejected&visibility=shared", 0),
        ("?member_status=accepted&visibility=shared", 0),
        ("?visibility=private", 0),
        ("?visibility=community", 3),
        ("?visibility=all", 6),
    ] {
        assert_eq!(t3.count(query).await, want, "pending: {query}");
    }
    t3.accept(&w.shared).await;
    assert_eq!(t3.count("").await, 4);
    assert_eq!(t3.count("?visibility=shared").await, 1);
    // The admin sees every account's images, but other people's community images only on request.
    assert_eq!(w.admin.count("").await, 9);
    assert_eq!(w.admin.count("?visibility=all").await, 12);
}
