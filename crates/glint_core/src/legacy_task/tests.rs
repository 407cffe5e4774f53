//! The legacy task rules as specs: who may use the API, import bodies refused in Glance's
//! words, the sources allowed, and the task a create starts.

use serde_json::json;

use super::*;
use crate::{AccountId, AccountName, Role, UserId, Username};

fn ctx(role: Role) -> AuthContext {
    AuthContext {
        user_id: UserId::from_trusted("u1".into()),
        username: Username::from_trusted("carol".into()),
        account_id: AccountId::from_trusted("554433".into()),
        account_name: AccountName::from_trusted("acme".into()),
        role,
        regions: vec![],
        issued_at: Timestamp::from_micros(0),
        expires_at: Timestamp::from_micros(0),
        audit_id: String::new(),
    }
}

fn refusal(body: Value) -> String {
    match parse_create(&body) {
        Err(Error::InvalidInput(m)) => m,
        other => panic!("{body}: {other:?}"),
    }
}

fn import(input: Value) -> Value {
    json!({"type": "import", "input": input})
}

#[test]
fn only_the_cloud_admin_may_use_the_api() {
    assert!(require_access(&ctx(Role::Admin)).is_ok());
    for role in [Role::Manager, Role::Member, Role::Reader] {
        let refused = require_access(&ctx(role)).unwrap_err().to_string();
        assert_eq!(
            refused,
            "You are not authorized to complete tasks_api_access action."
        );
    }
}

#[test]
fn a_whole_import_body_is_taken_as_sent() {
    let input = json!({
        "import_from": "http://example.com/a.qcow2",
        "import_from_format": "qcow2",
        "image_properties": {"name": "a", "disk_format": "qcow2", "container_format": "bare"},
    });
    let parsed = parse_create(&import(input.clone())).unwrap();
    assert_eq!(parsed.import_from, "http://example.com/a.qcow2");
    assert_eq!(parsed.image_properties["name"], "a");
    assert_eq!(parsed.input, input);
}

#[test]
fn bodies_are_refused_in_glances_words_and_order() {
    assert_eq!(refusal(json!({"input": {}})), "Task 'type' is required");
    assert_eq!(
        refusal(json!({"type": "import"})),
        "Task 'input' is required"
    );
    let unknown = refusal(json!({"type": "convert", "input": {}}));
    assert_eq!(
        unknown,
        "Provided object does not match schema 'task': 'convert' is not one of ['import', \
         'api_image_import', 'location_import']"
    );
    assert!(refusal(json!({"type": "import", "input": 5})).contains("5 is not of type"));
    assert!(
        refusal(json!({"type": "import", "input": {}, "extra": 1}))
            .contains("Additional properties are not allowed ('extra' was unexpected)")
    );
    assert_eq!(
        refusal(json!({"type": "api_image_import", "input": {}})),
        "Provided type of task is unsupported: api_image_import"
    );
    assert_eq!(
        refusal(import(json!({"import_from": "http://x/"}))),
        "Input does not contain 'import_from_format' field"
    );
    assert_eq!(
        refusal(import(Value::Null)),
        "Input does not contain 'import_from' field"
    );
    let no_props = import(json!({"import_from": "http://x/", "import_from_format": "raw"}));
    assert_eq!(
        refusal(no_props),
        "Input does not contain 'image_properties' field"
    );
}

#[test]
fn sources_must_be_http_and_pass_the_filter() {
    let filter = ImportFilter::default();
    assert!(check_source("https://example.com/a.img", &filter).is_ok());
    let words = |uri: &str| check_source(uri, &filter).unwrap_err().to_string();
    assert!(words("file:///etc/passwd").starts_with("File based imports are not allowed"));
    assert!(words("ftp://example.com/a").starts_with("The given uri is not valid"));
    assert_eq!(words(""), "Invalid location: ");
    for refused in ["http://example.com:8080/a", "http://u:p@example.com/a"] {
        assert_eq!(
            words(refused),
            format!("URI for legacy import task does not pass filtering: {refused}")
        );
    }
}

#[test]
fn an_import_task_starts_pending_with_its_input() {
    let input = json!({"import_from": "http://x/"});
    let t = ImageTask::legacy_import(
        "t".into(),
        &ctx(Role::Admin),
        "img",
        "req",
        input.clone(),
        Timestamp::from_micros(0),
    );
    assert!(t.is_legacy_import());
    assert_eq!(
        (t.status, t.owner.as_str()),
        (TaskStatus::Pending, "554433")
    );
    assert_eq!(t.input, input);
}
