use serde_json::json;

use crate::sharing_policy::{
    ContentFacts, Inspection, PolicyMode, Rule, RuleAction, SharingPolicy, policy_from_body,
};

const KEY_A: &str = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const KEY_B: &str = "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

fn policy(body: serde_json::Value) -> SharingPolicy {
    policy_from_body(&body).expect("policy")
}

fn keys(list: &[(&str, &str)]) -> Inspection {
    Inspection::Report(ContentFacts {
        ssh_keys: list
            .iter()
            .map(|(u, k)| ((*u).to_owned(), (*k).to_owned()))
            .collect(),
        ..ContentFacts::default()
    })
}

#[test]
fn a_clean_report_from_a_trusted_producer_is_accepted_automatically() {
    let p = policy(json!({"mode": "audit", "trusted_producers": ["build"]}));
    let verdict = p.judge(&Inspection::Report(ContentFacts::default()));
    assert!(verdict.is_clean());
    assert!(p.accepts_automatically("build", &verdict));
    assert!(!p.accepts_automatically("stranger", &verdict));
    let off = SharingPolicy {
        mode: PolicyMode::Off,
        ..p
    };
    assert!(!off.accepts_automatically("build", &verdict));
}

#[test]
fn keys_outside_the_allow_list_are_refused_and_listed_keys_pass() {
    let p = policy(json!({"mode": "enforce", "allowed_ssh_keys": [KEY_A]}));
    assert!(p.judge(&keys(&[("root", KEY_A)])).is_clean());
    let verdict = p.judge(&keys(&[("root", KEY_A), ("deploy", KEY_B)]));
    assert!(verdict.refuses() && p.blocks(&verdict));
    assert_eq!(
        verdict.summary(),
        "1 preinstalled SSH key not in the allow-list (deploy)"
    );
}

#[test]
fn a_missing_report_waits_and_refuses_only_when_some_rule_refuses() {
    let p = policy(json!({"mode": "enforce", "trusted_producers": ["build"]}));
    let verdict = p.judge(&Inspection::Missing);
    assert!(!verdict.is_clean() && verdict.refuses());
    assert!(!p.accepts_automatically("build", &verdict));
    let lenient = policy(json!({"mode": "enforce", "rules": {
        "ssh_keys": "flag", "password_login": "flag", "extra_uid0": "allow",
        "nopasswd_sudo": "allow", "not_inspected": "allow"}}));
    let verdict = lenient.judge(&Inspection::Missing);
    assert!(verdict.findings.is_empty() && !verdict.is_clean());
}

#[test]
fn refusals_come_before_flags_and_allowed_rules_say_nothing() {
    let p = policy(json!({"rules": {"nopasswd_sudo": "flag", "password_login": "allow"}}));
    let verdict = p.judge(&Inspection::Report(ContentFacts {
        ssh_keys: vec![("root".into(), KEY_A.into())],
        password_users: vec!["deploy".into()],
        extra_uid0: vec![],
        nopasswd_sudo_files: vec!["/etc/sudoers".into(), "/etc/sudoers.d/ci".into()],
        not_inspected: vec![],
    }));
    let rules: Vec<(Rule, RuleAction)> = verdict
        .findings
        .iter()
        .map(|f| (f.rule, f.action))
        .collect();
    assert_eq!(
        rules,
        [
            (Rule::SshKeys, RuleAction::Refuse),
            (Rule::NopasswdSudo, RuleAction::Flag)
        ]
    );
    assert_eq!(
        verdict.findings[1].text,
        "2 files of sudo rules without password (/etc/sudoers, /etc/sudoers.d/ci)"
    );
    assert!(!p.blocks(&verdict), "off mode blocks nothing");
    assert!(p.would_block(&verdict));
}

#[test]
fn bad_requests_are_refused_with_the_field_named() {
    let cases = [
        (json!({"mode": "strict"}), "mode"),
        (json!({"colour": 1}), "Unknown field 'colour'"),
        (json!({"rules": {"ssh_keys": "block"}}), "rule ssh_keys"),
        (
            json!({"rules": {"telnet": "refuse"}}),
            "Unknown rule 'telnet'",
        ),
        (
            json!({"trusted_producers": ["no spaces"]}),
            "not an account number",
        ),
        (
            json!({"trusted_producers": "build"}),
            "'trusted_producers' must be a list",
        ),
        (
            json!({"allowed_ssh_keys": ["MD5:aa"]}),
            "not an SSH key fingerprint",
        ),
        (json!([]), "Expected a JSON object"),
    ];
    for (body, expected) in cases {
        let err = policy_from_body(&body)
            .expect_err(&body.to_string())
            .to_string();
        assert!(err.contains(expected), "{body}: {err}");
    }
    let many: Vec<String> = (0..101).map(|i| format!("p{i}")).collect();
    assert!(policy_from_body(&json!({"trusted_producers": many})).is_err());
}

#[test]
fn defaults_refuse_logins_and_flag_the_rest() {
    let p = policy(json!({"trusted_producers": ["a", "a", "b"]}));
    assert_eq!(p.mode, PolicyMode::Off);
    assert_eq!(p.trusted_producers, ["a", "b"]);
    assert_eq!(
        p.rules.to_json(),
        json!({"ssh_keys": "refuse", "password_login": "refuse", "extra_uid0": "refuse",
               "nopasswd_sudo": "flag", "not_inspected": "flag"})
    );
}
