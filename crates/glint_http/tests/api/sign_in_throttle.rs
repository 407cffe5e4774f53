//! The sign-in throttle behind the lockout, for the API and the panel alike: a client address
//! that keeps failing for a user is refused (429) for that user only, while that user signs in
//! from elsewhere; `X-Forwarded-For` names the client only when the peer is a trusted proxy.
//! The lockout is off here, so that only the throttle refuses.

use std::net::SocketAddr;

use axum::http::StatusCode;
use glint_app::LockoutSettings;
use glint_core::Role;
use glint_http::TrustedProxies;

use crate::app::{PASSWORD, Setup, TestApp};
use crate::lockout::sign_in_from;
use crate::panel::browser::Browser;

/// Failures one client may make for one user within the window.
const PER_CLIENT: usize = 10;

async fn world(trusted_proxies: TrustedProxies) -> TestApp {
    let app = TestApp::with(Setup {
        lockout: LockoutSettings {
            failure_attempts: 0,
            ..LockoutSettings::default()
        },
        trusted_proxies,
        ..Setup::default()
    })
    .await;
    app.account("acme", "554433", &["DFW"]).await;
    app.user("alice", "acme", Role::Member).await;
    app.user("amy", "acme", Role::Member).await;
    app
}

#[tokio::test]
async fn a_client_that_keeps_failing_is_throttled_for_that_user_only() {
    let app = world(TrustedProxies::none()).await;
    let attacker = "203.0.113.9";
    for _ in 0..PER_CLIENT {
        let r = sign_in_from(&app, attacker, None, "alice", "wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = sign_in_from(&app, attacker, None, "alice", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], 429);
    assert_eq!(r.body["error"]["title"], "Too Many Requests");
    assert_eq!(
        r.body["error"]["message"],
        "Too many failed sign-ins for this user from this address. Try again in 15 minutes."
    );
    let wait: u64 = r
        .header("retry-after")
        .expect("retry-after")
        .parse()
        .expect("secs");
    assert!((1..=900).contains(&wait), "{wait}");

    let mut panel = Browser::new(&app);
    panel.address = Some(SocketAddr::new(attacker.parse().expect("ip"), 41000));
    let page = panel.sign_in_as("alice", PASSWORD, "acme").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "the panel too");
    assert!(
        page.body.contains("Too many failed sign-ins"),
        "{}",
        page.body
    );

    let elsewhere = sign_in_from(&app, "198.51.100.7", None, "alice", PASSWORD).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::CREATED,
        "alice from elsewhere"
    );
    let other = sign_in_from(&app, attacker, None, "amy", PASSWORD).await;
    assert_eq!(other.status, StatusCode::CREATED, "another user from there");

    app.clock.advance(std::time::Duration::from_secs(15 * 60));
    let r = sign_in_from(&app, attacker, None, "alice", PASSWORD).await;
    assert_eq!(r.status, StatusCode::CREATED, "the window has passed");
}

#[tokio::test]
async fn x_forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let proxies = TrustedProxies::parse(&["10.0.0.0/8"]).expect("proxies");
    let app = world(proxies).await;
    // A client connecting directly cannot escape its throttle by naming other addresses.
    for n in 0..PER_CLIENT {
        let claimed = format!("192.0.2.{n}");
        let r = sign_in_from(&app, "203.0.113.9", Some(&claimed), "alice", "wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = sign_in_from(&app, "203.0.113.9", Some("192.0.2.200"), "alice", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // Behind the proxy, each client is throttled on its own.
    for _ in 0..PER_CLIENT {
        let r = sign_in_from(&app, "10.0.0.2", Some("198.51.100.1"), "amy", "wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = sign_in_from(&app, "10.0.0.2", Some("198.51.100.1"), "amy", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = sign_in_from(&app, "10.0.0.3", Some("198.51.100.2"), "amy", PASSWORD).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
}
