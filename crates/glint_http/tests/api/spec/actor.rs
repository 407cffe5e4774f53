//! Actors and images: an `Actor` is a user of an account with a role, signed in through the
//! identity API, who acts on images through the Image API; an `Image` is where one lives. Every
//! helper is made of HTTP requests through the router (never a service call), so a spec
//! written with them still tests the wire; the `try_` and plain-response helpers hand back the
//! answer where its status is what the spec checks, the others assert success and return what
//! they made.

use std::time::Duration;

use axum::http::{HeaderMap, Method, StatusCode};
use glint_core::Role;
use serde_json::{Value, json};

use crate::app::{Client, PASSWORD, TestApp, TestResponse};

pub const OCTET: (&str, &str) = ("content-type", "application/octet-stream");
/// The two JSON-Patch media types of `PATCH` on an image.
pub const V21: &str = "application/openstack-images-v2.1-json-patch";
pub const V20: &str = "application/openstack-images-v2.0-json-patch";

/// A signed-in user of an account.
pub struct Actor {
    pub user: String,
    pub account: String,
    /// The account's number, by which images are shared with it.
    pub number: String,
    pub token: String,
    client: Client,
}

/// An image: its region and id.
#[derive(Clone)]
pub struct Image {
    pub id: String,
    pub region: String,
}

impl Image {
    /// `/image/{region}/v2/images/{id}`.
    pub fn uri(&self) -> String {
        format!("/image/{}/v2/images/{}", self.region, self.id)
    }

    pub fn file(&self) -> String {
        format!("{}/file", self.uri())
    }

    pub fn members(&self) -> String {
        format!("{}/members", self.uri())
    }

    pub fn member(&self, number: &str) -> String {
        format!("{}/members/{number}", self.uri())
    }
}

impl TestApp {
    /// Creates `user` with `role` in `account` (which must exist), signed in.
    pub async fn actor(&self, user: &str, account: &str, role: Role) -> Actor {
        self.user(user, account, role).await;
        self.signed_in(user, account).await
    }

    /// Signs in as an existing user of `account` whose password is `PASSWORD`.
    pub async fn signed_in(&self, user: &str, account: &str) -> Actor {
        let r = self.sign_in(user, PASSWORD, account).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        Actor {
            user: user.to_owned(),
            account: account.to_owned(),
            number: r.body["token"]["project"]["id"]
                .as_str()
                .expect("project id")
                .to_owned(),
            token: r.header("x-subject-token").expect("token").to_owned(),
            client: self.client.clone(),
        }
    }

    /// The cloud's administrator (the bootstrap's `admin`), signed in.
    pub async fn cloud_admin(&self) -> Actor {
        self.signed_in("admin", "admin").await
    }
}

impl Actor {
    /// The wire this actor speaks on.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A JSON request with this actor's token.
    pub async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> TestResponse {
        self.client.call(&self.token, method, uri, body).await
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.call(Method::GET, uri, None).await
    }

    /// A request with a raw body and extra headers, with this actor's token.
    pub async fn raw(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        self.client
            .raw(&self.token, method, uri, headers, body)
            .await
    }

    /// `POST /image/DFW/v2/images` with `body`.
    pub async fn try_create(&self, body: Value) -> TestResponse {
        self.try_create_in("DFW", body).await
    }

    /// `POST /image/{region}/v2/images` with `body`.
    pub async fn try_create_in(&self, region: &str, body: Value) -> TestResponse {
        let uri = format!("/image/{region}/v2/images");
        self.call(Method::POST, &uri, Some(body)).await
    }

    /// Creates an image in DFW (201).
    pub async fn create(&self, body: Value) -> Image {
        self.create_in("DFW", body).await
    }

    /// Creates an image in `region` (201).
    pub async fn create_in(&self, region: &str, body: Value) -> Image {
        let created = self
            .try_create_in(region, body)
            .await
            .expect(StatusCode::CREATED);
        Image {
            id: created["id"].as_str().expect("id").to_owned(),
            region: region.to_owned(),
        }
    }

    /// A raw, bare image named `name` in DFW with `data` uploaded (active).
    pub async fn upload(&self, name: &str, data: Vec<u8>) -> Image {
        self.upload_with(json!({"name": name}), data).await
    }

    /// A raw, bare image in DFW with the keys of `extra` too, and `data` uploaded (active).
    pub async fn upload_with(&self, extra: Value, data: Vec<u8>) -> Image {
        let mut body = json!({"disk_format": "raw", "container_format": "bare"});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let image = self.create(body).await;
        assert_eq!(self.put_file(&image, data).await, StatusCode::NO_CONTENT);
        image
    }

    /// Creates an image declared as `disk_format` (bare, shared) and uploads `data`, asking for
    /// JSON: the image, the upload's status and its body as text.
    pub async fn try_upload(
        &self,
        disk_format: &str,
        data: Vec<u8>,
    ) -> (Image, StatusCode, String) {
        let declared =
            json!({"disk_format": disk_format, "container_format": "bare", "visibility": "shared"});
        let image = self.create(declared).await;
        let headers = [OCTET, ("accept", "application/json")];
        let (status, _, body) = self.raw(Method::PUT, &image.file(), &headers, data).await;
        (image, status, String::from_utf8_lossy(&body).into_owned())
    }

    /// `PUT …/file` with `data` as an octet stream.
    pub async fn put_file(&self, image: &Image, data: Vec<u8>) -> StatusCode {
        self.raw(Method::PUT, &image.file(), &[OCTET], data).await.0
    }

    /// `PUT …/stage` with `data` as an octet stream.
    pub async fn stage(&self, image: &Image, data: Vec<u8>) -> StatusCode {
        let uri = format!("{}/stage", image.uri());
        self.raw(Method::PUT, &uri, &[OCTET], data).await.0
    }

    /// `GET …/file`: the status and the bytes.
    pub async fn download(&self, image: &Image) -> (StatusCode, Vec<u8>) {
        let (status, _, body) = self.raw(Method::GET, &image.file(), &[], vec![]).await;
        (status, body)
    }

    /// `GET …/file` with a `Range` header.
    pub async fn download_range(
        &self,
        image: &Image,
        range: &str,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        self.raw(Method::GET, &image.file(), &[("range", range)], vec![])
            .await
    }

    pub async fn show(&self, image: &Image) -> TestResponse {
        self.get(&image.uri()).await
    }

    /// The image as this actor sees it (200).
    pub async fn image(&self, image: &Image) -> Value {
        self.show(image).await.expect(StatusCode::OK)
    }

    /// The image's status as this actor sees it.
    pub async fn status_of(&self, image: &Image) -> String {
        self.image(image).await["status"]
            .as_str()
            .expect("status")
            .to_owned()
    }

    /// `PATCH` the image with `ops` in the `media` patch type.
    pub async fn patch(&self, image: &Image, media: &str, ops: Value) -> TestResponse {
        self.client
            .patch(&self.token, &image.uri(), media, ops)
            .await
    }

    pub async fn delete(&self, image: &Image) -> TestResponse {
        self.call(Method::DELETE, &image.uri(), None).await
    }

    /// `POST …/actions/{action}` (deactivate, reactivate).
    pub async fn act(&self, image: &Image, action: &str) -> TestResponse {
        let uri = format!("{}/actions/{action}", image.uri());
        self.call(Method::POST, &uri, None).await
    }

    /// The images of a DFW list with `query` (a leading `?` and the parameters, or ""; 200).
    pub async fn list(&self, query: &str) -> Vec<Value> {
        let r = self.get(&format!("/image/DFW/v2/images{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {:?}", r.body);
        r.body["images"]
            .as_array()
            .unwrap_or_else(|| panic!("no images in {:?}", r.body))
            .clone()
    }

    /// The ids of a DFW list with `query`.
    pub async fn ids(&self, query: &str) -> Vec<String> {
        let images = self.list(query).await;
        images
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_owned())
            .collect()
    }

    /// How many images a DFW list with `query` shows.
    pub async fn count(&self, query: &str) -> usize {
        self.list(query).await.len()
    }

    /// Reads `uri` until the text at `pointer` is `want` (at most 10 s); the last body.
    pub async fn wait_for(&self, uri: &str, pointer: &str, want: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..500 {
            last = self.get(uri).await.body;
            if last
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                == want
            {
                return last;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{uri} never reached {pointer} = {want}: {last:?}");
    }
}
