//! Where the panel's redirects may lead: only to paths on this site. A form's `next` with a
//! tab or a line break, or a path id with a line break, sends the browser home, never to
//! another site and never to a 500.

use axum::http::StatusCode;

use super::browser::Browser;
use super::sharing_world;

#[tokio::test]
async fn a_next_that_a_browser_would_read_as_another_site_goes_home() {
    let w = sharing_world().await;
    let id = &w.image.id;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let share = format!("/images/DFW/{id}/share");
    for next in [
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r\n/evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
    ] {
        // An empty account number fails, so the answer goes back to `next`.
        let page = alice
            .post(&share, &[("account", ""), ("next", next)], true)
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "next {next:?}: {}",
            page.body
        );
        let to = page.location();
        assert!(
            to.starts_with('/') && !to.starts_with("//") && !to.chars().any(char::is_control),
            "next {next:?} redirected to {to:?}"
        );
        assert!(
            !to.contains("evil.example"),
            "next {next:?} redirected to {to:?}"
        );
    }
}

#[tokio::test]
async fn a_path_id_with_a_line_break_never_answers_500() {
    let w = sharing_world().await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    for id in [
        "a%0Ab",
        "a%0D%0ALocation:%20https://evil.example/",
        "%09",
        "x%00y",
    ] {
        for action in ["share", "delete", "shareable"] {
            let page = alice
                .post(
                    &format!("/images/DFW/{id}/{action}"),
                    &[("account", "112233")],
                    true,
                )
                .await;
            assert!(
                !page.status.is_server_error(),
                "{action} of {id:?}: {} {}",
                page.status,
                page.body
            );
            assert!(
                !page.location().contains("evil.example"),
                "{action} of {id:?} went to {:?}",
                page.location()
            );
        }
        let page = alice.get(&format!("/images/DFW/{id}")).await;
        assert!(
            !page.status.is_server_error(),
            "detail of {id:?}: {}",
            page.status
        );
    }
}

#[tokio::test]
async fn a_message_repeating_a_long_input_keeps_its_cookie_small() {
    let w = sharing_world().await;
    let id = &w.image.id;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let long = "9".repeat(65_000);
    let page = alice
        .post(
            &format!("/images/DFW/{id}/share"),
            &[("account", &long)],
            true,
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let cookie = page.set_cookie("glint_flash").expect("a flash cookie");
    assert!(
        cookie.len() < 4096,
        "a flash cookie of {} bytes",
        cookie.len()
    );
}
