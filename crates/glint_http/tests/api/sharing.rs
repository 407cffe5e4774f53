//! Sharing: the reference's members scenario with its list counts, the member API's codes, the
//! roles of producer and consumer, and the region rule.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::images::{V21, create};

fn ids(r: &crate::app::TestResponse) -> Vec<String> {
    r.body["images"]
        .as_array()
        .unwrap_or_else(|| panic!("no images in {:?}", r.body))
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn count(app: &TestApp, token: &str, query: &str) -> usize {
    let r = app
        .call(
            token,
            Method::GET,
            &format!("/image/DFW/v2/images{query}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {:?}", r.body);
    ids(&r).len()
}

struct World {
    app: TestApp,
    tokens: Vec<String>,
    admin: String,
}

/// Accounts t1..t4 (numbers 1001..1004), each with a manager; t1, t2 and t4 own one image of each
/// visibility (the public ones created by the admin on their behalf); t3 is the consumer.
async fn reference_world() -> (World, String) {
    reference_world_on(TestApp::new().await).await
}

async fn reference_world_on(app: TestApp) -> (World, String) {
    let mut tokens = Vec::new();
    for n in 1..=4 {
        app.account(&format!("t{n}"), &format!("100{n}"), &["DFW"])
            .await;
        app.user(&format!("u{n}"), &format!("t{n}"), Role::Manager)
            .await;
        tokens.push(app.token(&format!("u{n}"), &format!("t{n}")).await);
    }
    let admin = app.token("admin", "admin").await;
    let mut shared_of_t1 = String::new();
    for owner in [0, 1, 3] {
        for visibility in ["community", "private", "shared"] {
            let image = create(
                &app,
                &tokens[owner],
                json!({"name": format!("{visibility}-{owner}"), "visibility": visibility}),
            )
            .await;
            if owner == 0 && visibility == "shared" {
                shared_of_t1 = image["id"].as_str().expect("id").to_owned();
            }
        }
        create(
            &app,
            &admin,
            json!({"visibility": "public", "owner": format!("100{}", owner + 1)}),
        )
        .await;
    }
    (World { app, tokens, admin }, shared_of_t1)
}

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
    let (w, shared) = reference_world_on(app).await;
    let (app, t) = (&w.app, &w.tokens);
    assert_eq!(
        count(app, &t[0], "").await,
        6,
        "t1: its 4 and 2 other public"
    );
    assert_eq!(count(app, &t[2], "").await, 3, "a stranger: the 3 public");
    let r = app
        .call(
            &t[0],
            Method::POST,
            &format!("/image/DFW/v2/images/{shared}/members"),
            Some(json!({"member": "1003"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let t3 = &t[2];
    assert_eq!(count(app, t3, "").await, 3);
    assert_eq!(count(app, t3, "?visibility=shared").await, 0);
    assert_eq!(count(app, t3, "?member_status=pending").await, 4);
    assert_eq!(count(app, t3, "?member_status=all").await, 4);
    assert_eq!(
        count(app, t3, "?member_status=pending&visibility=shared").await,
        1
    );
    assert_eq!(
        count(app, t3, "?member_status=rejected&visibility=shared").await,
        0
    );
    assert_eq!(
        count(app, t3, "?member_status=accepted&visibility=shared").await,
        0
    );
    assert_eq!(count(app, t3, "?visibility=private").await, 0);
    assert_eq!(count(app, t3, "?visibility=community").await, 3);
    assert_eq!(count(app, t3, "?visibility=all").await, 6);
    let r = app
        .call(
            t3,
            Method::PUT,
            &format!("/image/DFW/v2/images/{shared}/members/1003"),
            Some(json!({"status": "accepted"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(count(app, t3, "").await, 4);
    assert_eq!(count(app, t3, "?visibility=shared").await, 1);
    // The admin sees every account's images, but other people's community images only on request.
    assert_eq!(count(&w.app, &w.admin, "").await, 9);
    assert_eq!(count(&w.app, &w.admin, "?visibility=all").await, 12);
}

#[tokio::test]
async fn member_api_codes_follow_the_reference() {
    let (w, shared) = reference_world().await;
    let (app, t) = (&w.app, &w.tokens);
    let members = format!("/image/DFW/v2/images/{shared}/members");
    let r = app
        .call(
            &t[0],
            Method::POST,
            &members,
            Some(json!({"member": "1003"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let keys: Vec<&str> = r
        .body
        .as_object()
        .expect("member")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["schema"], "/v2/schemas/member");
    assert_eq!(
        app.call(
            &t[0],
            Method::POST,
            &members,
            Some(json!({"member": "1003"}))
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.call(
            &t[0],
            Method::POST,
            &members,
            Some(json!({"member": "1004"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.call(&t[0], Method::POST, &members, Some(json!({})))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.call(&t[0], Method::POST, &members, Some(json!({"member": ""})))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    // The owner lists both; a member sees only its own row; a stranger gets 404.
    let listed = app.call(&t[0], Method::GET, &members, None).await;
    assert_eq!(listed.body["members"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed.body["schema"], "/v2/schemas/members");
    let own = app.call(&t[2], Method::GET, &members, None).await;
    assert_eq!(own.body["members"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.call(&t[2], Method::GET, &format!("{members}/1004"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&t[1], Method::GET, &members, None).await.status,
        StatusCode::NOT_FOUND
    );
    // The owner may not answer for the consumer; a bad status is 400.
    let r = app
        .call(
            &t[0],
            Method::PUT,
            &format!("{members}/1003"),
            Some(json!({"status": "accepted"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            &t[2],
            Method::PUT,
            &format!("{members}/1003"),
            Some(json!({"status": "notavalidstatus"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Any transition: rejected, then accepted, then pending again.
    for status in ["rejected", "accepted", "pending"] {
        let r = app
            .call(
                &t[2],
                Method::PUT,
                &format!("{members}/1003"),
                Some(json!({"status": status})),
            )
            .await;
        assert_eq!(r.body["status"], status);
    }
    // The member may not remove itself; removing and re-adding makes a new pending share.
    assert_eq!(
        app.call(&t[2], Method::DELETE, &format!("{members}/1003"), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.call(
        &t[2],
        Method::PUT,
        &format!("{members}/1003"),
        Some(json!({"status": "rejected"})),
    )
    .await;
    assert_eq!(
        app.call(&t[0], Method::DELETE, &format!("{members}/1003"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(&t[0], Method::DELETE, &format!("{members}/1003"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let image_uri = format!("/image/DFW/v2/images/{shared}");
    assert_eq!(
        app.call(&t[2], Method::GET, &image_uri, None).await.status,
        StatusCode::NOT_FOUND
    );
    let again = app
        .call(
            &t[0],
            Method::POST,
            &members,
            Some(json!({"member": "1003"})),
        )
        .await;
    assert_eq!(again.body["status"], "pending");
    // Only shared images have members; visibility changes keep the rows.
    let r = app
        .patch(
            &t[0],
            &image_uri,
            V21,
            json!([{"op": "replace", "path": "/visibility", "value": "private"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.call(&t[0], Method::GET, &members, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Only shared images have members"))
    );
    assert_eq!(
        app.call(
            &t[0],
            Method::POST,
            &members,
            Some(json!({"member": "1002"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(&t[0], Method::GET, &format!("{members}/1004"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&t[0], Method::DELETE, &format!("{members}/1004"), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(&t[2], Method::GET, &image_uri, None).await.status,
        StatusCode::NOT_FOUND
    );
    app.patch(
        &t[0],
        &image_uri,
        V21,
        json!([{"op": "replace", "path": "/visibility", "value": "shared"}]),
    )
    .await;
    let r = app.call(&t[0], Method::GET, &members, None).await;
    assert_eq!(
        r.body["members"].as_array().map(Vec::len),
        Some(2),
        "rows survive: {:?}",
        r.body
    );
    assert_eq!(
        app.call(&t[2], Method::GET, &image_uri, None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn member_quota_is_checked_before_duplicates() {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    let alice = app.token("alice", "acme").await;
    let image = create(&app, &alice, json!({})).await;
    let members = format!(
        "/image/DFW/v2/images/{}/members",
        image["id"].as_str().expect("id")
    );
    for n in 0..128 {
        let r = app
            .call(
                &alice,
                Method::POST,
                &members,
                Some(json!({"member": format!("{}", 9000 + n)})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = app
        .call(
            &alice,
            Method::POST,
            &members,
            Some(json!({"member": "9000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", r.body);
}

#[tokio::test]
async fn roles_decide_who_shares_and_who_answers() {
    let app = TestApp::new().await;
    app.account("prod", "1001", &["DFW"]).await;
    app.account("cons", "1002", &["DFW"]).await;
    app.user("p_reader", "prod", Role::Reader).await;
    app.user("p_member", "prod", Role::Member).await;
    app.user("c_member", "cons", Role::Member).await;
    app.user("c_manager", "cons", Role::Manager).await;
    let p_member = app.token("p_member", "prod").await;
    let p_reader = app.token("p_reader", "prod").await;
    let c_member = app.token("c_member", "cons").await;
    let c_manager = app.token("c_manager", "cons").await;
    let image = create(&app, &p_member, json!({"name": "web"})).await;
    let members = format!(
        "/image/DFW/v2/images/{}/members",
        image["id"].as_str().expect("id")
    );
    let r = app
        .call(
            &p_reader,
            Method::POST,
            &members,
            Some(json!({"member": "1002"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("'member'")),
        "{:?}",
        r.body
    );
    assert_eq!(
        app.call(
            &p_member,
            Method::POST,
            &members,
            Some(json!({"member": "1002"}))
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.call(&p_reader, Method::GET, &members, None)
            .await
            .status,
        StatusCode::OK
    );
    let r = app
        .call(
            &c_member,
            Method::PUT,
            &format!("{members}/1002"),
            Some(json!({"status": "accepted"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("'manager'")),
        "{:?}",
        r.body
    );
    let r = app
        .call(
            &c_manager,
            Method::PUT,
            &format!("{members}/1002"),
            Some(json!({"status": "accepted"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        count(&app, &c_member, "").await,
        1,
        "accepting shows it to every user of the account"
    );
}

#[tokio::test]
async fn a_share_to_an_account_without_the_region_stays_invisible_until_granted() {
    let app = TestApp::new().await;
    app.account("prod", "1001", &["DFW"]).await;
    app.account("chicago", "1002", &["IAD"]).await;
    app.user("p", "prod", Role::Member).await;
    app.user("c", "chicago", Role::Manager).await;
    let p = app.token("p", "prod").await;
    let image = create(&app, &p, json!({"name": "web"})).await;
    let id = image["id"].as_str().expect("id");
    let members = format!("/image/DFW/v2/images/{id}/members");
    assert_eq!(
        app.call(&p, Method::POST, &members, Some(json!({"member": "1002"})))
            .await
            .status,
        StatusCode::OK
    );
    let listed = app.call(&p, Method::GET, &members, None).await;
    assert_eq!(listed.body["members"][0]["status"], "pending");
    let c = app.token("c", "chicago").await;
    assert_eq!(
        app.call(&c, Method::GET, &format!("/image/DFW/v2/images/{id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.call(&c, Method::GET, &members, None).await.status,
        StatusCode::NOT_FOUND
    );
    for query in [
        "",
        "?member_status=pending",
        "?member_status=all&visibility=all",
    ] {
        assert_eq!(count(&app, &c, query).await, 0, "{query}");
    }
    app.admin
        .set_account_regions("chicago", &["IAD".into(), "DFW".into()])
        .await
        .expect("grant");
    // A token this node has just validated sees the grant within the token cache's lifetime
    // (a few seconds); a new sign-in sees it at once.
    let c = app.token("c", "chicago").await;
    assert_eq!(count(&app, &c, "?member_status=pending").await, 1);
    assert_eq!(
        app.call(&c, Method::GET, &format!("/image/DFW/v2/images/{id}"), None)
            .await
            .status,
        StatusCode::OK
    );
}

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

async fn list_scenario(app: TestApp) {
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    let alice = app.token("alice", "acme").await;
    for (n, name) in ["b", "a", "d", "c", "e"].iter().enumerate() {
        create(&app, &alice, json!({"name": name, "tags": if n % 2 == 0 { json!(["even"]) } else { json!([]) }, "os_distro": format!("d{}", n % 2)})).await;
    }
    let r = app
        .call(
            &alice,
            Method::GET,
            "/image/DFW/v2/images?sort=name:asc&limit=2",
            None,
        )
        .await;
    let names: Vec<Value> = r.body["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| i["name"].clone())
        .collect();
    assert_eq!(names, [json!("a"), json!("b")]);
    assert_eq!(r.body["first"], "/v2/images?sort=name%3Aasc&limit=2");
    let next = r.body["next"].as_str().expect("next").to_owned();
    assert!(next.starts_with("/v2/images?"), "{next}");
    let mut seen = names;
    let mut link = Some(next);
    while let Some(next) = link {
        let r = app
            .call(&alice, Method::GET, &format!("/image/DFW{next}"), None)
            .await;
        seen.extend(
            r.body["images"]
                .as_array()
                .expect("images")
                .iter()
                .map(|i| i["name"].clone()),
        );
        link = r.body["next"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen,
        [json!("a"), json!("b"), json!("c"), json!("d"), json!("e")]
    );
    assert_eq!(count(&app, &alice, "?tag=even").await, 3);
    assert_eq!(count(&app, &alice, "?os_distro=d1").await, 2);
    assert_eq!(count(&app, &alice, "?name=in:a,c").await, 2);
    assert_eq!(
        count(&app, &alice, "?status=queued&visibility=shared").await,
        5
    );
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
        let r = app
            .call(
                &alice,
                Method::GET,
                &format!("/image/DFW/v2/images{bad}"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {:?}", r.body);
    }
}
