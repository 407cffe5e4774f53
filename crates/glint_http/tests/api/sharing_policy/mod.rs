//! Sharing policies, as specs on SQLite and PostgreSQL with real ext4 images built here
//! (mkfs.ext4, ssh-keygen; skipped without them unless GLINT_INSPECT_REQUIRE_TOOLS=1): a
//! table of cases from the trusted producer's clean image accepted by itself to the boot
//! refused with its findings (`cases`), and the rest of the API: who may read and set a
//! policy, bad requests, the override and its private event, what `audit` lists, isolation
//! (`api`).

mod api;
mod cases;
mod concurrency;
mod groups;

use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use glint_core::Role;
use glint_testkit::disk_images::{self, Key, have_tools, mkfs, ssh_key, write_tree};
use serde_json::{Value, json};

use crate::app::{Engine, Setup, TestApp};
use crate::spec::{Actor, Image};

pub const POLICY: &str = "/glint/v1/sharing-policy";

/// What the images of the specs hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// root with a locked password, nothing else.
    Clean,
    /// A preinstalled root key (key A).
    KeyA,
    /// Key A for root and key B for deploy.
    KeysAB,
    /// deploy can log in with a password.
    PasswordUser,
    /// toor has uid 0.
    ExtraUid0,
    /// deploy may sudo without a password.
    Sudo,
    /// No filesystem at all: nothing could be inspected.
    Unreadable,
}

/// The images, built once per spec, and key A (the one an allow-list may name).
pub struct Disks {
    _dir: tempfile::TempDir,
    pub key_a: Key,
    clean: Vec<u8>,
    key_a_only: Vec<u8>,
    keys_ab: Vec<u8>,
    password: Vec<u8>,
    uid0: Vec<u8>,
    sudo: Vec<u8>,
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\ndeploy:x:1000:1000::/home/deploy:/bin/sh\n";
const SHADOW: &str = "root:*:19700::::::\ndeploy:!:19700::::::\n";

fn ext4(dir: &Path, name: &str, files: &[(&str, &str)]) -> Vec<u8> {
    let root = dir.join(format!("tree-{name}"));
    let mut all: Vec<(&str, &str)> = vec![("etc/passwd", PASSWD), ("etc/shadow", SHADOW)];
    for (path, text) in files {
        all.retain(|(p, _)| p != path);
        all.push((path, text));
    }
    write_tree(&root, &all);
    let image = dir.join(format!("{name}.ext4"));
    mkfs(&root, &image, 8);
    std::fs::read(&image).expect("image")
}

impl Disks {
    /// `None` (the spec is skipped) without mkfs.ext4 and ssh-keygen.
    pub fn build(spec: &str) -> Option<Disks> {
        if !have_tools(spec, &["mkfs.ext4", "ssh-keygen"]) {
            return None;
        }
        let dir = disk_images::scratch();
        let d = dir.path();
        let key_a = ssh_key(d, "key_a", "release@build");
        let key_b = ssh_key(d, "key_b", "someone@laptop");
        Some(Disks {
            clean: ext4(d, "clean", &[]),
            key_a_only: ext4(d, "key_a", &[("root/.ssh/authorized_keys", &key_a.public)]),
            keys_ab: ext4(
                d,
                "keys_ab",
                &[
                    ("root/.ssh/authorized_keys", &key_a.public),
                    ("home/deploy/.ssh/authorized_keys", &key_b.public),
                ],
            ),
            password: ext4(
                d,
                "password",
                &[(
                    "etc/shadow",
                    "root:*:19700::::::\ndeploy:$6$salt$abcdefghijkl:19700::::::\n",
                )],
            ),
            uid0: ext4(
                d,
                "uid0",
                &[(
                    "etc/passwd",
                    &format!("{PASSWD}toor:x:0:0::/root:/bin/bash\n"),
                )],
            ),
            sudo: ext4(
                d,
                "sudo",
                &[("etc/sudoers", "deploy ALL=(ALL) NOPASSWD: ALL\n")],
            ),
            key_a,
            _dir: dir,
        })
    }

    pub fn bytes(&self, content: Content) -> Vec<u8> {
        match content {
            Content::Clean => self.clean.clone(),
            Content::KeyA => self.key_a_only.clone(),
            Content::KeysAB => self.keys_ab.clone(),
            Content::PasswordUser => self.password.clone(),
            Content::ExtraUid0 => self.uid0.clone(),
            Content::Sudo => self.sudo.clone(),
            Content::Unreadable => vec![0x5a; 1 << 20],
        }
    }
}

/// A trusted build account (build 2001, a member), an untrusted producer (vendor 2002), and
/// consumers made as the specs need them.
pub struct World {
    pub app: TestApp,
    pub build: Actor,
    pub vendor: Actor,
}

pub async fn world(engine: Engine) -> Option<World> {
    let setup = Setup {
        image_settings: |s| s.limits.size_cap = 64 << 20,
        ..Setup::default()
    };
    let app = TestApp::on(engine, setup).await?;
    app.account("build", "2001", &["DFW"]).await;
    app.account("vendor", "2002", &["DFW"]).await;
    let build = app.actor("builder", "build", Role::Member).await;
    let vendor = app.actor("seller", "vendor", Role::Member).await;
    Some(World { app, build, vendor })
}

impl World {
    /// A new consumer account `name` (number `number`) with a manager `NAME-mgr`.
    pub async fn consumer(&self, name: &str, number: &str) -> Actor {
        self.app.account(name, number, &["DFW"]).await;
        self.app
            .actor(&format!("{name}-mgr"), name, Role::Manager)
            .await
    }
}

/// Sets the policy of the actor's account: 200 with it.
pub async fn set_policy(actor: &Actor, policy: Value) -> Value {
    actor
        .call(axum::http::Method::PUT, POLICY, Some(policy))
        .await
        .expect(StatusCode::OK)
}

/// A shared image of `producer` holding `content`, with its trust report written.
pub async fn reported_image(producer: &Actor, disks: &Disks, content: Content) -> Image {
    let image = producer
        .upload_with(json!({"visibility": "shared"}), disks.bytes(content))
        .await;
    report_written(producer, &image).await;
    image
}

/// Waits (at most 60 s) for the image's trust report.
pub async fn report_written(actor: &Actor, image: &Image) {
    for _ in 0..600 {
        let r = actor
            .get(&format!("{}/glint-inspection", image.uri()))
            .await;
        if r.body["status"] == "complete" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the trust report of {} was not written", image.id);
}

/// The consumer's member status for the image, as the member API shows it.
pub async fn status_of_share(consumer: &Actor, image: &Image) -> String {
    let r = consumer.get(&image.member(&consumer.number)).await;
    r.body["status"].as_str().unwrap_or_default().to_owned()
}

/// Waits (at most 20 s) for the consumer's share to become `want`.
pub async fn share_becomes(consumer: &Actor, image: &Image, want: &str) {
    for _ in 0..200 {
        if status_of_share(consumer, image).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the share of {} never became {want}", image.id);
}

/// A pending share of a clean image from the trusted build account to a new consumer (3100)
/// whose policy was off when it was offered and is turned on behind the service's back (in
/// `mode`), as if a node had stopped between the policy's change and its acceptances: only a
/// sweep accepts it now.
pub async fn share_missed_by_its_policy(w: &World, disks: &Disks, mode: &str) -> (Actor, Image) {
    let consumer = w.consumer("acme", "3100").await;
    set_policy(
        &consumer,
        json!({"mode": "off", "trusted_producers": ["2001"]}),
    )
    .await;
    let image = reported_image(&w.build, disks, Content::Clean).await;
    w.build.share(&image, &consumer).await;
    glint_db::sql::query("UPDATE sharing_policies SET mode = $1 WHERE account_id = '3100'")
        .bind(mode)
        .execute(&w.app.db)
        .await
        .expect("update");
    assert_eq!(status_of_share(&consumer, &image).await, "pending");
    (consumer, image)
}
