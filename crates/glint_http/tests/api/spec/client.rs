//! `Client`: the wire of the specs. Every request a spec or a helper makes goes through the real
//! router in-process here (no ports, no sleeps), and comes back as a `TestResponse` with its
//! status, headers and body, or as raw bytes where the bytes are what is tested.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::app::PASSWORD;

/// An answer: its status, headers and body (JSON when it parses, a string otherwise, `Null`
/// when empty).
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body, once the status is `want` (the body is in the failure's message).
    #[track_caller]
    pub fn expect(self, want: StatusCode) -> Value {
        assert_eq!(self.status, want, "{:?}", self.body);
        self.body
    }

    /// The text at `pointer` in the body, or "" when there is none.
    pub fn text(&self, pointer: &str) -> &str {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Asserts that the text at `pointer` contains `needle`.
    #[track_caller]
    pub fn assert_says(&self, pointer: &str, needle: &str) {
        assert!(
            self.text(pointer).contains(needle),
            "{pointer} should say {needle:?}: {:?}",
            self.body
        );
    }
}

/// The router, shared by the app, its actors and browsers (a clone is cheap).
#[derive(Clone)]
pub struct Client {
    pub router: Router,
}

impl Client {
    /// Sends a request as it is; the status, headers and body bytes.
    pub async fn exchange(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, headers, bytes)
    }

    /// Sends a prepared request, speaking JSON unless it says otherwise, as the API clients do.
    pub async fn send(&self, mut request: Request<Body>) -> TestResponse {
        if !request.headers().contains_key("accept") {
            request
                .headers_mut()
                .insert("accept", HeaderValue::from_static("application/json"));
        }
        let (status, headers, bytes) = self.exchange(request).await;
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            if bytes.is_empty() {
                Value::Null
            } else {
                Value::String(String::from_utf8_lossy(&bytes).into_owned())
            }
        });
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// A request with the given headers and, when there is one, a JSON body.
    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let body = match body {
            Some(v) => {
                builder = builder.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).expect("request")).await
    }

    /// A request with `X-Auth-Token` and `Accept: application/json`.
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> TestResponse {
        self.request(
            method,
            uri,
            &[("x-auth-token", token), ("accept", "application/json")],
            body,
        )
        .await
    }

    /// A request with a raw body and extra headers (no `Accept` unless given).
    pub async fn raw(
        &self,
        token: &str,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header("x-auth-token", token);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let request = builder.body(Body::from(body)).expect("request");
        let (status, headers, bytes) = self.exchange(request).await;
        (status, headers, bytes.to_vec())
    }

    /// `PATCH` with the given media type and a raw JSON body.
    pub async fn patch(
        &self,
        token: &str,
        uri: &str,
        media_type: &str,
        body: Value,
    ) -> TestResponse {
        let request = Request::builder()
            .method(Method::PATCH)
            .uri(uri)
            .header("x-auth-token", token)
            .header("content-type", media_type)
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

    /// `POST /identity/v3/auth/tokens` with a password, scoped by project name.
    pub async fn sign_in(&self, user: &str, password: &str, project: &str) -> TestResponse {
        self.request(
            Method::POST,
            "/identity/v3/auth/tokens",
            &[],
            Some(password_auth(
                user,
                password,
                json!({"name": project, "domain": {"name": "Default"}}),
            )),
        )
        .await
    }

    /// A token for a user whose password is `PASSWORD`.
    pub async fn token(&self, user: &str, project: &str) -> String {
        let r = self.sign_in(user, PASSWORD, project).await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.header("x-subject-token").expect("token").to_owned()
    }
}

/// A Keystone password-auth body with the given project scope.
pub fn password_auth(user: &str, password: &str, project: Value) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": project}}})
}
