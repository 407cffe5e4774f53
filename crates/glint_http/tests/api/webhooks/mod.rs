//! Webhooks through the API: registration and its refusals, isolation between accounts and the
//! roles within one (`isolation`), and deliveries to a real receiver (`delivery`): signed,
//! retried, in order per image, to the right accounts only, with the network rule checked again
//! when sending.

mod delivery;
mod isolation;
pub mod receiver;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::{Engine, Setup, TestApp, TestResponse};
use crate::spec::Actor;

pub const WEBHOOKS: &str = "/glint/v1/webhooks";

/// The app on `engine` set up as `setup` says; `None` when PostgreSQL is asked for and not
/// configured.
pub async fn app_on(engine: Engine, setup: Setup) -> Option<TestApp> {
    match engine {
        Engine::Sqlite => Some(TestApp::with(setup).await),
        Engine::Postgres => TestApp::postgres_with(setup).await,
    }
}

impl Actor {
    /// `POST /glint/v1/webhooks` with `body`.
    pub async fn try_register(&self, body: Value) -> TestResponse {
        self.call(Method::POST, WEBHOOKS, Some(body)).await
    }

    /// Registers an endpoint at `url` for `types` (201); the endpoint with its secret.
    pub async fn register(&self, url: &str, types: &[&str]) -> Value {
        self.try_register(json!({"url": url, "event_types": types}))
            .await
            .expect(StatusCode::CREATED)
    }

    /// The ids of the endpoints this actor's account lists.
    pub async fn webhook_ids(&self) -> Vec<String> {
        let listed = self.get(WEBHOOKS).await.expect(StatusCode::OK);
        listed["webhooks"]
            .as_array()
            .expect("webhooks")
            .iter()
            .map(|w| w["id"].as_str().expect("id").to_owned())
            .collect()
    }

    /// The delivery log of endpoint `id` (200).
    pub async fn deliveries(&self, id: &str) -> Vec<Value> {
        let log = self
            .get(&format!("{WEBHOOKS}/{id}/deliveries"))
            .await
            .expect(StatusCode::OK);
        log["deliveries"].as_array().expect("deliveries").clone()
    }

    /// The delivery log of endpoint `id` once no delivery in it is pending (at most 10 s).
    pub async fn settled_deliveries(&self, id: &str) -> Vec<Value> {
        let mut log = Vec::new();
        for _ in 0..500 {
            log = self.deliveries(id).await;
            if log.iter().all(|d| d["state"] != "pending") {
                return log;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("deliveries still pending: {log:?}");
    }
}
