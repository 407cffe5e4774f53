//! Groups of accounts as specs, on SQLite and PostgreSQL: a group's life and its input rules,
//! isolation (a stranger sees nothing), sharing an image with a group and what adding or
//! removing an account later does to the shares, the member quota, and concurrent clients.

mod concurrent;
mod crud;
mod sharing;

use axum::http::{Method, StatusCode};
use glint_app::ImageSettings;
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::{Engine, Setup, TestApp};
use crate::spec::{Actor, Image};

/// A producer (prod 1001: `p`, member; `r`, reader), two consumers (cons 1002: `c`, manager;
/// part 1004: `d`, manager) and a stranger (other 1003: `s`, manager), all in DFW.
pub struct World {
    pub app: TestApp,
    pub producer: Actor,
    pub reader: Actor,
    pub consumer: Actor,
    pub partner: Actor,
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
    for (name, number) in [
        ("prod", "1001"),
        ("cons", "1002"),
        ("other", "1003"),
        ("part", "1004"),
    ] {
        app.account(name, number, &["DFW"]).await;
    }
    Some(World {
        producer: app.actor("p", "prod", Role::Member).await,
        reader: app.actor("r", "prod", Role::Reader).await,
        consumer: app.actor("c", "cons", Role::Manager).await,
        partner: app.actor("d", "part", Role::Manager).await,
        stranger: app.actor("s", "other", Role::Manager).await,
        app,
    })
}

pub async fn world(engine: Engine) -> Option<World> {
    world_with(engine, |_| {}).await
}

/// `/glint/v1/groups/{id}`.
pub fn group_uri(group: &Value) -> String {
    format!(
        "/glint/v1/groups/{}",
        group["id"].as_str().unwrap_or_default()
    )
}

/// `/glint/v1/groups/{id}/accounts/{account}`.
pub fn account_uri(group: &Value, account: &str) -> String {
    format!("{}/accounts/{account}", group_uri(group))
}

/// `…/images/{id}/glint-group-shares`.
pub fn group_shares_uri(image: &Image) -> String {
    format!("{}/glint-group-shares", image.uri())
}

impl World {
    /// Creates a group of the producer's account (201); the group.
    pub async fn group(&self, name: &str, accounts: &[&str]) -> Value {
        let body = json!({"name": name, "accounts": accounts});
        self.producer
            .call(Method::POST, "/glint/v1/groups", Some(body))
            .await
            .expect(StatusCode::CREATED)
    }

    /// A shared image of the producer's.
    pub async fn image(&self, name: &str) -> Image {
        self.producer.create(json!({"name": name})).await
    }
}

impl Actor {
    /// `POST …/glint-group-shares` naming the group.
    pub async fn share_with_group(&self, image: &Image, group: &Value) -> crate::app::TestResponse {
        let body = json!({"group_id": group["id"]});
        self.call(Method::POST, &group_shares_uri(image), Some(body))
            .await
    }

    /// `PUT /glint/v1/groups/{id}/accounts/{account}`.
    pub async fn add_to_group(&self, group: &Value, account: &str) -> crate::app::TestResponse {
        self.call(Method::PUT, &account_uri(group, account), None)
            .await
    }

    /// `DELETE /glint/v1/groups/{id}/accounts/{account}`.
    pub async fn remove_from_group(
        &self,
        group: &Value,
        account: &str,
    ) -> crate::app::TestResponse {
        self.call(Method::DELETE, &account_uri(group, account), None)
            .await
    }

    /// The status of this actor's own share of the image, as the member API answers it, or
    /// `None` when it has none (404).
    pub async fn own_share(&self, image: &Image) -> Option<String> {
        let r = self.member(image, &self.number).await;
        if r.status == StatusCode::NOT_FOUND {
            return None;
        }
        let body = r.expect(StatusCode::OK);
        Some(body["status"].as_str().unwrap_or_default().to_owned())
    }
}
