//! A webhook receiver for the specs: a real HTTP server on 127.0.0.1 that records every request
//! (headers and body) and answers 500 to the first `failures` of them, 204 after.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// What it answered.
    pub status: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// The delivered event's id.
    pub fn event_id(&self) -> String {
        self.json()["event"]["id"]
            .as_str()
            .expect("event id")
            .to_owned()
    }

    /// Whether `Glint-Signature` is HMAC-SHA256 with `secret` over `<t>.<body>`, computed here.
    pub fn signed_with(&self, secret: &str) -> bool {
        let header = self.header("glint-signature");
        let mut t = None;
        let mut v1 = None;
        for part in header.split(',') {
            match part.split_once('=') {
                Some(("t", value)) => t = Some(value),
                Some(("v1", value)) => v1 = Some(value),
                _ => {}
            }
        }
        let (Some(t), Some(v1)) = (t, v1) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("{t}.").as_bytes());
        mac.update(&self.body);
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        hex == v1
    }
}

#[derive(Clone, Default)]
struct Log {
    received: Arc<Mutex<Vec<Received>>>,
    failures: Arc<AtomicU32>,
}

/// A running receiver; it stops with the test's runtime.
pub struct Receiver {
    pub url: String,
    log: Log,
}

async fn record(State(log): State<Log>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let fail = log
        .failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    };
    log.received.lock().expect("log").push(Received {
        headers,
        body: body.to_vec(),
        status: status.as_u16(),
    });
    status
}

impl Receiver {
    /// Starts a receiver that answers 500 to its first `failures` requests.
    pub async fn start(failures: u32) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let log = Log::default();
        log.failures.store(failures, Ordering::SeqCst);
        let app = Router::new().fallback(record).with_state(log.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            log,
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.log.received.lock().expect("log").clone()
    }

    /// Waits (at most 10 s) until `n` requests were answered 2xx; all requests received.
    pub async fn wait_for_delivered(&self, n: usize) -> Vec<Received> {
        for _ in 0..1000 {
            let got = self.received();
            if got.iter().filter(|r| r.status < 300).count() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{n} deliveries expected, got {:?}", self.received());
    }
}
