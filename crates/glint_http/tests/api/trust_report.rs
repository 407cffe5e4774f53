//! Trust reports through the API: every image with data gets one at `…/glint-inspection`,
//! listing exactly what was put into its filesystem, readable by whoever may see the image
//! (strangers get 404), and kept across restarts. Test images are built with mkfs.ext4 and
//! ssh-keygen (skipped without them unless GLINT_INSPECT_REQUIRE_TOOLS=1).

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use glint_testkit::disk_images::{self, have_tools, mkfs, ssh_key, write_tree};
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::inspection::{accounts, app_with_room};
use crate::spec::{Actor, Image};

/// A raw ext4 image with one login user with a password, a preinstalled root key and a
/// passwordless sudo rule; returns the image and the key's fingerprint from `ssh-keygen -lf`.
fn dirty_image(dir: &Path) -> (Vec<u8>, String) {
    let root = dir.join("tree");
    let key = ssh_key(dir, "root_key", "builder@laptop");
    write_tree(
        &root,
        &[
            (
                "etc/passwd",
                "root:x:0:0:root:/root:/bin/bash\ndeploy:x:1000:1000::/home/deploy:/bin/sh\n",
            ),
            (
                "etc/shadow",
                "root:*:19700::::::\ndeploy:$6$salt$abcdefghijkl:19700::::::\n",
            ),
            (
                "etc/os-release",
                "NAME=\"Glint Test\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"Glint Test 7\"\nID=glinttest\n",
            ),
            ("root/.ssh/authorized_keys", &key.public),
            ("etc/sudoers", "deploy ALL=(ALL) NOPASSWD: ALL\n"),
        ],
    );
    let image = dir.join("dirty.ext4");
    mkfs(&root, &image, 8);
    (std::fs::read(&image).expect("image"), key.fingerprint)
}

async fn inspection(actor: &Actor, image: &Image) -> (StatusCode, Value) {
    let r = actor
        .get(&format!("{}/glint-inspection", image.uri()))
        .await;
    (r.status, r.body)
}

/// Waits (at most 60 s) for the background worker to write the report.
async fn complete_report(actor: &Actor, image: &Image) -> Value {
    for _ in 0..600 {
        let (status, body) = inspection(actor, image).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["status"] == "complete" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the trust report of {} was not written", image.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trust_report_lists_what_was_put_in_for_owner_and_members_only() {
    if !have_tools("trust report", &["mkfs.ext4", "ssh-keygen"]) {
        return;
    }
    let dir = disk_images::scratch();
    let (bytes, fingerprint) = dirty_image(dir.path());
    let (_app, alice, bob, eve) = app_with_room().await;
    let (image, status, body) = alice.try_upload("raw", bytes).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let report = complete_report(&alice, &image).await;
    assert_eq!(report["image_id"], image.id);
    assert_eq!(report["detected_format"], "raw");
    assert_eq!(report["clean"], false);
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        warnings,
        [
            "1 preinstalled SSH key (root)",
            "user deploy can log in with a password",
            "sudo without password: /etc/sudoers",
        ]
    );
    let found = &report["report"];
    assert_eq!(found["os"]["pretty_name"], "Glint Test 7");
    assert_eq!(found["ssh_keys"][0]["fingerprint_sha256"], fingerprint);
    assert_eq!(found["ssh_keys"][0]["comment"], "builder@laptop");
    let users: Vec<(&str, bool)> = found["login_users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap_or(""),
                u["password_usable"] == true,
            )
        })
        .collect();
    assert_eq!(users, [("root", false), ("deploy", true)]);
    assert!(
        !found.to_string().contains("abcdefghijkl"),
        "never the hash"
    );

    // A stranger does not learn the image exists; a member sees the report before accepting.
    let (status, _) = inspection(&eve, &image).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = inspection(&bob, &image).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    alice.share(&image, &bob).await;
    let (status, seen) = inspection(&bob, &image).await;
    assert_eq!(
        (status, &seen["warnings"]),
        (StatusCode::OK, &report["warnings"])
    );
}

#[tokio::test]
async fn a_clean_image_says_so_and_reports_survive_a_restart() {
    if !have_tools("clean trust report", &["mkfs.ext4"]) {
        return;
    }
    let dir = disk_images::scratch();
    let root = dir.path().join("tree");
    write_tree(
        &root,
        &[
            (
                "etc/passwd",
                "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\n",
            ),
            ("etc/shadow", "root:*:19700::::::\ndaemon:*:19700::::::\n"),
            ("etc/os-release", "PRETTY_NAME=\"Clean 1\"\n"),
        ],
    );
    let fs = dir.path().join("clean.ext4");
    mkfs(&root, &fs, 8);
    let app = TestApp::with_image_settings(|s| {
        s.limits.size_cap = 64 << 20;
        s.node_id = "node-1".into();
    })
    .await;
    // No worker on this node yet: the report waits.
    let app = app.without_report_worker();
    let (app, alice, _, _) = accounts(app).await;
    let image = alice
        .create(json!({"disk_format": "raw", "container_format": "bare"}))
        .await;
    let (_, body) = inspection(&alice, &image).await;
    assert_eq!(
        (body["status"].as_str(), &body["report"]),
        (Some("no_data"), &Value::Null)
    );
    let status = alice
        .put_file(&image, std::fs::read(&fs).expect("fs"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, body) = inspection(&alice, &image).await;
    assert_eq!(
        (body["status"].as_str(), &body["clean"]),
        (Some("pending"), &Value::Null)
    );

    // The node took the report and stopped half-way: after its restart the report is queued
    // again and written.
    let job = glint_db::trust_reports::claim_next(&app.db, "node-1", glint_core::Timestamp::now())
        .await
        .expect("claim")
        .expect("a pending report");
    assert_eq!(job.image_id.as_str(), image.id);
    assert!(
        !app.images.write_next_report().await.expect("worker"),
        "claimed by the old run"
    );
    assert_eq!(
        app.images.recover_trust_reports().await.expect("recover"),
        1
    );
    assert!(app.images.write_next_report().await.expect("worker"));
    let (_, body) = inspection(&alice, &image).await;
    assert_eq!(body["status"], "complete", "{body}");
    assert_eq!(
        (&body["clean"], &body["warnings"]),
        (&json!(true), &json!([]))
    );
    assert_eq!(body["report"]["os"]["pretty_name"], "Clean 1");
    assert_eq!(body["report"]["login_users"][0]["name"], "root");
}
