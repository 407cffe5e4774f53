//! The Groups page and the group actions of Image Detail: the owner sees its groups with their
//! accounts, creates (bad input comes back as a flash), renames, adds and removes accounts and
//! deletes (refused while the group shares an image); a reader sees no forms; a stranger neither
//! sees nor changes the group; Image Detail names the groups an image is shared with for its
//! owner only, shares with a group (offering the image to its accounts) and stops sharing; a
//! form without the CSRF token is refused.

use axum::http::StatusCode;
use serde_json::Value;

use super::browser::Browser;
use crate::app::Engine;
use crate::groups::world;

/// A form post: where, its fields, and what the page then says.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);

fn id(group: &Value) -> &str {
    group["id"].as_str().unwrap_or_default()
}

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

#[tokio::test]
async fn the_owner_creates_a_group_and_sees_it_with_its_accounts() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let mut owner = Browser::of(&w.app, &w.producer).await;
    let empty = owner.get("/groups").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("No groups yet") && empty.body.contains("Create Group"));
    let fields = [("name", "partners"), ("accounts", "1002, 1004 1002")];
    let created = owner.post("/groups", &fields, true).await;
    assert_eq!(created.location(), "/groups");
    let page = owner.get("/groups").await;
    assert!(
        page.body
            .contains("Group partners was created with 2 accounts."),
        "{}",
        page.body
    );
    assert_eq!(
        page.body.matches("data-testid=\"group-account\"").count(),
        2
    );
    assert!(page.body.contains("1002") && page.body.contains("1004"));
    let fields = [("name", "solo"), ("accounts", "1004")];
    owner.post("/groups", &fields, true).await;
    let page = owner.get("/groups").await;
    assert!(
        page.body.contains("Group solo was created with 1 account."),
        "one account, in the singular: {}",
        page.body
    );
}

#[tokio::test]
async fn bad_input_comes_back_as_a_flash_never_an_error_page() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let group = w.group("partners", &["1002"]).await;
    let mut owner = Browser::of(&w.app, &w.producer).await;
    let cases: [Case; 4] = [
        ("/groups".into(), vec![("name", " ")], "may not be empty"),
        (
            "/groups".into(),
            vec![("name", "x"), ("accounts", "1002, no/pe")],
            "is not an account number",
        ),
        (
            "/groups".into(),
            vec![("name", "partners")],
            "already has a group named",
        ),
        (
            format!("/groups/{}/accounts", id(&group)),
            vec![("account", "a b")],
            "is not an account number",
        ),
    ];
    for (path, fields, says) in cases {
        let answer = owner.post(&path, &fields, true).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            answer.body
        );
        assert_eq!(answer.location(), "/groups");
        let page = owner.get("/groups").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(says),
            "{path} says {says}: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn the_owner_renames_adds_and_removes_accounts_and_deletes_a_group() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let group = w.group("partners", &["1002"]).await;
    let base = format!("/groups/{}", id(&group));
    let mut owner = Browser::of(&w.app, &w.producer).await;

    owner
        .post(&format!("{base}/rename"), &[("name", "friends")], true)
        .await;
    let page = owner.get("/groups").await;
    assert!(
        page.body.contains("The group is now named friends."),
        "{}",
        page.body
    );

    owner
        .post(&format!("{base}/accounts"), &[("account", " 1004 ")], true)
        .await;
    let page = owner.get("/groups").await;
    assert!(
        page.body
            .contains("Account 1004 was added to group friends"),
        "{}",
        page.body
    );
    assert_eq!(
        page.body.matches("data-testid=\"group-account\"").count(),
        2
    );

    owner
        .post(&format!("{base}/accounts/1002/remove"), &[], true)
        .await;
    let page = owner.get("/groups").await;
    assert!(
        page.body
            .contains("Account 1002 was removed from the group"),
        "{}",
        page.body
    );
    assert_eq!(
        page.body.matches("data-testid=\"group-account\"").count(),
        1
    );

    owner.post(&format!("{base}/delete"), &[], true).await;
    let page = owner.get("/groups").await;
    assert!(page.body.contains("The group was deleted.") && page.body.contains("No groups yet"));
}

#[tokio::test]
async fn a_group_that_shares_an_image_is_not_deleted_and_the_page_says_why() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let group = w.group("partners", &["1002"]).await;
    let image = w.image("web").await;
    w.producer
        .share_with_group(&image, &group)
        .await
        .expect(StatusCode::OK);
    let mut owner = Browser::of(&w.app, &w.producer).await;
    let refused = owner
        .post(&format!("/groups/{}/delete", id(&group)), &[], true)
        .await;
    assert_eq!(refused.location(), "/groups");
    let page = owner.get("/groups").await;
    assert!(
        page.body.contains("unshare them before deleting the group"),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-testid=\"group-row\""));
}

#[tokio::test]
async fn a_reader_sees_the_groups_but_no_forms() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    w.group("partners", &["1002"]).await;
    let mut reader = Browser::of(&w.app, &w.reader).await;
    let page = reader.get("/groups").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("partners") && page.body.contains("1002"));
    for form in [
        "create-group",
        "add-account",
        "rename-group",
        "Delete Group",
    ] {
        assert!(!page.body.contains(form), "a reader gets no {form}");
    }
    reader.post("/groups", &[("name", "mine")], true).await;
    let page = reader.get("/groups").await;
    assert!(
        page.body.contains("member"),
        "the refusal names the role: {}",
        page.body
    );
    assert!(!page.body.contains(">mine<"));
}

#[tokio::test]
async fn a_stranger_neither_sees_nor_changes_another_accounts_group() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let group = w.group("partners", &["1002"]).await;
    let mut stranger = Browser::of(&w.app, &w.stranger).await;
    let page = stranger.get("/groups").await;
    assert!(!page.body.contains("partners") && page.body.contains("No groups yet"));
    let base = format!("/groups/{}", id(&group));
    stranger
        .post(&format!("{base}/rename"), &[("name", "mine")], true)
        .await;
    let page = stranger.get("/groups").await;
    assert!(
        page.body.contains("not found") || page.body.contains("No group"),
        "{}",
        page.body
    );
    stranger
        .post(&format!("{base}/accounts"), &[("account", "1003")], true)
        .await;
    stranger.post(&format!("{base}/delete"), &[], true).await;
    let mut owner = Browser::of(&w.app, &w.producer).await;
    let page = owner.get("/groups").await;
    assert!(page.body.contains(">partners<") && !page.body.contains("1003"));
}

#[tokio::test]
async fn share_with_group_from_image_detail_offers_the_image_and_stop_sharing_takes_it_back() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let group = w.group("partners", &["1002", "1004"]).await;
    let image = w.image("web").await;
    let detail = format!("/images/DFW/{}", image.id);
    let mut owner = Browser::of(&w.app, &w.producer).await;
    let page = owner.get(&detail).await;
    assert!(
        page.body.contains("data-testid=\"share-with-group\""),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(
        "<option value=\"{}\">partners</option>",
        id(&group)
    )));

    let shared = owner
        .post(&format!("{detail}/groups"), &[("group", id(&group))], true)
        .await;
    assert_eq!(shared.location(), detail);
    let page = owner.get(&detail).await;
    assert!(
        page.body
            .contains("The image is shared with group partners (2 accounts)."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Shared with group partners (2 accounts)")
    );
    assert!(
        !page.body.contains("data-testid=\"share-with-group\""),
        "no group left to offer"
    );
    assert_eq!(
        w.consumer.own_share(&image).await.as_deref(),
        Some("pending")
    );
    assert_eq!(
        w.partner.own_share(&image).await.as_deref(),
        Some("pending")
    );

    let unshare = format!("{detail}/groups/{}/remove", id(&group));
    assert!(page.body.contains(&unshare));
    owner.post(&unshare, &[], true).await;
    let page = owner.get(&detail).await;
    assert!(
        page.body.contains("no longer shared with group partners"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Shared with group"));
    assert_eq!(w.consumer.own_share(&image).await, None);

    let bad = owner
        .post(&format!("{detail}/groups"), &[("group", "nope")], true)
        .await;
    assert_eq!(bad.location(), detail);
    assert_eq!(owner.get(&detail).await.status, StatusCode::OK);
}

#[tokio::test]
async fn group_forms_without_the_csrf_token_are_refused() {
    let Some(w) = world(Engine::Sqlite).await else {
        return;
    };
    let group = w.group("partners", &["1002"]).await;
    let image = w.image("web").await;
    let mut owner = Browser::of(&w.app, &w.producer).await;
    let base = format!("/groups/{}", id(&group));
    let share = format!("/images/DFW/{}/groups", image.id);
    let posts: [(&str, Vec<(&str, &str)>); 4] = [
        ("/groups", vec![("name", "forged")]),
        (&format!("{base}/accounts"), vec![("account", "1003")]),
        (&format!("{base}/delete"), vec![]),
        (&share, vec![("group", id(&group))]),
    ];
    for (path, fields) in posts {
        let refused = owner.post(path, &fields, false).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }
    let page = owner.get("/groups").await;
    assert!(!page.body.contains("forged") && !page.body.contains("1003"));
    assert_eq!(w.consumer.own_share(&image).await, None);
}
