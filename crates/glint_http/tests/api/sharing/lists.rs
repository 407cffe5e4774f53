//! Image lists: pages sorted by name with their `first` and `next` links, filters by tag,
//! property, name and status, and 400 for every malformed parameter, on both engines.

use axum::http::StatusCode;
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::TestApp;

#[tokio::test]
async fn list_pages_sort_and_filter() {
    list_scenario(TestApp::new().await).await;
}

#[tokio::test]
async fn list_pages_sort_and_filter_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        list_scenario(app).await;
    }
}

fn names(page: &Value) -> Vec<Value> {
    page["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| i["name"].clone())
        .collect()
}

async fn list_scenario(app: TestApp) {
    app.account("acme", "554433", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    for (n, name) in ["b", "a", "d", "c", "e"].iter().enumerate() {
        let tags = if n % 2 == 0 {
            json!(["even"])
        } else {
            json!([])
        };
        let distro = format!("d{}", n % 2);
        alice
            .create(json!({"name": name, "tags": tags, "os_distro": distro}))
            .await;
    }
    let r = alice
        .get("/image/DFW/v2/images?sort=name:asc&limit=2")
        .await;
    let mut seen = names(&r.body);
    assert_eq!(seen, [json!("a"), json!("b")]);
    assert_eq!(r.body["first"], "/v2/images?sort=name%3Aasc&limit=2");
    let next = r.body["next"].as_str().expect("next").to_owned();
    assert!(next.starts_with("/v2/images?"), "{next}");
    let mut link = Some(next);
    while let Some(next) = link {
        let r = alice.get(&format!("/image/DFW{next}")).await;
        seen.extend(names(&r.body));
        link = r.body["next"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen,
        [json!("a"), json!("b"), json!("c"), json!("d"), json!("e")]
    );
    assert_eq!(alice.count("?tag=even").await, 3);
    assert_eq!(alice.count("?os_distro=d1").await, 2);
    assert_eq!(alice.count("?name=in:a,c").await, 2);
    assert_eq!(alice.count("?status=queued&visibility=shared").await, 5);
    for bad in [
        "?limit=-1",
        "?sort_key=nope",
        "?member_status=maybe",
        "?visibility=odd",
        "?os_hidden=yes",
        "?changes-since=2020-01-01",
        "?marker=11111111-2222-3333-4444-555555555555",
        "?size_min=big",
    ] {
        let r = alice.get(&format!("/image/DFW/v2/images{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {:?}", r.body);
    }
}
