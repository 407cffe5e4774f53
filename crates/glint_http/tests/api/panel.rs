//! The Control Panel as specs: sign-in and its cookie flags, refusals and the lockout, CSRF,
//! escaping of hostile names, the pending-share notification per region, and the manager rule
//! for answering shares, all through the real router over a real store.

pub mod browser;
mod groups;
mod notifications;
mod redirects;
mod region_copy;
mod reminders;
mod reports;
mod retirement;
mod sharing_policy;
mod webhooks;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use glint_core::Role;
use serde_json::json;

use crate::app::{PASSWORD, TestApp};
use crate::spec::{Actor, Image};
use browser::{Browser, Page, https_router};

/// acme (554433: alice member; DFW and IAD) shares its DFW image `tuned-web` with beta
/// (112233: ben manager, bill member; DFW and IAD), which has not answered yet.
struct Sharing {
    app: TestApp,
    alice: Actor,
    ben: Actor,
    bill: Actor,
    image: Image,
}

async fn sharing_world() -> Sharing {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW", "IAD"]).await;
    app.account("beta", "112233", &["DFW", "IAD"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let ben = app.actor("ben", "beta", Role::Manager).await;
    let bill = app.actor("bill", "beta", Role::Member).await;
    let image = alice
        .create(json!({"name": "tuned-web", "disk_format": "raw", "container_format": "bare"}))
        .await;
    alice.share(&image, &ben).await;
    Sharing {
        app,
        alice,
        ben,
        bill,
        image,
    }
}

#[tokio::test]
async fn sign_in_sets_the_session_cookie_and_sign_out_ends_it() {
    let Sharing { app, .. } = sharing_world().await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/sign-in").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.set_cookie("glint_csrf").expect("csrf cookie");
    assert!(
        csrf.contains("SameSite=Lax") && !csrf.contains("HttpOnly"),
        "{csrf}"
    );

    let page = browser.sign_in_as("alice", PASSWORD, "554433").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/images");
    let session = page.set_cookie("glint_session").expect("session cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=4319"] {
        assert!(session.contains(flag), "{flag} missing in {session}");
    }
    assert!(!session.contains("Secure"), "plain http: {session}");

    let images = browser.get("/images").await;
    assert_eq!(images.status, StatusCode::OK);
    for text in [
        "acme",
        "554433",
        "alice",
        "Saved Images",
        "All Regions (Global)",
    ] {
        assert!(images.body.contains(text), "{text} missing");
    }
    let old_session = browser.jar.get("glint_session").cloned().expect("session");
    let out = browser.post("/sign-out", &[], true).await;
    assert_eq!(out.location(), "/sign-in?signed_out=1");
    browser.jar.insert("glint_session".into(), old_session);
    browser.jar.insert("glint_csrf".into(), "x".into());
    let again = browser.get("/images").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(
        again.location(),
        "/sign-in?expired=1",
        "a revoked session has ended"
    );
    let notice = browser.get("/sign-in?expired=1").await;
    assert!(notice.body.contains("Your session has expired"));
}

#[tokio::test]
async fn a_session_cookie_dropped_at_expiry_still_says_the_session_expired() {
    let w = sharing_world().await;
    let mut browser = Browser::of(&w.app, &w.alice).await;
    assert!(browser.jar.contains_key("glint_signed_in"));
    browser.jar.remove("glint_session");
    let page = browser.get("/servers").await;
    assert_eq!(page.location(), "/sign-in?expired=1");
    assert!(!browser.jar.contains_key("glint_signed_in"), "said once");
    let mut stranger = Browser::new(&w.app);
    assert_eq!(stranger.get("/servers").await.location(), "/sign-in");
}

#[tokio::test]
async fn the_cookies_are_secure_behind_https() {
    let (router, _db, _blobs) = https_router().await;
    let mut browser = Browser::on(&router);
    let page = browser.sign_in_as("alice", PASSWORD, "acme").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let session = page.set_cookie("glint_session").expect("session cookie");
    assert!(
        session.contains("; Secure") && session.contains("Max-Age=3599"),
        "{session}"
    );
    let csrf = page.set_cookie("glint_csrf").expect("csrf cookie");
    assert!(csrf.contains("; Secure"), "{csrf}");
}

#[tokio::test]
async fn bad_credentials_are_refused_and_six_in_a_row_lock_the_user_not_the_address() {
    let Sharing { app, .. } = sharing_world().await;
    let mut browser = Browser::new(&app);
    let page = browser.sign_in_as("alice", "wrong", "acme").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    let refused = "The username, password or account is not correct.";
    assert!(page.body.contains(refused));
    assert!(page.set_cookie("glint_session").is_none());
    let page = browser.sign_in_as("alice", PASSWORD, "beta").await;
    assert_eq!(
        page.status,
        StatusCode::UNAUTHORIZED,
        "another account's user"
    );

    for _ in 0..6 {
        browser.sign_in_as("alice", "wrong", "acme").await;
    }
    let page = browser.sign_in_as("alice", PASSWORD, "acme").await;
    assert_eq!(
        page.status,
        StatusCode::UNAUTHORIZED,
        "even the right password, and with the same words as a wrong one"
    );
    assert!(page.body.contains(refused), "{}", page.body);
    let api = app.sign_in("alice", PASSWORD, "acme").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED, "the API refuses too");
    let other = browser.sign_in_as("ben", PASSWORD, "beta").await;
    assert_eq!(
        other.status,
        StatusCode::SEE_OTHER,
        "other users are not locked out"
    );

    // Failures for many usernames from one address do not shut that address out: the
    // throttle counts per user and address, and each user's lockout is its own.
    let mut attacker = Browser::new(&app);
    attacker.address = Some("203.0.113.9:40000".parse().expect("addr"));
    for n in 0..10 {
        attacker.sign_in_as(&format!("guess{n}"), "x", "beta").await;
    }
    let page = attacker.sign_in_as("bill", PASSWORD, "beta").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let w = sharing_world().await;
    let id = &w.image.id;
    let mut browser = Browser::of(&w.app, &w.alice).await;
    let delete = format!("/images/DFW/{id}/delete");
    let page = browser.post(&delete, &[], false).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("did not come from the Control Panel"));
    let page = browser.post(&delete, &[("csrf", "forged")], false).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let request = Request::post(&delete)
        .header("x-csrf-token", "forged")
        .header("x-panel-async", "1")
        .body(Body::empty())
        .expect("request");
    assert_eq!(browser.send(request).await.status, StatusCode::FORBIDDEN);
    let detail = browser.get(&format!("/images/DFW/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK, "the image is still there");

    let page = browser.post(&delete, &[], true).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        browser.get(&format!("/images/DFW/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_share_dialog_reports_the_services_refusals() {
    let w = sharing_world().await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let share = format!("/images/DFW/{}/share", w.image.id);
    let mut ask = async |account: &str| {
        let body = format!("account={account}");
        let request = Request::post(&share)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-panel-async", "1")
            .header("x-csrf-token", alice.csrf())
            .body(Body::from(body))
            .expect("request");
        let page = alice.send(request).await;
        let body: serde_json::Value = serde_json::from_str(&page.body).expect("json");
        (
            page.status,
            body["error"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let (status, error) = ask("").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.contains("Enter the account number"), "{error}");
    let (status, error) = ask("554433").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.contains("your own account number"), "{error}");
    let (status, error) = ask("112233").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        error.contains("already shared with account 112233"),
        "{error}"
    );

    for n in 0..127 {
        let r = w.alice.add_member(&w.image, &format!("9{n:05}")).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let (status, error) = ask("700001").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");
    assert!(!error.is_empty());
}

#[tokio::test]
async fn hostile_names_render_as_text() {
    let w = sharing_world().await;
    let hostile = "<img src=x onerror=alert(1)>";
    let image = w
        .alice
        .create(json!({"name": hostile, "team": "<script>alert(2)</script>"}))
        .await;
    let mut browser = Browser::of(&w.app, &w.alice).await;
    for path in ["/images".to_owned(), format!("/images/DFW/{}", image.id)] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("&#60;img src=x onerror=alert(1)&#62;"),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(!page.body.contains("<script>alert(2)"), "{path}");
    }
}

#[tokio::test]
async fn the_notification_shows_only_for_all_regions_or_the_image_region() {
    let w = sharing_world().await;
    let mut ben = Browser::of(&w.app, &w.ben).await;
    let shown = |page: &Page| page.body.contains("data-testid=\"pending-notification\"");
    for (path, expected) in [
        ("/images", true),
        ("/images?region=ALL", true),
        ("/images?region=DFW", true),
        ("/images?region=IAD", false),
        ("/servers/new?region=DFW", true),
        ("/servers/new?region=IAD", false),
    ] {
        let page = ben.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(shown(&page), expected, "{path}");
    }
    let mut alice = Browser::of(&w.app, &w.alice).await;
    assert!(
        !shown(&alice.get("/images").await),
        "the producer has nothing pending"
    );
}

#[tokio::test]
async fn only_a_manager_answers_and_a_rejection_points_to_the_producer() {
    let w = sharing_world().await;
    let id = &w.image.id;
    let accept = format!("/shares/DFW/{id}/accept");
    let mut bill = Browser::of(&w.app, &w.bill).await;
    let page = bill.get("/images").await;
    assert!(page.body.contains("data-testid=\"needs-manager\""));
    assert!(!page.body.contains(&format!("action=\"{accept}\"")));
    let refused = bill.post(&accept, &[("next", "/images")], true).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    let page = bill.get("/images").await;
    assert!(
        page.body.contains("You need the &#39;manager&#39; role"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("data-testid=\"pending-notification\""),
        "still pending"
    );

    let mut ben = Browser::of(&w.app, &w.ben).await;
    let page = ben.get("/images").await;
    assert!(page.body.contains(&format!("action=\"{accept}\"")));
    ben.post(&accept, &[("next", "/images")], true).await;
    let page = ben.get("/images").await;
    assert!(!page.body.contains("data-testid=\"pending-notification\""));
    assert!(page.body.contains("tuned-web") && page.body.contains("Shared Image"));

    ben.post(
        &format!("/shares/DFW/{id}/remove"),
        &[("next", "/images")],
        true,
    )
    .await;
    let page = ben.get("/images").await;
    assert!(
        !page.body.contains(&format!("data-image-id=\"{id}\"")),
        "removed from Saved Images"
    );
    assert!(
        page.body
            .contains("ask the producer (account 554433) to re-share it")
    );
    assert!(
        !page.body.contains(">Accept<"),
        "no accept button after a rejection"
    );
    let detail = ben.get(&format!("/images/DFW/{id}")).await;
    assert!(
        detail
            .body
            .contains("ask the producer (account 554433) to share it again")
    );
    assert!(!detail.body.contains(">Accept<"));
}
