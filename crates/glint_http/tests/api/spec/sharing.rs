//! Sharing as an actor does it, one member API request each: the producer shares with an account
//! and removes the share, the consumer's manager accepts or rejects it. `share`, `accept` and
//! `reject` assert success and return the member; the others return the answer.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::actor::{Actor, Image};
use crate::app::TestResponse;

impl Actor {
    /// `POST …/members` naming the account `number`.
    pub async fn add_member(&self, image: &Image, number: &str) -> TestResponse {
        let body = json!({"member": number});
        self.call(Method::POST, &image.members(), Some(body)).await
    }

    /// Shares the image with the consumer's account (200); the new member.
    pub async fn share(&self, image: &Image, consumer: &Actor) -> Value {
        self.add_member(image, &consumer.number)
            .await
            .expect(StatusCode::OK)
    }

    /// `PUT …/members/{number}` with `status`.
    pub async fn answer_for(&self, image: &Image, number: &str, status: &str) -> TestResponse {
        let body = json!({"status": status});
        self.call(Method::PUT, &image.member(number), Some(body))
            .await
    }

    /// `PUT …/members/{own number}` with `status`: this actor's account answers a share.
    pub async fn answer(&self, image: &Image, status: &str) -> TestResponse {
        self.answer_for(image, &self.number, status).await
    }

    /// Accepts the share (200); the member.
    pub async fn accept(&self, image: &Image) -> Value {
        self.answer(image, "accepted").await.expect(StatusCode::OK)
    }

    /// Rejects the share (200); the member.
    pub async fn reject(&self, image: &Image) -> Value {
        self.answer(image, "rejected").await.expect(StatusCode::OK)
    }

    /// `GET …/members`.
    pub async fn members(&self, image: &Image) -> TestResponse {
        self.get(&image.members()).await
    }

    /// `GET …/members/{number}`.
    pub async fn member(&self, image: &Image, number: &str) -> TestResponse {
        self.get(&image.member(number)).await
    }

    /// `DELETE …/members/{number}`.
    pub async fn remove_member(&self, image: &Image, number: &str) -> TestResponse {
        self.call(Method::DELETE, &image.member(number), None).await
    }
}
