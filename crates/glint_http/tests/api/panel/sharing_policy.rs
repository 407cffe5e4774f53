//! The Sharing policy page and the policy in the panel's share dialogs, on SQLite and
//! PostgreSQL: a manager sees the forms and a reader the policy read-only; a manager saves a
//! policy and removes a trusted producer; a bad fingerprint comes back with the service's
//! message and the values as typed; a reader's save is refused; the page lists what the policy
//! blocks with the findings; the accept dialog shows the verdict, offers a manager the override
//! (and a member the note), and the override accepts; Image Detail says when the policy accepted
//! a share by itself; Create Server does not offer a refused image; another account sees
//! nothing of the policy; the forms need the CSRF token.

use axum::http::StatusCode;
use glint_core::Role;
use serde_json::{Value, json};

use super::browser::Browser;
use crate::app::{Engine, on_both_engines};
use crate::sharing_policy::{
    Content, Disks, POLICY, reported_image, set_policy, share_becomes, status_of_share, world,
};

on_both_engines!(
    a_manager_sees_the_forms_and_a_reader_the_policy_read_only,
    a_manager_saves_a_policy_and_removes_a_trusted_producer,
    a_refused_form_keeps_its_values_and_a_reader_cannot_save,
    the_page_lists_what_the_policy_blocks_with_the_findings,
    the_accept_dialog_shows_the_verdict_and_a_manager_overrides,
    image_detail_says_the_policy_accepted_a_trusted_clean_share,
    create_server_does_not_offer_an_image_the_enforced_policy_refuses,
    another_account_sees_nothing_of_the_policy,
);

const PAGE: &str = "/sharing-policy";
const KEY: &str = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

async fn policy_of(actor: &crate::spec::Actor) -> Value {
    actor.get(POLICY).await.expect(StatusCode::OK)
}

async fn a_manager_sees_the_forms_and_a_reader_the_policy_read_only(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    let reader = w.app.actor("acme-reader", "acme", Role::Reader).await;
    let mut browser = Browser::of(&w.app, &manager).await;
    let page = browser.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    for words in [
        "<h1>Sharing policy</h1>",
        "Preinstalled SSH keys",
        "Users who can log in with a password",
        "Extra accounts with uid 0",
        "sudo without a password",
        "Parts that could not be inspected",
        "data-testid=\"save-policy\"",
        "No trusted producers",
        "What enforce would block",
        "href=\"/sharing-policy\" class=\"current\"",
    ] {
        assert!(page.body.contains(words), "{words}: {}", page.body);
    }
    assert!(
        page.body
            .contains("value=\"off\" checked data-testid=\"mode-off\""),
        "an account without a policy is off"
    );
    assert!(!page.body.contains("policy-read-only"));

    let mut browser = Browser::of(&w.app, &reader).await;
    let page = browser.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"policy-read-only\""));
    assert!(
        page.body
            .contains("<fieldset class=\"plain-fieldset\" disabled>")
    );
    assert!(!page.body.contains("save-policy") && !page.body.contains("add-producer"));
}

async fn a_manager_saves_a_policy_and_removes_a_trusted_producer(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    let mut browser = Browser::of(&w.app, &manager).await;
    let fields = [
        ("mode", "enforce"),
        ("add_producer", "2001, 2002"),
        ("rule_ssh_keys", "flag"),
        ("rule_not_inspected", "refuse"),
        ("allowed_ssh_keys", KEY),
    ];
    let saved = browser.post(PAGE, &fields, true).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), PAGE);
    let page = browser.get(PAGE).await;
    assert!(
        page.body
            .contains("The sharing policy was saved: Enforce, with 2 trusted producers."),
        "{}",
        page.body
    );
    assert_eq!(
        page.body
            .matches("data-testid=\"trusted-producer\"")
            .count(),
        2
    );
    assert!(page.body.contains("What this policy blocks"));
    assert!(page.body.contains("Last changed on") && page.body.contains("by acme-mgr"));
    let policy = policy_of(&manager).await;
    assert_eq!(policy["mode"], "enforce");
    assert_eq!(policy["trusted_producers"], json!(["2001", "2002"]));
    assert_eq!(policy["rules"]["ssh_keys"], "flag");
    assert_eq!(policy["rules"]["not_inspected"], "refuse");
    assert_eq!(policy["rules"]["extra_uid0"], "refuse", "defaults kept");
    assert_eq!(policy["allowed_ssh_keys"], json!([KEY]));

    // Remove beside 2002 saves the form without it.
    let fields = [
        ("mode", "enforce"),
        ("trusted", "2001"),
        ("trusted", "2002"),
        ("remove_producer", "2002"),
        ("rule_ssh_keys", "flag"),
        ("allowed_ssh_keys", KEY),
    ];
    browser.post(PAGE, &fields, true).await;
    let page = browser.get(PAGE).await;
    assert!(
        page.body
            .contains("Account 2002 is no longer a trusted producer. The policy (Enforce) now has 1 trusted producer."),
        "{}",
        page.body
    );
    assert_eq!(
        policy_of(&manager).await["trusted_producers"],
        json!(["2001"])
    );

    browser.post("/sharing-policy/delete", &[], true).await;
    let page = browser.get(PAGE).await;
    assert!(
        page.body.contains("The sharing policy was removed"),
        "{}",
        page.body
    );
    assert_eq!(policy_of(&manager).await["updated_at"], Value::Null);
}

async fn a_refused_form_keeps_its_values_and_a_reader_cannot_save(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    let reader = w.app.actor("acme-reader", "acme", Role::Reader).await;
    let mut browser = Browser::of(&w.app, &manager).await;
    let fields = [
        ("mode", "audit"),
        ("add_producer", "2003"),
        ("rule_nopasswd_sudo", "refuse"),
        ("allowed_ssh_keys", "SHA256:short"),
    ];
    let refused = browser.post(PAGE, &fields, true).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    for kept in [
        "is not an SSH key fingerprint",
        "data-testid=\"flash\"",
        ">SHA256:short</textarea>",
        "value=\"2003\"",
        "value=\"audit\" checked",
        "<option value=\"refuse\" selected>Refuse</option>",
    ] {
        assert!(refused.body.contains(kept), "{kept}: {}", refused.body);
    }
    let bad_account = [("mode", "audit"), ("add_producer", "no/pe")];
    let refused = browser.post(PAGE, &bad_account, true).await;
    assert!(
        refused.body.contains("is not an account number"),
        "{}",
        refused.body
    );
    assert_eq!(policy_of(&manager).await["mode"], "off", "nothing saved");

    let mut browser = Browser::of(&w.app, &reader).await;
    let refused = browser.post(PAGE, &[("mode", "enforce")], true).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("manager"),
        "names the role: {}",
        refused.body
    );
    let refused = browser.post("/sharing-policy/delete", &[], true).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    assert_eq!(policy_of(&manager).await["mode"], "off");

    let mut browser = Browser::of(&w.app, &manager).await;
    let forged = browser.post(PAGE, &[("mode", "enforce")], false).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(policy_of(&manager).await["mode"], "off");
}

async fn the_page_lists_what_the_policy_blocks_with_the_findings(engine: Engine) {
    let Some(disks) = Disks::build("panel sharing policy: blocked list") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    set_policy(
        &manager,
        json!({"mode": "audit", "trusted_producers": ["2001"]}),
    )
    .await;
    let image = reported_image(&w.build, &disks, Content::KeyA).await;
    w.build.share(&image, &manager).await;
    let mut browser = Browser::of(&w.app, &manager).await;
    let page = browser.get(PAGE).await;
    assert!(
        page.body.contains("What enforce would block"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("data-testid=\"blocked-row\"").count(), 1);
    for words in [
        "1 preinstalled SSH key (root)",
        ">Refused<",
        "Preinstalled SSH keys:",
        "Pending Acceptance",
        ">2001<",
        "Would block accepting and booting",
        &format!("/images?region=DFW#pending-{}", image.id),
    ] {
        assert!(page.body.contains(words), "{words}: {}", page.body);
    }
    set_policy(
        &manager,
        json!({"mode": "enforce", "trusted_producers": ["2001"]}),
    )
    .await;
    let page = browser.get(PAGE).await;
    assert!(page.body.contains("What this policy blocks"));
    assert!(page.body.contains("Accepting and booting"));
}

async fn the_accept_dialog_shows_the_verdict_and_a_manager_overrides(engine: Engine) {
    let Some(disks) = Disks::build("panel sharing policy: override") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    let member = w.app.actor("acme-dev", "acme", Role::Member).await;
    set_policy(
        &manager,
        json!({"mode": "enforce", "rules": {"nopasswd_sudo": "flag"}}),
    )
    .await;
    let refused = reported_image(&w.vendor, &disks, Content::KeyA).await;
    let flagged = reported_image(&w.vendor, &disks, Content::Sudo).await;
    let clean = reported_image(&w.vendor, &disks, Content::Clean).await;
    for image in [&refused, &flagged, &clean] {
        w.vendor.share(image, &manager).await;
    }
    let mut browser = Browser::of(&w.app, &manager).await;
    let page = browser.get("/images?region=DFW").await;
    assert_eq!(
        page.body.matches("data-testid=\"policy-verdict\"").count(),
        3
    );
    assert_eq!(
        page.body.matches("data-testid=\"policy-passes\"").count(),
        1,
        "the clean one"
    );
    assert!(page.body.contains(">Flagged<") && page.body.contains("1 file of sudo rules"));
    assert!(page.body.contains(">Refused<") && page.body.contains("1 preinstalled SSH key (root)"));
    let override_url = format!("/shares/DFW/{}/override", refused.id);
    assert!(page.body.contains(&override_url) && page.body.contains("Accept anyway (override)"));
    assert!(
        page.body
            .contains(&format!("form=\"override-{}\"", refused.id))
    );
    assert!(
        !page
            .body
            .contains(&format!("/shares/DFW/{}/accept\"", refused.id)),
        "no plain Accept for the refused image"
    );
    assert!(
        page.body
            .contains(&format!("/shares/DFW/{}/accept\"", flagged.id))
    );

    let mut dev = Browser::of(&w.app, &member).await;
    let page = dev.get("/images?region=DFW").await;
    assert!(
        page.body.contains("data-testid=\"needs-override\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&override_url));

    let reason = [
        ("reason", "our vendor's support key"),
        ("next", "/images?region=DFW"),
    ];
    let done = browser.post(&override_url, &reason, true).await;
    assert_eq!(done.location(), "/images?region=DFW");
    assert_eq!(status_of_share(&manager, &refused).await, "accepted");
    let page = browser.get("/images?region=DFW").await;
    assert!(
        page.body.contains("against your sharing policy"),
        "{}",
        page.body
    );
    let detail = browser.get(&format!("/images/DFW/{}", refused.id)).await;
    assert!(
        detail.body.contains("data-testid=\"policy-override\""),
        "{}",
        detail.body
    );
    let inbox = browser.get("/notifications").await;
    assert!(
        inbox
            .body
            .contains("against its sharing policy: our vendor&#39;s support key")
            || inbox
                .body
                .contains("against its sharing policy: our vendor&#x27;s support key"),
        "{}",
        inbox.body
    );
}

async fn image_detail_says_the_policy_accepted_a_trusted_clean_share(engine: Engine) {
    let Some(disks) = Disks::build("panel sharing policy: accepted by itself") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    set_policy(
        &manager,
        json!({"mode": "enforce", "trusted_producers": ["2001"]}),
    )
    .await;
    let image = reported_image(&w.build, &disks, Content::Clean).await;
    w.build.share(&image, &manager).await;
    share_becomes(&manager, &image, "accepted").await;
    let mut browser = Browser::of(&w.app, &manager).await;
    let page = browser.get("/images?region=DFW").await;
    assert!(
        !page.body.contains("pending-notification"),
        "nothing to click"
    );
    let detail = browser.get(&format!("/images/DFW/{}", image.id)).await;
    assert!(
        detail.body.contains("data-testid=\"accepted-by-policy\""),
        "{}",
        detail.body
    );
    assert!(detail.body.contains("Passes your sharing policy."));
    let inbox = browser.get("/notifications").await;
    assert!(
        inbox
            .body
            .contains("Your account&#39;s sharing policy accepted")
            || inbox
                .body
                .contains("Your account&#x27;s sharing policy accepted"),
        "{}",
        inbox.body
    );
}

async fn create_server_does_not_offer_an_image_the_enforced_policy_refuses(engine: Engine) {
    let Some(disks) = Disks::build("panel sharing policy: create server") else {
        return;
    };
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    set_policy(&manager, json!({"mode": "audit"})).await;
    let image = reported_image(&w.vendor, &disks, Content::KeyA).await;
    w.vendor.share(&image, &manager).await;
    manager.accept(&image).await;
    set_policy(&manager, json!({"mode": "enforce"})).await;
    let mut browser = Browser::of(&w.app, &manager).await;
    let page = browser.get("/servers/new?region=DFW").await;
    assert!(
        page.body
            .contains(&format!("value=\"{}\" required disabled", image.id)),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Refused by your sharing policy: 1 preinstalled SSH key (root)")
    );
    let fields = [
        ("name", "vm"),
        ("region", "DFW"),
        ("image", image.id.as_str()),
        ("flavor", "1"),
    ];
    let refused = browser.post("/servers", &fields, true).await;
    assert_eq!(refused.location(), "/servers/new?region=DFW");
    let page = browser.get("/servers/new?region=DFW").await;
    assert!(
        page.body.contains("is refused by this account"),
        "{}",
        page.body
    );
}

async fn another_account_sees_nothing_of_the_policy(engine: Engine) {
    let Some(w) = world(engine).await else { return };
    let manager = w.consumer("acme", "3100").await;
    let stranger = w.consumer("other", "3200").await;
    set_policy(
        &manager,
        json!({"mode": "enforce", "trusted_producers": ["2001"], "allowed_ssh_keys": [KEY]}),
    )
    .await;
    let mut browser = Browser::of(&w.app, &stranger).await;
    let page = browser.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"off\" checked"));
    assert!(!page.body.contains("trusted-producer") && !page.body.contains(KEY));
    assert!(!page.body.contains("Last changed on"));
    assert_eq!(policy_of(&stranger).await["mode"], "off");
}
