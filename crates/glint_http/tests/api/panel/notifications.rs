//! The panel's inbox: the bell's unread count per user, the Notifications page in words from
//! each side (and nothing of other accounts), opening an event (read for that user only, then
//! the accept dialog or Image Detail), Mark all as read and paging.

use axum::http::StatusCode;
use glint_core::Role;

use super::browser::{Browser, Page};
use super::{Sharing, sharing_world};

/// The bell's badge, if it shows one.
pub(super) fn bell(page: &Page) -> Option<String> {
    let marker = "data-testid=\"bell-count\">";
    let start = page.body.find(marker)? + marker.len();
    let len = page.body[start..].find('<')?;
    Some(page.body[start..start + len].to_owned())
}

/// A row of the Notifications page: its words, whether it is unread, and where it opens.
#[derive(Debug)]
pub(super) struct Row {
    pub text: String,
    pub unread: bool,
    pub open: Option<String>,
}

pub(super) fn rows(page: &Page) -> Vec<Row> {
    page.body
        .split("data-testid=\"notification\" data-unread=\"")
        .skip(1)
        .map(|chunk| {
            let chunk = &chunk[..chunk.find("</li>").unwrap_or(chunk.len())];
            let at = chunk.find("notification-text").expect("text");
            let from = at + chunk[at..].find('>').expect(">") + 1;
            let to = from + chunk[from..].find('<').expect("<");
            let open = chunk.contains("open-notification").then(|| {
                let start = chunk.find("action=\"").expect("action") + 8;
                let end = start + chunk[start..].find('"').expect("\"");
                chunk[start..end].to_owned()
            });
            Row {
                text: chunk[from..to].trim().to_owned(),
                unread: chunk.starts_with('1'),
                open,
            }
        })
        .collect()
}

/// The flash message of the page a post redirected to.
pub(super) async fn flash_after(browser: &mut Browser<'_>, posted: &Page) -> String {
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let page = browser.get(posted.location()).await;
    let marker = "data-testid=\"flash\">";
    let start = page.body.find(marker).expect("a flash") + marker.len();
    let text = &page.body[start..];
    let start = text.find("<span>").expect("span") + 6;
    let end = text.find("</span>").expect("/span");
    text[start..end].to_owned()
}

#[tokio::test]
async fn the_consumers_bell_counts_the_share_and_its_event_opens_the_accept_dialog() {
    let Sharing {
        app, ben, image, ..
    } = sharing_world().await;
    let mut browser = Browser::of(&app, &ben).await;
    let saved = browser.get("/images").await;
    assert_eq!(bell(&saved).as_deref(), Some("1"));
    assert!(
        saved
            .body
            .contains("aria-label=\"Notifications: 1 unread\"")
    );

    let page = browser.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    let listed = rows(&page);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        listed[0].text,
        "Account 554433 shared tuned-web (DFW) with you"
    );
    assert!(listed[0].unread);
    assert!(page.body.contains("All Regions (Global)"));

    let open = listed[0].open.clone().expect("it opens");
    let opened = browser
        .post(&open, &[("next", "/notifications")], true)
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert_eq!(
        opened.location(),
        format!("/images?region=DFW#pending-{}", image.id)
    );
    let saved = browser.get("/images?region=DFW").await;
    assert!(
        saved.body.contains(&format!("id=\"pending-{}\"", image.id)),
        "the dialog the link names is on the page"
    );
    assert_eq!(bell(&saved), None, "read now");
    assert!(!rows(&browser.get("/notifications").await)[0].unread);
}

#[tokio::test]
async fn read_marks_are_per_user_and_a_users_own_changes_are_not_news_to_it() {
    let w = sharing_world().await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let page = alice.get("/notifications").await;
    assert_eq!(bell(&page), None, "alice shared it herself");
    assert_eq!(
        rows(&page)[0].text,
        "Your account shared tuned-web (DFW) with account 112233"
    );
    assert!(!rows(&page)[0].unread);

    let mut ben = Browser::of(&w.app, &w.ben).await;
    let marked = ben
        .post("/notifications/read", &[("next", "/notifications")], true)
        .await;
    assert_eq!(
        flash_after(&mut ben, &marked).await,
        "Every notification is marked as read."
    );
    assert_eq!(bell(&ben.get("/notifications").await), None);

    let mut bill = Browser::of(&w.app, &w.bill).await;
    let page = bill.get("/notifications").await;
    assert_eq!(bell(&page).as_deref(), Some("1"), "another user of beta");
    assert!(rows(&page)[0].unread);

    w.ben.accept(&w.image).await;
    let page = alice.get("/notifications").await;
    assert_eq!(bell(&page).as_deref(), Some("1"));
    assert_eq!(
        rows(&page)[0].text,
        "Account 112233 accepted your image tuned-web (DFW)"
    );
    assert_eq!(
        bell(&ben.get("/images").await),
        None,
        "ben accepted it himself"
    );
}

#[tokio::test]
async fn a_third_account_sees_none_of_the_others_events_and_cannot_open_them() {
    let w = sharing_world().await;
    w.app.account("gamma", "334455", &["DFW", "IAD"]).await;
    let carl = w.app.actor("carl", "gamma", Role::Manager).await;
    let mut ben = Browser::of(&w.app, &w.ben).await;
    let open = rows(&ben.get("/notifications").await)[0]
        .open
        .clone()
        .expect("opens");

    let mut browser = Browser::of(&w.app, &carl).await;
    let page = browser.get("/notifications").await;
    assert_eq!(bell(&page), None);
    assert!(rows(&page).is_empty());
    assert!(page.body.contains("No notifications here"));
    assert!(!page.body.contains("tuned-web"));

    let refused = browser.post(&open, &[], true).await;
    let flash = flash_after(&mut browser, &refused).await;
    assert_eq!(flash, "The notification could not be found.");
    let marked = browser.post("/notifications/read", &[], true).await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        bell(&ben.get("/images").await).as_deref(),
        Some("1"),
        "neither carl's open nor his Mark all as read touched ben's"
    );
}

#[tokio::test]
async fn an_answered_share_opens_image_detail_and_a_deleted_image_leads_nowhere() {
    let w = sharing_world().await;
    w.ben.accept(&w.image).await;
    let mut ben = Browser::of(&w.app, &w.ben).await;
    let page = ben.get("/notifications").await;
    let shared = rows(&page).pop().expect("the share");
    let opened = ben.post(&shared.open.expect("opens"), &[], true).await;
    assert_eq!(opened.location(), format!("/images/DFW/{}", w.image.id));

    assert_eq!(
        w.alice.delete(&w.image).await.status,
        StatusCode::NO_CONTENT
    );
    let page = ben.get("/notifications?region=DFW").await;
    let deleted = &rows(&page)[0];
    assert_eq!(deleted.text, "tuned-web (DFW) was deleted by its owner");
    assert!(deleted.unread && deleted.open.is_none());
    assert!(page.body.contains(">Mark as read</button>"));
    assert!(
        rows(&ben.get("/notifications?region=IAD").await).is_empty(),
        "the region filter"
    );
    let stale = rows(&page).pop().expect("the share").open.expect("opens");
    let gone = ben.post(&stale, &[], true).await;
    let flash = flash_after(&mut ben, &gone).await;
    assert!(flash.contains("could not be found"), "{flash}");
}

#[tokio::test]
async fn older_notifications_are_a_page_behind_the_marker() {
    let w = sharing_world().await;
    for _ in 0..13 {
        w.alice.remove_member(&w.image, "112233").await;
        w.alice.share(&w.image, &w.ben).await;
    }
    let mut ben = Browser::of(&w.app, &w.ben).await;
    let first = ben.get("/notifications").await;
    assert_eq!(rows(&first).len(), 25);
    assert_eq!(bell(&first).as_deref(), Some("27"));
    let start = first.body.find("data-testid=\"older\"").expect("Older");
    let href = first.body[..start].rfind("href=\"").expect("href") + 6;
    let end = href + first.body[href..].find('"').expect("\"");
    let older = first.body[href..end].replace("&#38;", "&");
    assert!(
        older.starts_with("/notifications?region=ALL&marker="),
        "{older}"
    );
    let second = ben.get(&older).await;
    assert_eq!(rows(&second).len(), 2);
    assert!(second.body.contains("data-testid=\"newest\""));
    assert!(!second.body.contains("data-testid=\"older\""));
    let bad = ben.get("/notifications?marker=x").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
