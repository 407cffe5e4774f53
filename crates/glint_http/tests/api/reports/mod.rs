//! Reports of suspicious images and the operators' quarantine as specs, on SQLite and
//! PostgreSQL: who may report and what a report may say; the operators' list, dismissal and
//! quarantine (the image deactivated for everyone but the admin, new boots refused, servers
//! kept, every party told with the note) and its lifting; and that the producer never learns
//! of a report, nor a stranger of anything.

mod anonymity;
mod concurrent;
mod operators;
mod quarantine;
mod reporting;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::app::TestResponse;
use crate::spec::{Actor, Image, pattern};

pub use crate::groups::{World, world};

/// `…/images/{id}/glint-reports`.
pub fn reports_uri(image: &Image) -> String {
    format!("{}/glint-reports", image.uri())
}

/// `/glint/v1/admin/images/{region}/{id}/{action}` (`quarantine` or `release`).
pub fn admin_image_uri(image: &Image, action: &str) -> String {
    format!(
        "/glint/v1/admin/images/{}/{}/{action}",
        image.region, image.id
    )
}

/// `/glint/v1/admin/reports/{id}/dismiss`.
pub fn dismiss_uri(report: &Value) -> String {
    format!(
        "/glint/v1/admin/reports/{}/dismiss",
        report["id"].as_str().unwrap_or_default()
    )
}

impl Actor {
    /// `POST …/glint-reports` with `body`.
    pub async fn report(&self, image: &Image, body: Value) -> TestResponse {
        self.call(Method::POST, &reports_uri(image), Some(body))
            .await
    }

    /// Reports the image as malware with a comment (201); the report.
    pub async fn report_malware(&self, image: &Image) -> Value {
        let body = json!({"reason": "malware", "comment": "opens a reverse shell at boot"});
        self.report(image, body).await.expect(StatusCode::CREATED)
    }

    /// `POST /glint/v1/admin/images/{region}/{id}/quarantine` with a note.
    pub async fn quarantine(&self, image: &Image, note: &str) -> TestResponse {
        let body = json!({ "note": note });
        self.call(
            Method::POST,
            &admin_image_uri(image, "quarantine"),
            Some(body),
        )
        .await
    }

    /// `GET /glint/v1/admin/reports` with `query`.
    pub async fn operator_reports(&self, query: &str) -> TestResponse {
        self.get(&format!("/glint/v1/admin/reports{query}")).await
    }
}

impl World {
    /// An active image of the producer's, shared with the consumer (who accepted it).
    pub async fn accepted_image(&self, name: &str) -> Image {
        let image = self.producer.upload(name, pattern(4096)).await;
        self.producer.share(&image, &self.consumer).await;
        self.consumer.accept(&image).await;
        image
    }
}
