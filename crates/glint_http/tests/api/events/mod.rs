//! Share events as specs: every kind is made by the real action and told to exactly the share's
//! two parties (a third account's feed stays empty), on SQLite and PostgreSQL; the feed pages
//! without gaps or repeats while writers add events; reminders keep the courtesy rules; offers
//! left pending expire.

mod expiry;
mod kinds;
mod paging;
mod reminders;

use axum::http::StatusCode;
use glint_app::ImageSettings;
use glint_core::Role;
use serde_json::Value;

use crate::app::{Engine, Setup, TestApp};
use crate::spec::Actor;

/// A producer (prod 1001: `p`, member), a consumer (cons 1002: `c`, manager) and a stranger
/// (other 1003: `s`, manager), all in DFW and IAD.
pub struct World {
    pub app: TestApp,
    pub producer: Actor,
    pub consumer: Actor,
    pub stranger: Actor,
}

/// The world on `engine` with image settings changed by `tweak`; `None` when PostgreSQL is
/// asked for and not configured.
pub async fn world_with(engine: Engine, tweak: fn(&mut ImageSettings)) -> Option<World> {
    let setup = Setup {
        image_settings: tweak,
        ..Setup::default()
    };
    let app = TestApp::on(engine, setup).await?;
    for (name, number) in [("prod", "1001"), ("cons", "1002"), ("other", "1003")] {
        app.account(name, number, &["DFW", "IAD"]).await;
    }
    let producer = app.actor("p", "prod", Role::Member).await;
    let consumer = app.actor("c", "cons", Role::Manager).await;
    let stranger = app.actor("s", "other", Role::Manager).await;
    Some(World {
        app,
        producer,
        consumer,
        stranger,
    })
}

impl World {
    /// Moves the clock forward by `by` and signs everyone in again (their tokens may have
    /// expired meanwhile).
    pub async fn advance(&mut self, by: std::time::Duration) {
        self.app.clock.advance(by);
        self.producer = self.app.signed_in("p", "prod").await;
        self.consumer = self.app.signed_in("c", "cons").await;
        self.stranger = self.app.signed_in("s", "other").await;
    }
}

pub async fn world(engine: Engine) -> Option<World> {
    world_with(engine, |_| {}).await
}

/// One page of `actor`'s feed at `uri` (200).
pub async fn page(actor: &Actor, uri: &str) -> Value {
    actor.get(uri).await.expect(StatusCode::OK)
}

/// The events of `actor`'s every-region feed with `query`, newest first.
pub async fn feed(actor: &Actor, query: &str) -> Vec<Value> {
    let body = page(actor, &format!("/glint/v1/events?limit=200&{query}")).await;
    body["events"].as_array().cloned().unwrap_or_default()
}

/// The types of events, in order.
pub fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default())
        .collect()
}

impl World {
    /// Asserts that the newest event of both parties is one of `kind` about `image_id` between
    /// prod and cons, made by `actor` (`None`: by the service), and that the stranger's feed
    /// is empty; returns the event as the consumer sees it.
    pub async fn told_to_both(&self, kind: &str, image_id: &str, actor: Option<&str>) -> Value {
        let mut seen = Vec::new();
        for party in [&self.producer, &self.consumer] {
            let events = feed(party, &format!("type={kind}")).await;
            let newest = events
                .iter()
                .find(|e| e["consumer"] == "1002")
                .cloned()
                .unwrap_or_default();
            assert_eq!(
                newest["type"], kind,
                "{} was not told: {events:?}",
                party.user
            );
            assert_eq!(newest["image"]["id"], image_id);
            assert_eq!(newest["producer"], "1001");
            assert_eq!(newest["consumer"], "1002");
            assert_eq!(newest["actor"]["user_name"].as_str(), actor, "{newest}");
            seen.push(newest);
        }
        let without_read = |e: &Value| {
            let mut e = e.clone();
            e.as_object_mut().map(|o| o.remove("read"));
            e
        };
        assert_eq!(
            without_read(&seen[0]),
            without_read(&seen[1]),
            "both parties see the same event"
        );
        self.assert_stranger_learns_nothing(image_id).await;
        seen.remove(1)
    }

    /// The stranger's feeds are empty, whatever it filters on.
    pub async fn assert_stranger_learns_nothing(&self, image_id: &str) {
        let s = &self.stranger;
        assert_eq!(feed(s, "").await, Vec::<Value>::new());
        assert_eq!(
            feed(s, &format!("image_id={image_id}")).await,
            Vec::<Value>::new()
        );
        for region in ["DFW", "IAD"] {
            let body = page(s, &format!("/image/{region}/v2/glint-events")).await;
            assert_eq!(body["events"], Value::Array(vec![]));
        }
        let unread = page(s, "/glint/v1/events/unread").await;
        assert_eq!(unread["unread"], 0);
    }
}
