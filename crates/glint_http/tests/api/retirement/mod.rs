//! Retiring an image safely, as specs on SQLite and PostgreSQL: the usage report counts what
//! the producer needs and nothing of another account it should not see; deprecation stays in
//! the owner's hands, is told to consumers, and stops new boots only after its obsolete time;
//! scheduled removals happen once, at their time, with several nodes running; saved servers
//! record their lineage.

mod deprecation;
mod lineage;
mod schedule;
mod usage;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::{Engine, TestApp};
use crate::spec::{Actor, Image};

/// A producer (prod 1001), three consumers (c1 1002, c2 1003, c3 1004, managers) and a
/// stranger (other 1005), all in DFW and IAD.
pub struct World {
    pub app: TestApp,
    pub producer: Actor,
    pub consumers: [Actor; 3],
    pub stranger: Actor,
}

const ACCOUNTS: [(&str, &str, &str); 5] = [
    ("p", "prod", "1001"),
    ("c1", "cons1", "1002"),
    ("c2", "cons2", "1003"),
    ("c3", "cons3", "1004"),
    ("s", "other", "1005"),
];

pub async fn world(engine: Engine) -> Option<World> {
    let app = match engine {
        Engine::Sqlite => TestApp::new().await,
        Engine::Postgres => TestApp::postgres().await?,
    };
    for (_, account, number) in ACCOUNTS {
        app.account(account, number, &["DFW", "IAD"]).await;
    }
    let producer = app.actor("p", "prod", Role::Member).await;
    let c1 = app.actor("c1", "cons1", Role::Manager).await;
    let c2 = app.actor("c2", "cons2", Role::Manager).await;
    let c3 = app.actor("c3", "cons3", Role::Manager).await;
    let stranger = app.actor("s", "other", Role::Manager).await;
    Some(World {
        app,
        producer,
        consumers: [c1, c2, c3],
        stranger,
    })
}

impl World {
    /// Moves the clock forward by `by` and signs everyone in again.
    pub async fn advance(&mut self, by: std::time::Duration) {
        self.app.clock.advance(by);
        self.producer = self.app.signed_in("p", "prod").await;
        for (i, (user, account, _)) in ACCOUNTS[1..4].iter().enumerate() {
            self.consumers[i] = self.app.signed_in(user, account).await;
        }
        self.stranger = self.app.signed_in("s", "other").await;
    }

    /// A shared image with data in `region`, owned by the producer, shared with and accepted
    /// by every consumer.
    pub async fn shared_image(&self, region: &str, name: &str) -> Image {
        let body = json!({"name": name, "disk_format": "raw", "container_format": "bare"});
        let image = self.producer.create_in(region, body).await;
        let stored = self.producer.put_file(&image, vec![5; 4096]).await;
        assert_eq!(stored, StatusCode::NO_CONTENT);
        for consumer in &self.consumers {
            self.producer.share(&image, consumer).await;
            consumer.accept(&image).await;
        }
        image
    }
}

/// The servers path of `region`.
pub fn servers(region: &str) -> String {
    format!("/compute/{region}/v2.1/servers")
}

/// Boots `image` in `region` as `actor` and waits until the server is active; its id.
pub async fn server_in(actor: &Actor, region: &str, image: &str) -> String {
    let r = actor.boot_in(region, image, "1").await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let id = r.body["server"]["id"].as_str().expect("id").to_owned();
    let uri = format!("{}/{id}", servers(region));
    actor.wait_for(&uri, "/server/status", "ACTIVE").await;
    id
}

/// Rebuilds the server `id` in `region` from `image` and waits until it is active again.
pub async fn rebuild(actor: &Actor, region: &str, id: &str, image: &str) -> StatusCode {
    let uri = format!("{}/{id}", servers(region));
    let body = json!({"rebuild": {"imageRef": image}});
    let r = actor
        .call(Method::POST, &format!("{uri}/action"), Some(body))
        .await;
    if r.status == StatusCode::ACCEPTED {
        actor.wait_for(&uri, "/server/status", "ACTIVE").await;
    }
    r.status
}

/// The usage report of `image` as `actor` asks for it.
pub async fn usage_of(actor: &Actor, image: &Image) -> crate::app::TestResponse {
    actor.get(&format!("{}/glint-usage", image.uri())).await
}

/// The consumer row of `account` in a usage report.
pub fn consumer_row<'a>(report: &'a Value, account: &str) -> &'a Value {
    report["consumers"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["account_id"] == account))
        .unwrap_or_else(|| panic!("no row for {account}: {report}"))
}
