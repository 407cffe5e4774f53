//! The web-download import method against a local HTTP server started here (the only place
//! any fetch goes): a qcow2 and a raw ext4 image are imported, hashed and inspected; a URI
//! the filter refuses is 400 at once; loopback without an allow rule, a redirect to a
//! link-local address, a body beyond the size cap, a server that never answers and one that
//! trickles past the whole fetch's time cap each leave the image `queued` with
//! `os_glance_failed_import` set, as Glance does.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use glint_core::image::web_download::ImportFilter;
use glint_core::network::{WebhookNetworks, parse_ranges};
use glint_testkit::disk_images::{self, have_tools, mkfs, path_str, run, write_tree};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::app::TestApp;
use crate::spec::{Actor, Image, md5_hex};

/// Serves `routes` (path → body) on 127.0.0.1; `/redirect` sends to the metadata address,
/// `/silent` never answers, `/trickle` announces 1 MiB and sends a byte every 100 ms. Returns
/// the base URL.
pub(crate) async fn serve(routes: Vec<(&'static str, Vec<u8>)>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let routes = Arc::new(routes);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let routes = routes.clone();
            tokio::spawn(async move {
                let mut head = vec![0_u8; 4096];
                let n = socket.read(&mut head).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&head[..n]).to_string();
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
                if path == "/silent" {
                    tokio::time::sleep(Duration::from_secs(600)).await;
                    return;
                }
                if path == "/trickle" {
                    let head = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n";
                    let _ = socket.write_all(head.as_bytes()).await;
                    for _ in 0..1_048_576 {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        if socket.write_all(b"x").await.is_err() {
                            return;
                        }
                    }
                    return;
                }
                let answer = if path == "/redirect" {
                    b"HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\nContent-Length: 0\r\n\r\n".to_vec()
                } else if let Some((_, body)) = routes.iter().find(|(p, _)| *p == path) {
                    let mut a = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    a.extend_from_slice(body);
                    a
                } else {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
                };
                let _ = socket.write_all(&answer).await;
            });
        }
    });
    base
}

/// The app with any port allowed, the size cap at 32 MiB and quick timeouts; with
/// `loopback`, 127.0.0.1 may be reached.
async fn app(loopback: bool) -> (TestApp, Actor) {
    fn tweak(s: &mut glint_app::ImageSettings, loopback: bool) {
        s.limits.size_cap = 32 << 20;
        s.web_download.filter = ImportFilter {
            allowed_ports: vec![],
            ..ImportFilter::default()
        };
        s.web_download.read_timeout = Duration::from_secs(1);
        s.web_download.total_timeout = Duration::from_secs(3);
        if loopback {
            let ranges = parse_ranges(&["127.0.0.1/32"]).unwrap();
            s.web_download.networks = Arc::new(WebhookNetworks::allowing(ranges));
        }
    }
    let app = if loopback {
        TestApp::with_image_settings(|s| tweak(s, true)).await
    } else {
        TestApp::with_image_settings(|s| tweak(s, false)).await
    };
    app.account("acme", "554433", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    (app, alice)
}

async fn queued(alice: &Actor, disk_format: &str) -> Image {
    alice
        .create(json!({"name": "fetched", "disk_format": disk_format, "container_format": "bare"}))
        .await
}

async fn web_download(alice: &Actor, image: &Image, uri: &str) -> crate::app::TestResponse {
    let body = json!({"method": {"name": "web-download", "uri": uri}});
    alice
        .call(Method::POST, &format!("{}/import", image.uri()), Some(body))
        .await
}

/// Waits until the import is over: the image active, or back to queued.
async fn settled(alice: &Actor, image: &Image) -> Value {
    for _ in 0..300 {
        let shown = alice.image(image).await;
        if shown["status"] == "active"
            || (shown["status"] == "queued" && shown.get("os_glance_failed_import").is_some())
        {
            return shown;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the import of {} never settled", image.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qcow2_and_ext4_images_are_fetched_hashed_and_inspected() {
    if !have_tools("web-download", &["qemu-img", "mkfs.ext4"]) {
        return;
    }
    let dir = disk_images::scratch();
    let qcow2 = dir.path().join("d.qcow2");
    run(
        "qemu-img",
        &["create", "-q", "-f", "qcow2", path_str(&qcow2), "64M"],
    );
    let root = dir.path().join("tree");
    write_tree(
        &root,
        &[
            ("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
            ("etc/shadow", "root:*:19700::::::\n"),
        ],
    );
    let ext4 = dir.path().join("d.ext4");
    mkfs(&root, &ext4, 8);
    let (qcow2, ext4) = (std::fs::read(qcow2).unwrap(), std::fs::read(ext4).unwrap());
    let base = serve(vec![("/d.qcow2", qcow2.clone()), ("/d.raw", ext4.clone())]).await;
    let (_app, alice) = app(true).await;

    for (format, path, data) in [("qcow2", "/d.qcow2", &qcow2), ("raw", "/d.raw", &ext4)] {
        let image = queued(&alice, format).await;
        let r = web_download(&alice, &image, &format!("{base}{path}")).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        let shown = settled(&alice, &image).await;
        assert_eq!(shown["status"], "active", "{shown}");
        assert_eq!(shown["checksum"], md5_hex(data));
        assert_eq!(shown["size"], data.len());
        assert_eq!(shown["os_glance_importing_to_stores"], "");
        let report = alice
            .wait_for(
                &format!("{}/glint-inspection", image.uri()),
                "/status",
                "complete",
            )
            .await;
        assert_eq!(report["detected_format"], format, "{report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_fetches_leave_the_image_queued_with_the_failure_marked() {
    let base = serve(vec![
        ("/big", vec![7_u8; (32 << 20) + 1]),
        ("/small", vec![1_u8; 4096]),
    ])
    .await;
    let (_strict_app, strict) = app(false).await;
    let image = queued(&strict, "raw").await;
    let r = web_download(&strict, &image, &format!("{base}/small")).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let shown = settled(&strict, &image).await;
    assert_eq!(
        (
            shown["status"].as_str(),
            shown["os_glance_failed_import"].as_str()
        ),
        (Some("queued"), Some("")),
        "loopback without an allow rule: {shown}"
    );

    let (_app, alice) = app(true).await;
    for path in ["/redirect", "/big", "/silent", "/trickle", "/missing"] {
        let image = queued(&alice, "raw").await;
        let r = web_download(&alice, &image, &format!("{base}{path}")).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{path}: {}", r.body);
        let shown = settled(&alice, &image).await;
        assert_eq!(shown["status"], "queued", "{path}: {shown}");
        assert_eq!(shown["size"], Value::Null, "{path}: nothing kept");
        let (status, _) = alice.download(&image).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}: no data");
        if path == "/trickle" {
            let tasks = alice
                .call(Method::GET, &format!("{}/tasks", image.uri()), None)
                .await;
            let message = tasks.body["tasks"][0]["message"]
                .as_str()
                .unwrap_or_default();
            assert!(
                message.contains("did not finish within 3 s"),
                "the time cap says why: {}",
                tasks.body
            );
        }
    }
}

#[tokio::test]
async fn uris_the_filter_refuses_and_images_not_queued_are_refused_at_once() {
    let (_app, alice) = app(true).await;
    let image = queued(&alice, "raw").await;
    for uri in ["ftp://127.0.0.1/x", "file:///etc/passwd", "nonsense"] {
        let r = web_download(&alice, &image, uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        r.assert_says("/message", "does not pass filtering");
    }
    let r = alice
        .call(
            Method::POST,
            &format!("{}/import", image.uri()),
            Some(json!({"method": {"name": "web-download"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(alice.image(&image).await["status"], "queued");

    // Glance's default ports: an explicit other port is refused.
    let (_default_app, bob) = {
        let app = TestApp::new().await;
        app.account("beta", "112233", &["DFW"]).await;
        let bob = app.actor("bob", "beta", Role::Member).await;
        (app, bob)
    };
    let other = queued(&bob, "raw").await;
    let r = web_download(&bob, &other, "http://images.example.com:8080/a.raw").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let no_formats = alice.create(json!({"name": "bare"})).await;
    let r = web_download(&alice, &no_formats, "http://127.0.0.1/x").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let active = alice.upload("up", vec![1; 1024]).await;
    let r = web_download(&alice, &active, "http://127.0.0.1/x").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}
