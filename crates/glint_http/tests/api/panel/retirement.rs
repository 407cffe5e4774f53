//! Retiring an image in the Control Panel: who uses it (the owner's section, never shown to a
//! consumer or a stranger, never naming another account's servers), the impact preview of every
//! destructive confirmation, Deprecate and its undo through the form (and the notice consumers
//! see on Create Server, Image Detail, their lists and the pending dialog), Remove on a day and
//! its cancellation (and the day the consumer sees), clear refusals of bad input, and CSRF.

use axum::http::{Method, StatusCode};
use glint_core::{Role, Timestamp};
use serde_json::json;

use super::browser::{Browser, Page};
use super::notifications::flash_after;
use crate::app::TestApp;
use crate::spec::{Actor, Image, SERVERS, pattern};

/// acme (554433: alice member) owns web-v1 and web-v2 in DFW, shared with beta (112233: ben
/// manager), which accepted web-v1 and built two servers from it; alice built one herself.
/// gamma (999000: gina manager) is a stranger to both images.
struct Retiring {
    app: TestApp,
    alice: Actor,
    ben: Actor,
    gina: Actor,
    v1: Image,
    v2: Image,
    ben_servers: Vec<String>,
}

async fn retiring_world() -> Retiring {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW", "IAD"]).await;
    app.account("beta", "112233", &["DFW", "IAD"]).await;
    app.account("gamma", "999000", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let ben = app.actor("ben", "beta", Role::Manager).await;
    let gina = app.actor("gina", "gamma", Role::Manager).await;
    let v1 = alice.upload("web-v1", pattern(4096)).await;
    let v2 = alice.upload("web-v2", pattern(4096)).await;
    alice.share(&v1, &ben).await;
    ben.accept(&v1).await;
    alice.share(&v2, &ben).await;
    let mut ben_servers = Vec::new();
    for name in ["ben-secret-one", "ben-secret-two"] {
        ben_servers.push(boot_named(&ben, &v1, name).await);
    }
    alice.server(&v1.id).await;
    Retiring {
        app,
        alice,
        ben,
        gina,
        v1,
        v2,
        ben_servers,
    }
}

/// Boots `image` in DFW as a server named `name` and waits until it is active; its id.
async fn boot_named(actor: &Actor, image: &Image, name: &str) -> String {
    let body = json!({"server": {"name": name, "imageRef": image.id, "flavorRef": "1", "networks": "none"}});
    let r = actor.call(Method::POST, SERVERS, Some(body)).await;
    let id = r.expect(StatusCode::ACCEPTED)["server"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    actor
        .wait_for(&format!("{SERVERS}/{id}"), "/server/status", "ACTIVE")
        .await;
    id
}

fn detail(image: &Image) -> String {
    format!("/images/DFW/{}", image.id)
}

/// A day `days` from now, as a date field sends it.
fn day_in(days: i64) -> String {
    Timestamp::now().plus_seconds(days * 86_400).to_glance()[..10].to_owned()
}

/// Text as the page escaped it, read back.
fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
}

/// The text of the element carrying `testid`, up to its first tag.
fn text_of(page: &Page, testid: &str) -> Option<String> {
    let marker = format!("data-testid=\"{testid}\">");
    let start = page.body.find(&marker)? + marker.len();
    let len = page.body[start..].find('<')?;
    Some(unescape(page.body[start..start + len].trim()))
}

/// The flash message of the page a post redirected to, read back.
async fn flash(browser: &mut Browser<'_>, posted: &Page) -> String {
    unescape(&flash_after(browser, posted).await)
}

#[tokio::test]
async fn the_owner_sees_who_uses_the_image_and_no_one_else_does() {
    let w = retiring_world().await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let page = alice.get(&detail(&w.v1)).await;
    let summary = text_of(&page, "usage-summary");
    assert_eq!(
        summary.as_deref(),
        Some("2 accounts, 3 servers use this image.")
    );
    let row = |account: &str| {
        let at = page
            .body
            .find(&format!("data-usage=\"{account}\""))
            .expect("row");
        page.body[at..at + page.body[at..].find("</tr>").expect("row end")].to_owned()
    };
    let ben = row("112233");
    assert!(
        ben.contains("Accepted") && ben.contains("<td class=\"num\">2</td>"),
        "{ben}"
    );
    assert!(row("owner").contains("<td class=\"num\">1</td>"));
    for server in &w.ben_servers {
        assert!(!page.body.contains(server.as_str()), "no server id of beta");
    }
    assert!(!page.body.contains("ben-secret"), "no server name of beta");

    let mut ben = Browser::of(&w.app, &w.ben).await;
    let seen = ben.get(&detail(&w.v1)).await;
    assert_eq!(seen.status, StatusCode::OK);
    let mut gina = Browser::of(&w.app, &w.gina).await;
    let stranger = gina.get(&detail(&w.v1)).await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    for page in [&seen, &stranger] {
        assert!(!page.body.contains("image-usage") && !page.body.contains("Who uses"));
        assert!(!page.body.contains("data-confirm-impact"));
    }
    let admin = w.app.cloud_admin().await;
    let page = Browser::of(&w.app, &admin).await.get(&detail(&w.v1)).await;
    assert!(text_of(&page, "usage-summary").is_some(), "the admin");
}

#[tokio::test]
async fn every_destructive_confirmation_previews_its_impact() {
    let w = retiring_world().await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let page = alice.get(&detail(&w.v1)).await;
    let everyone = "2 accounts, 3 servers use this image; their servers keep running and can be rebuilt; no new servers can be created from it";
    assert!(
        page.body
            .contains(&format!("data-confirm-impact=\"{everyone}.\"")),
        "delete"
    );
    assert!(
        page.body.contains(&format!(
            "data-confirm-impact=\"{everyone} until it is reactivated.\""
        )),
        "deactivate"
    );
    assert!(page.body.contains("data-confirm-impact=\"Account 112233 has 2 servers from this image, in 1 region; they keep running and can be rebuilt, but it can create no new servers from it.\""), "remove");

    let list = alice.get("/images?region=DFW").await;
    let impact = format!("{}/impact", detail(&w.v1));
    assert!(
        list.body
            .contains(&format!("data-confirm-impact-url=\"{impact}\""))
    );
    let counted = alice.get(&impact).await;
    let body: serde_json::Value = serde_json::from_str(&counted.body).expect("json");
    assert_eq!(body["impact"], format!("{everyone}."));
    let mut ben = Browser::of(&w.app, &w.ben).await;
    assert_eq!(ben.get(&impact).await.status, StatusCode::FORBIDDEN);

    let done = alice
        .post(&format!("{}/deactivate", detail(&w.v1)), &[], true)
        .await;
    assert!(flash(&mut alice, &done).await.contains("is deactivated"));
    let page = alice.get(&detail(&w.v1)).await;
    assert!(page.body.contains("data-testid=\"reactivate\""));
    let done = alice
        .post(&format!("{}/reactivate", detail(&w.v1)), &[], true)
        .await;
    assert!(flash(&mut alice, &done).await.contains("active again"));
}

#[tokio::test]
async fn deprecate_and_undo_through_the_form_and_consumers_see_the_notice() {
    let w = retiring_world().await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let form = alice.get(&detail(&w.v1)).await;
    assert!(
        form.body
            .contains(&format!("<option value=\"{}\">web-v2</option>", w.v2.id))
    );
    assert!(
        !form
            .body
            .contains(&format!("<option value=\"{}\"", w.v1.id)),
        "not itself"
    );
    let on = day_in(30);
    let fields = [
        ("replacement", w.v2.id.as_str()),
        ("message", "v2 has the fixes"),
        ("obsolete_on", on.as_str()),
    ];
    let deprecate = format!("{}/deprecate", detail(&w.v1));
    let done = alice.post(&deprecate, &fields, true).await;
    let said = flash(&mut alice, &done).await;
    assert_eq!(
        said,
        "web-v1 is deprecated. Its consumers were told; servers built from it keep running and can be rebuilt."
    );
    let notice = format!("Deprecated: use web-v2; no new servers from {on}");

    let mut ben = Browser::of(&w.app, &w.ben).await;
    let create = ben.get("/servers/new?region=DFW").await;
    assert_eq!(text_of(&create, "choice-deprecated"), Some(notice.clone()));
    let page = ben.get(&detail(&w.v1)).await;
    assert_eq!(text_of(&page, "deprecation-text"), Some(notice.clone()));
    assert!(page.body.contains("v2 has the fixes"));
    let list = ben.get("/images?region=DFW").await;
    assert_eq!(text_of(&list, "row-deprecated"), Some(notice.clone()));
    let servers = ben.get("/servers?region=DFW&deprecated=1").await;
    assert_eq!(text_of(&servers, "server-deprecated"), Some(notice.clone()));
    assert!(servers.body.contains("ben-secret-one") && servers.body.contains("ben-secret-two"));
    let all = ben.get("/servers").await;
    assert!(
        all.body
            .contains("href=\"/servers?region=ALL&#38;deprecated=1\"")
    );

    let v0 = w.alice.upload("web-v0", pattern(4096)).await;
    let old = [("replacement", w.v1.id.as_str())];
    let done = alice
        .post(&format!("{}/deprecate", detail(&v0)), &old, true)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    w.alice.share(&v0, &w.gina).await;
    let mut gina = Browser::of(&w.app, &w.gina).await;
    let pending = gina.get("/images?region=DFW").await;
    assert!(
        pending
            .body
            .contains("data-testid=\"pending-deprecated\"><strong>Deprecated: use image "),
        "gina cannot see web-v1: its id only"
    );

    let undo = format!("{}/undeprecate", detail(&w.v1));
    let done = alice.post(&undo, &[], true).await;
    assert!(
        flash(&mut alice, &done)
            .await
            .contains("is no longer deprecated")
    );
    for path in [detail(&w.v1), "/servers/new?region=DFW".to_owned()] {
        assert!(!ben.get(&path).await.body.contains("Deprecated:"), "{path}");
    }
}

#[tokio::test]
async fn bad_deprecations_get_a_clear_message_and_change_nothing() {
    let w = retiring_world().await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let deprecate = format!("{}/deprecate", detail(&w.v1));
    let stranger = w.gina.upload("gamma-image", pattern(1024)).await;
    let (past, soon) = (day_in(-2), day_in(3));
    let cases = [
        (
            stranger.id.as_str(),
            soon.as_str(),
            "a replacement must be an image of the same owner in region DFW",
        ),
        (
            "web-v2",
            soon.as_str(),
            "Choose the replacement among your images in DFW.",
        ),
        (
            w.v2.id.as_str(),
            past.as_str(),
            "The date new servers stop must be after today",
        ),
        (w.v2.id.as_str(), "next week", "as YYYY-MM-DD"),
        (
            w.v1.id.as_str(),
            "",
            "an image cannot be its own replacement.",
        ),
    ];
    for (replacement, obsolete_on, says) in cases {
        let fields = [("replacement", replacement), ("obsolete_on", obsolete_on)];
        let refused = alice.post(&deprecate, &fields, true).await;
        let said = flash(&mut alice, &refused).await;
        assert!(said.contains(says), "{replacement} {obsolete_on}: {said}");
    }
    let page = alice.get(&detail(&w.v1)).await;
    assert!(!page.body.contains("data-testid=\"deprecation-note\""));
    assert!(page.body.contains(">Deprecate Image</button>"));
}

#[tokio::test]
async fn remove_on_a_day_then_cancel_and_the_consumer_sees_the_day() {
    let w = retiring_world().await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let consumer = format!("{}/consumers/112233", detail(&w.v1));
    let schedule = format!("{consumer}/schedule-removal");
    for (date, says) in [
        ("", "Choose the day the consumer's access ends."),
        (
            "tomorrow",
            "Enter the day the consumer's access ends as YYYY-MM-DD, for example 2027-01-15, not \"tomorrow\".",
        ),
        (
            &day_in(-1),
            "Choose a day after today. To end the consumer's access now, use Remove.",
        ),
    ] {
        let refused = alice.post(&schedule, &[("date", date)], true).await;
        assert_eq!(flash(&mut alice, &refused).await, says, "{date}");
    }
    let on = day_in(14);
    let done = alice.post(&schedule, &[("date", &on)], true).await;
    assert_eq!(
        flash(&mut alice, &done).await,
        format!(
            "Account 112233's access to this image ends on {on}. Both accounts were told; you can cancel it until then."
        )
    );
    let page = alice.get(&detail(&w.v1)).await;
    assert_eq!(
        text_of(&page, "remove-at"),
        Some(format!("Access ends {on}"))
    );
    assert!(
        page.body
            .contains(&format!("action=\"{consumer}/cancel-removal\""))
    );

    let mut ben = Browser::of(&w.app, &w.ben).await;
    let page = ben.get(&detail(&w.v1)).await;
    assert!(
        text_of(&page, "access-ends")
            .expect("note")
            .starts_with(&format!("Your access ends on {on}:"))
    );
    let list = ben.get("/images?region=DFW").await;
    assert_eq!(
        text_of(&list, "row-access-ends"),
        Some(format!("Your access ends on {on}"))
    );
    let create = ben.get("/servers/new?region=DFW").await;
    assert!(create.body.contains(&format!("your access ends on {on}")));

    let done = alice
        .post(&format!("{consumer}/cancel-removal"), &[], true)
        .await;
    assert_eq!(
        flash(&mut alice, &done).await,
        "The scheduled removal of account 112233 was cancelled; it keeps the image."
    );
    assert!(!ben.get(&detail(&w.v1)).await.body.contains("access-ends"));
    assert!(text_of(&alice.get(&detail(&w.v1)).await, "remove-at").is_none());
}

#[tokio::test]
async fn retirement_forms_refuse_a_post_without_the_csrf_token() {
    let w = retiring_world().await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let here = detail(&w.v1);
    let on = day_in(14);
    let posts = [
        (
            format!("{here}/deprecate"),
            vec![("replacement", w.v2.id.as_str())],
        ),
        (format!("{here}/undeprecate"), vec![]),
        (format!("{here}/deactivate"), vec![]),
        (
            format!("{here}/consumers/112233/schedule-removal"),
            vec![("date", on.as_str())],
        ),
        (format!("{here}/consumers/112233/cancel-removal"), vec![]),
    ];
    for (path, fields) in &posts {
        let page = alice.post(path, fields, false).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("did not come from the Control Panel"));
    }
    let page = alice.get(&here).await;
    assert!(!page.body.contains("data-testid=\"deprecation-note\""));
    assert!(!page.body.contains("data-testid=\"remove-at\""));
    assert!(page.body.contains("data-testid=\"deactivate\""));
}
