//! The metadata definitions catalog (`/v2/metadefs/…`) as specs, on SQLite and PostgreSQL:
//! Glance's default definitions are there after migrating; namespaces are cloud-wide, written
//! by the admin alone, read by everyone when public and by their own account when private
//! (404 for anyone else); protected namespaces and what they hold cannot be deleted; and what a
//! namespace holds (resource type associations, properties, objects, tags).

mod contents;
mod namespaces;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::{Engine, TestApp, TestResponse};
use crate::spec::Actor;

/// `/image/DFW/v2/metadefs/…`.
pub fn metadefs(path: &str) -> String {
    format!("/image/DFW/v2/metadefs/{path}")
}

/// An app with the admin, a member of account `alpha` (1001) and one of `beta` (1002).
pub struct World {
    pub app: TestApp,
    pub admin: Actor,
    pub alpha: Actor,
    pub beta: Actor,
}

pub async fn world(engine: Engine) -> Option<World> {
    let app = match engine {
        Engine::Sqlite => TestApp::new().await,
        Engine::Postgres => TestApp::postgres().await?,
    };
    app.account("alpha", "1001", &["DFW"]).await;
    app.account("beta", "1002", &["DFW", "IAD"]).await;
    let alpha = app.actor("alice", "alpha", Role::Member).await;
    let beta = app.actor("bob", "beta", Role::Manager).await;
    let admin = app.cloud_admin().await;
    Some(World {
        app,
        admin,
        alpha,
        beta,
    })
}

impl Actor {
    /// `POST /v2/metadefs/namespaces` with `body`.
    pub async fn create_namespace(&self, body: Value) -> TestResponse {
        self.call(Method::POST, &metadefs("namespaces"), Some(body))
            .await
    }

    /// Creates namespace `name` with `visibility`, owned by `owner` (an account number), not
    /// protected; the namespace.
    pub async fn namespace_for(&self, name: &str, visibility: &str, owner: &str) -> Value {
        let body = json!({"namespace": name, "visibility": visibility, "owner": owner});
        self.create_namespace(body)
            .await
            .expect(StatusCode::CREATED)
    }

    /// The names of the namespaces this actor is shown (`query` added to the list's URI).
    pub async fn namespace_names(&self, query: &str) -> Vec<String> {
        let body = self
            .get(&format!("{}{query}", metadefs("namespaces")))
            .await
            .expect(StatusCode::OK);
        body["namespaces"]
            .as_array()
            .expect("namespaces")
            .iter()
            .map(|n| n["namespace"].as_str().expect("name").to_owned())
            .collect()
    }
}
