//! A counting HTTP proxy between Glint and the S3-compatible store: every request passes
//! through unchanged (the `Host` header too, so signatures still verify) and is written down,
//! so that a spec can tell exactly which requests reached the store.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

/// One request seen: its method and its path with the query.
pub type Seen = (String, String);

pub struct CountingProxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl CountingProxy {
    /// Listens on a free loopback port and forwards everything to `upstream`.
    pub async fn start(upstream: SocketAddr) -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = Arc::clone(&seen);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let log = Arc::clone(&log);
                        async move { forward(upstream, req, &log).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(client), service)
                        .await;
                });
            }
        });
        CountingProxy { addr, seen, accept }
    }

    /// The requests seen so far whose path or query holds `needle`.
    pub fn naming(&self, needle: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .expect("log")
            .iter()
            .filter(|(_, path)| path.contains(needle))
            .cloned()
            .collect()
    }

    /// How many `GET`s of objects whose key holds `needle` were seen so far.
    pub fn object_gets(&self, needle: &str) -> usize {
        self.naming(needle)
            .iter()
            .filter(|(method, _)| method == "GET")
            .count()
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn forward(
    upstream: SocketAddr,
    req: Request<Incoming>,
    log: &Mutex<Vec<Seen>>,
) -> Result<Response<Incoming>, hyper::Error> {
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(String::new, ToString::to_string);
    log.lock()
        .expect("log")
        .push((req.method().to_string(), path));
    let stream = TcpStream::connect(upstream).await.expect("upstream");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    sender.send_request(req).await
}

/// The `endpoint=` address of an `s3://…?endpoint=http://host:port&…` store URL, and the URL
/// with that endpoint replaced by `proxy`.
pub fn through(url: &str, proxy: SocketAddr) -> (SocketAddr, String) {
    let (_, rest) = url
        .split_once("endpoint=")
        .expect("the S3 URL names an endpoint");
    let endpoint = rest.split('&').next().expect("endpoint");
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let upstream: SocketAddr = host.parse().expect("the endpoint is an address");
    let rewritten = url.replacen(endpoint, &format!("http://{proxy}"), 1);
    (upstream, rewritten)
}
