//! The policy as a table: each case is a consumer account with its policy, a share of an image
//! with known content from a trusted or untrusted producer, and what must follow: accepted by
//! itself or left pending with its reason, listed as blocked or not, the consumer's own
//! acceptance allowed or refused, and a boot allowed or refused with the findings.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Content, Disks, World, reported_image, set_policy, status_of_share, world};
use crate::app::{Engine, on_both_engines};

/// One case.
struct Case {
    name: &'static str,
    policy: Value,
    /// The producer is the trusted build account (else the untrusted vendor).
    trusted: bool,
    content: Content,
    /// What the share is once offered: `accepted` (by the policy) or `pending`.
    offered: &'static str,
    /// What `/blocked` lists for it (`None`: not listed), and a word its findings must hold.
    blocked: Option<(&'static [&'static str], &'static str)>,
    /// The answer to the consumer's own acceptance (pending shares only).
    accept: StatusCode,
    /// The answer to a boot once the share is accepted (or still pending when refused).
    boot: StatusCode,
}

fn cases(key_a: &str) -> Vec<Case> {
    let enforce = json!({"mode": "enforce", "trusted_producers": ["2001"]});
    let audit = json!({"mode": "audit", "trusted_producers": ["2001"]});
    let with = |base: &Value, extra: Value| {
        let mut b = base.clone();
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let ok = StatusCode::OK;
    let booted = StatusCode::ACCEPTED;
    let refused = StatusCode::FORBIDDEN;
    let no_boot = StatusCode::BAD_REQUEST;
    vec![
        Case {
            name: "trusted producer, clean image, audit: accepted by itself",
            policy: audit.clone(),
            trusted: true,
            content: Content::Clean,
            offered: "accepted",
            blocked: None,
            accept: ok,
            boot: booted,
        },
        Case {
            name: "trusted producer, clean image, enforce: accepted by itself, boots",
            policy: enforce.clone(),
            trusted: true,
            content: Content::Clean,
            offered: "accepted",
            blocked: None,
            accept: ok,
            boot: booted,
        },
        Case {
            name: "trusted producer, unknown key, enforce: pending with the reason",
            policy: enforce.clone(),
            trusted: true,
            content: Content::KeyA,
            offered: "pending",
            blocked: Some((&["accept", "boot"], "1 preinstalled SSH key (root)")),
            accept: refused,
            boot: no_boot,
        },
        Case {
            name: "the key on the allow-list passes: accepted by itself",
            policy: with(&enforce, json!({"allowed_ssh_keys": [key_a]})),
            trusted: true,
            content: Content::KeyA,
            offered: "accepted",
            blocked: None,
            accept: ok,
            boot: booted,
        },
        Case {
            name: "a key beside the allowed one: pending, refused",
            policy: with(&enforce, json!({"allowed_ssh_keys": [key_a]})),
            trusted: true,
            content: Content::KeysAB,
            offered: "pending",
            blocked: Some((
                &["accept", "boot"],
                "1 preinstalled SSH key not in the allow-list (deploy)",
            )),
            accept: refused,
            boot: no_boot,
        },
        Case {
            name: "untrusted producer, clean image: pending, a person accepts",
            policy: enforce.clone(),
            trusted: false,
            content: Content::Clean,
            offered: "pending",
            blocked: None,
            accept: ok,
            boot: booted,
        },
        Case {
            name: "password login in audit: pending, listed, nothing blocked",
            policy: audit.clone(),
            trusted: true,
            content: Content::PasswordUser,
            offered: "pending",
            blocked: Some((&["accept", "boot"], "can log in with a password (deploy)")),
            accept: ok,
            boot: booted,
        },
        Case {
            name: "extra uid 0 in enforce: refused",
            policy: enforce.clone(),
            trusted: true,
            content: Content::ExtraUid0,
            offered: "pending",
            blocked: Some((&["accept", "boot"], "extra uid 0 account (toor)")),
            accept: refused,
            boot: no_boot,
        },
        Case {
            name: "passwordless sudo is flagged by default: pending, a person may accept",
            policy: enforce.clone(),
            trusted: true,
            content: Content::Sudo,
            offered: "pending",
            blocked: None,
            accept: ok,
            boot: booted,
        },
        Case {
            name: "passwordless sudo refused by the rule: refused",
            policy: with(&enforce, json!({"rules": {"nopasswd_sudo": "refuse"}})),
            trusted: true,
            content: Content::Sudo,
            offered: "pending",
            blocked: Some((
                &["accept", "boot"],
                "sudo rules without password (/etc/sudoers)",
            )),
            accept: refused,
            boot: no_boot,
        },
        Case {
            name: "mode off: no automatic acceptance, nothing refused",
            policy: json!({"mode": "off", "trusted_producers": ["2001"]}),
            trusted: true,
            content: Content::KeyA,
            offered: "pending",
            blocked: Some((&["accept", "boot"], "preinstalled SSH key")),
            accept: ok,
            boot: booted,
        },
        Case {
            name: "an image that could not be inspected, flagged by default: pending",
            policy: enforce.clone(),
            trusted: true,
            content: Content::Unreadable,
            offered: "pending",
            blocked: None,
            accept: ok,
            boot: booted,
        },
        Case {
            name: "an image that could not be inspected, refused by the rule",
            policy: with(&enforce, json!({"rules": {"not_inspected": "refuse"}})),
            trusted: true,
            content: Content::Unreadable,
            offered: "pending",
            blocked: Some((&["accept", "boot"], "not inspected")),
            accept: refused,
            boot: no_boot,
        },
        Case {
            name: "rules set to allow let a trusted producer's keys through",
            policy: with(
                &enforce,
                json!({"rules": {"ssh_keys": "allow", "password_login": "allow"}}),
            ),
            trusted: true,
            content: Content::KeysAB,
            offered: "accepted",
            blocked: None,
            accept: ok,
            boot: booted,
        },
    ]
}

async fn run_cases(w: World, disks: Disks) {
    let table = cases(&disks.key_a.fingerprint);
    assert!(table.len() >= 12);
    for (i, case) in table.iter().enumerate() {
        let name = case.name;
        let consumer = w.consumer(&format!("case{i}"), &format!("30{i:02}")).await;
        set_policy(&consumer, case.policy.clone()).await;
        let producer = if case.trusted { &w.build } else { &w.vendor };
        let image = reported_image(producer, &disks, case.content).await;
        let offered = producer.share(&image, &consumer).await;
        assert_eq!(
            offered["status"], "pending",
            "{name}: the add answers as the reference"
        );
        assert_eq!(
            status_of_share(&consumer, &image).await,
            case.offered,
            "{name}"
        );

        let blocked = consumer
            .get(&format!("{}/blocked", super::POLICY))
            .await
            .expect(StatusCode::OK);
        let listed: Vec<&Value> = blocked["images"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["image_id"] == image.id.as_str())
            .collect();
        match case.blocked {
            None => assert!(listed.is_empty(), "{name}: {blocked}"),
            Some((blocks, finding)) => {
                assert_eq!(listed.len(), 1, "{name}: {blocked}");
                assert_eq!(listed[0]["blocks"], json!(blocks), "{name}");
                assert!(
                    listed[0]["findings"].to_string().contains(finding),
                    "{name}: {}",
                    listed[0]
                );
            }
        }

        if case.offered == "pending" {
            let r = consumer.answer(&image, "accepted").await;
            assert_eq!(r.status, case.accept, "{name}: {}", r.body);
            if r.status == StatusCode::FORBIDDEN {
                let message = r.body["message"].as_str().unwrap_or_default();
                assert!(
                    message.contains("sharing policy refuses"),
                    "{name}: {message}"
                );
                assert!(
                    message.contains(case.blocked.unwrap().1),
                    "{name}: {message}"
                );
                assert_eq!(
                    status_of_share(&consumer, &image).await,
                    "pending",
                    "{name}"
                );
            }
        }
        let r = consumer.boot(&image.id, "1").await;
        assert_eq!(r.status, case.boot, "{name}: {}", r.body);
        if r.status == StatusCode::BAD_REQUEST {
            let message = r.text("/badRequest/message").to_owned();
            assert!(message.contains("sharing policy"), "{name}: {message}");
            assert!(
                message.contains(case.blocked.unwrap().1),
                "{name}: the findings are listed: {message}"
            );
        }
    }
}

on_both_engines!(the_policy_table_holds);

async fn the_policy_table_holds(engine: Engine) {
    let Some(disks) = Disks::build("sharing policy cases") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    run_cases(w, disks).await;
}
