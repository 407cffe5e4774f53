//! Servers as an actor makes them through the Compute API: boot an image with a flavor, wait
//! for the server to be active, and save it as an image.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::actor::Actor;
use crate::app::TestResponse;

pub const SERVERS: &str = "/compute/DFW/v2.1/servers";

impl Actor {
    /// `POST /compute/{region}/v2.1/servers` booting `image` (an id) with `flavor`, no network.
    pub async fn boot_in(&self, region: &str, image: &str, flavor: &str) -> TestResponse {
        let body = json!({"server": {"name": "vm", "imageRef": image, "flavorRef": flavor, "networks": "none"}});
        let uri = format!("/compute/{region}/v2.1/servers");
        self.call(Method::POST, &uri, Some(body)).await
    }

    /// Boots `image` (an id) with `flavor` in DFW.
    pub async fn boot(&self, image: &str, flavor: &str) -> TestResponse {
        self.boot_in("DFW", image, flavor).await
    }

    /// Boots `image` (an id) in DFW with flavor 1 and waits until the server is active; its id.
    pub async fn server(&self, image: &str) -> String {
        let r = self.boot(image, "1").await.expect(StatusCode::ACCEPTED);
        let id = r["server"]["id"].as_str().expect("id").to_owned();
        self.wait_for(&format!("{SERVERS}/{id}"), "/server/status", "ACTIVE")
            .await;
        id
    }

    /// `createImage` on the server at `uri` (microversion 2.45, which answers the image's id).
    pub async fn save_server(&self, uri: &str, body: Value) -> TestResponse {
        let token = self.token.as_str();
        let headers = [
            ("x-auth-token", token),
            ("openstack-api-version", "compute 2.45"),
        ];
        let body = json!({ "createImage": body });
        self.client()
            .request(Method::POST, &format!("{uri}/action"), &headers, Some(body))
            .await
    }
}
