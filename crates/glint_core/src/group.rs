//! Groups of accounts: named lists of account numbers that an account keeps so that it can
//! share an image with all of them at once (and with accounts added to the list later). What a
//! group's name and account numbers may be, how many groups and accounts there may be, and what
//! a create or change request may say. The store keeps groups; the sharing rules are
//! `glint_app`'s.

use serde_json::{Map, Value};

use crate::image::ImageId;
use crate::{AccountId, Error, Result, Timestamp};

/// Most groups one account may keep.
pub const MAX_GROUPS_PER_ACCOUNT: u32 = 100;
/// Most accounts one group may hold.
pub const MAX_ACCOUNTS_PER_GROUP: usize = 1000;
/// The longest group name, in characters (after trimming).
pub const MAX_NAME: usize = 64;
/// The longest account number taken.
pub const MAX_ACCOUNT_NUMBER: usize = 64;

crate::names::uuid_id!(
    /// A group's id: a UUID in its 36-character hyphenated form, lowercase.
    GroupId,
    crate::error::Kind::Group
);

/// A group as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountGroup {
    pub id: GroupId,
    pub owner: AccountId,
    pub name: String,
    pub created_at: Timestamp,
    /// Its account numbers, in the order they were added (those added together by number).
    pub accounts: Vec<String>,
}

/// An image's share with a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupShare {
    pub image_id: ImageId,
    pub group_id: GroupId,
    pub group_name: String,
    pub created_at: Timestamp,
    /// The accounts this call offered the image to (sharing), or took it back from
    /// (unsharing); in order.
    pub accounts: Vec<String>,
}

/// A group's name: trimmed, 1 to 64 characters, no control characters.
pub fn group_name(text: &str) -> Result<String> {
    let name = text.trim();
    if name.is_empty() {
        return Err(Error::InvalidInput(
            "A group's 'name' may not be empty.".into(),
        ));
    }
    if name.chars().count() > MAX_NAME {
        return Err(Error::InvalidInput(format!(
            "A group's 'name' is at most {MAX_NAME} characters."
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::InvalidInput(
            "A group's 'name' may not hold control characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

/// An account number as a group holds it: 1 to 64 letters, digits, `-` or `_` (an account
/// number, or a project id from another cloud's Keystone).
pub fn account_number(text: &str) -> Result<String> {
    let ok = !text.is_empty()
        && text.len() <= MAX_ACCOUNT_NUMBER
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(text.to_owned())
    } else {
        Err(Error::InvalidInput(format!(
            "'{}' is not an account number: 1 to {MAX_ACCOUNT_NUMBER} letters, digits, '-' or '_'.",
            text.escape_debug()
        )))
    }
}

/// A list of account numbers, each checked, duplicates dropped, in the order given; at most
/// `MAX_ACCOUNTS_PER_GROUP`.
pub fn account_numbers(values: &[Value]) -> Result<Vec<String>> {
    if values.len() > MAX_ACCOUNTS_PER_GROUP {
        return Err(too_many_accounts());
    }
    let mut accounts: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let Value::String(text) = value else {
            return Err(Error::InvalidInput(
                "'accounts' must be a list of account numbers (strings).".into(),
            ));
        };
        let account = account_number(text)?;
        if !accounts.contains(&account) {
            accounts.push(account);
        }
    }
    Ok(accounts)
}

/// The refusal of an account beyond `MAX_ACCOUNTS_PER_GROUP`.
pub fn too_many_accounts() -> Error {
    Error::InvalidInput(format!(
        "A group holds at most {MAX_ACCOUNTS_PER_GROUP} accounts."
    ))
}

/// The refusal of a group beyond `MAX_GROUPS_PER_ACCOUNT`.
pub fn too_many_groups(count: u64) -> Error {
    Error::InvalidInput(format!(
        "This account has {count} groups, the most it may have ({MAX_GROUPS_PER_ACCOUNT}); \
         delete one first."
    ))
}

fn object<'a>(body: &'a Value, allowed: &[&str], what: &str) -> Result<&'a Map<String, Value>> {
    let object = body.as_object().ok_or_else(|| {
        Error::InvalidInput(format!(
            "Expected a JSON object in the request body ({what})."
        ))
    })?;
    if let Some(other) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::InvalidInput(format!(
            "Unknown field '{other}': {what}."
        )));
    }
    Ok(object)
}

fn name_field(object: &Map<String, Value>) -> Result<String> {
    match object.get("name") {
        Some(Value::String(text)) => group_name(text),
        Some(_) => Err(Error::InvalidInput("'name' must be a string.".into())),
        None => Err(Error::InvalidInput("A group needs a 'name'.".into())),
    }
}

/// What a request to create a group says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub name: String,
    pub accounts: Vec<String>,
}

impl NewGroup {
    /// Reads `{"name", "accounts"}` (`accounts` may be left out: an empty group).
    pub fn from_json(body: &Value) -> Result<Self> {
        let object = object(
            body,
            &["name", "accounts"],
            "a group takes name and accounts",
        )?;
        let name = name_field(object)?;
        let accounts = match object.get("accounts") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(values)) => account_numbers(values)?,
            Some(_) => {
                return Err(Error::InvalidInput(
                    "'accounts' must be a list of account numbers (strings).".into(),
                ));
            }
        };
        Ok(NewGroup { name, accounts })
    }
}

/// Reads a rename, `{"name"}` (the only field a group's change takes; accounts are added and
/// removed one by one).
pub fn rename_from_json(body: &Value) -> Result<String> {
    let object = object(
        body,
        &["name"],
        "a change of a group takes only its name (add and remove accounts one by one)",
    )?;
    name_field(object)
}

/// Reads the group of a group share, `{"group_id"}`.
pub fn group_share_from_json(body: &Value) -> Result<GroupId> {
    let object = object(body, &["group_id"], "a group share takes group_id")?;
    match object.get("group_id") {
        Some(Value::String(text)) => GroupId::parse(text),
        Some(_) => Err(Error::InvalidInput("'group_id' must be a string.".into())),
        None => Err(Error::InvalidInput(
            "A group share needs a 'group_id'.".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(group_name("  partners ").unwrap(), "partners");
        assert!(group_name("   ").is_err());
        assert!(group_name(&"x".repeat(65)).is_err());
        assert!(group_name(&"é".repeat(64)).is_ok());
        assert!(group_name("a\u{0}b").is_err());
    }

    #[test]
    fn account_lists_are_checked_and_deduplicated() {
        let accounts = account_numbers(&[json!("1001"), json!("1002"), json!("1001")]).unwrap();
        assert_eq!(accounts, ["1001", "1002"]);
        assert!(account_numbers(&[json!("10 01")]).is_err());
        assert!(account_numbers(&[json!(1001)]).is_err());
        assert!(account_numbers(&[json!("")]).is_err());
        let many: Vec<Value> = (0..=MAX_ACCOUNTS_PER_GROUP)
            .map(|n| json!(n.to_string()))
            .collect();
        assert!(account_numbers(&many).is_err());
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        assert!(NewGroup::from_json(&json!({"name": "a", "colour": "red"})).is_err());
        assert!(NewGroup::from_json(&json!({"accounts": []})).is_err());
        assert!(rename_from_json(&json!({"name": "b", "accounts": []})).is_err());
        let new = NewGroup::from_json(&json!({"name": " a "})).unwrap();
        assert_eq!((new.name.as_str(), new.accounts.len()), ("a", 0));
    }
}
