//! Reports of suspicious images: what a consumer may say when it reports an image (a reason
//! from a short list and a comment), the states a report goes through (`open`, then
//! `dismissed` or `quarantined` by the cloud's operators), and the operator's note that goes
//! with a decision. Who may report, and who learns what, is `glint_app`'s; the store keeps
//! reports.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::image::ImageId;
use crate::{Error, RegionName, Result, Timestamp};

/// The longest comment a report takes, in characters.
pub const MAX_COMMENT: usize = 1000;
/// The longest operator's note, in characters.
pub const MAX_NOTE: usize = 1000;

/// Why an image is reported. The wire names are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportReason {
    /// The image carries malware.
    Malware,
    /// The image has preinstalled keys or passwords.
    Credentials,
    /// The image is not what its name or description says.
    Misleading,
    /// The image holds software its producer may not distribute.
    Copyright,
    /// Anything else (the comment says what).
    Other,
}

impl ReportReason {
    /// Every reason, in the order forms list them.
    pub const ALL: [ReportReason; 5] = [
        ReportReason::Malware,
        ReportReason::Credentials,
        ReportReason::Misleading,
        ReportReason::Copyright,
        ReportReason::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Malware => "malware",
            ReportReason::Credentials => "credentials",
            ReportReason::Misleading => "misleading",
            ReportReason::Copyright => "copyright",
            ReportReason::Other => "other",
        }
    }

    /// How a person reads the reason.
    pub fn label(self) -> &'static str {
        match self {
            ReportReason::Malware => "Malware",
            ReportReason::Credentials => "Preinstalled keys or passwords",
            ReportReason::Misleading => "Not what its name says",
            ReportReason::Copyright => "Copyright",
            ReportReason::Other => "Other",
        }
    }
}

impl fmt::Display for ReportReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportReason {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        ReportReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ReportReason::ALL.iter().map(|r| r.as_str()).collect();
                Error::InvalidInput(format!(
                    "Invalid 'reason' '{s}': expected one of {}.",
                    names.join(", ")
                ))
            })
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportStatus {
    /// Waiting for the operators.
    Open,
    /// An operator found nothing to do.
    Dismissed,
    /// An operator quarantined the image.
    Quarantined,
}

impl ReportStatus {
    /// Every status.
    pub const ALL: [ReportStatus; 3] = [
        ReportStatus::Open,
        ReportStatus::Dismissed,
        ReportStatus::Quarantined,
    ];

    /// The wire (and stored) name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Open => "open",
            ReportStatus::Dismissed => "dismissed",
            ReportStatus::Quarantined => "quarantined",
        }
    }

    /// Reads a `status` filter: a status, or `all` (`None`).
    pub fn parse_filter(value: &str) -> Result<Option<ReportStatus>> {
        if value == "all" {
            return Ok(None);
        }
        value.parse().map(Some)
    }
}

/// Reads a report list's query string: only `status` (a status or `all`); without it,
/// `default`. Anything else is `InvalidInput`.
pub fn status_filter(
    raw_query: Option<&str>,
    default: Option<ReportStatus>,
) -> Result<Option<ReportStatus>> {
    let mut status = default;
    let pairs = raw_query
        .map(crate::image::query::decode_pairs)
        .unwrap_or_default();
    for (key, value) in pairs {
        match key.as_str() {
            "status" => status = ReportStatus::parse_filter(&value)?,
            other => {
                return Err(Error::InvalidInput(format!(
                    "Unknown parameter '{other}': a list of reports takes status."
                )));
            }
        }
    }
    Ok(status)
}

impl fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        ReportStatus::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "Invalid 'status' '{s}': expected open, dismissed, quarantined or all."
                ))
            })
    }
}

crate::names::uuid_id!(
    /// A report's id: a UUID in its 36-character hyphenated form, lowercase.
    ReportId,
    crate::error::Kind::Report
);

/// What a consumer says when it reports an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub reason: ReportReason,
    /// Trimmed; may be empty.
    pub comment: String,
}

impl NewReport {
    /// A report of `reason` with `comment`, checked as a request's would be.
    pub fn new(reason: &str, comment: &str) -> Result<Self> {
        Ok(NewReport {
            reason: reason.trim().parse()?,
            comment: bounded_text(comment, "comment", MAX_COMMENT)?,
        })
    }

    /// Reads `{"reason", "comment"}` (`comment` optional).
    pub fn from_json(body: &Value) -> Result<Self> {
        let object = object(
            body,
            &["reason", "comment"],
            "a report takes reason and comment",
        )?;
        let reason = match object.get("reason") {
            Some(Value::String(text)) => text.as_str(),
            Some(_) => return Err(Error::InvalidInput("'reason' must be a string.".into())),
            None => {
                return Err(Error::InvalidInput(
                    "A report needs a 'reason': malware, credentials, misleading, copyright or other."
                        .into(),
                ));
            }
        };
        let comment = match object.get("comment") {
            Some(Value::String(text)) => text.as_str(),
            Some(Value::Null) | None => "",
            Some(_) => return Err(Error::InvalidInput("'comment' must be a string.".into())),
        };
        NewReport::new(reason, comment)
    }
}

/// Reads an operator's `{"note"}` (optional, at most 1000 characters).
pub fn note_from_json(body: &Value) -> Result<String> {
    if body.is_null() {
        return Ok(String::new());
    }
    let object = object(body, &["note"], "this call takes a note")?;
    match object.get("note") {
        Some(Value::String(text)) => operator_note(text),
        Some(Value::Null) | None => Ok(String::new()),
        Some(_) => Err(Error::InvalidInput("'note' must be a string.".into())),
    }
}

/// An operator's note: trimmed, at most 1000 characters, no NUL.
pub fn operator_note(text: &str) -> Result<String> {
    bounded_text(text, "note", MAX_NOTE)
}

fn bounded_text(text: &str, field: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(Error::InvalidInput(format!(
            "'{field}' is too long: at most {max} characters."
        )));
    }
    if text.contains('\0') {
        return Err(Error::InvalidInput(format!(
            "'{field}' may not contain the NUL character."
        )));
    }
    Ok(text.to_owned())
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

/// The account and user who made a report: never shown to the image's producer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    pub account: String,
    pub user_id: String,
    pub user_name: String,
}

/// An operator's decision on a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub at: Timestamp,
    /// The operator's user name.
    pub by: String,
    pub note: String,
}

/// A report, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReport {
    pub id: ReportId,
    pub image_id: ImageId,
    pub region: RegionName,
    /// The image's name when it was reported.
    pub image_name: Option<String>,
    pub reporter: Reporter,
    pub reason: ReportReason,
    pub comment: String,
    pub status: ReportStatus,
    pub created_at: Timestamp,
    /// Set once an operator dismissed the report or quarantined the image.
    pub resolution: Option<Resolution>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_report_takes_a_reason_from_the_list_and_a_bounded_comment() {
        let report = NewReport::from_json(&json!({"reason": "malware", "comment": " x "})).unwrap();
        assert_eq!(report.reason, ReportReason::Malware);
        assert_eq!(report.comment, "x");
        assert!(NewReport::from_json(&json!({"reason": "credentials"})).is_ok());
        let refused = NewReport::from_json(&json!({"reason": "ugly"}));
        assert!(matches!(refused, Err(Error::InvalidInput(m)) if m.contains("'reason'")));
        let long = "é".repeat(MAX_COMMENT + 1);
        let refused = NewReport::from_json(&json!({"reason": "other", "comment": long}));
        assert!(matches!(refused, Err(Error::InvalidInput(m)) if m.contains("'comment'")));
        assert!(NewReport::new("other", &"é".repeat(MAX_COMMENT)).is_ok());
        assert!(NewReport::from_json(&json!({"comment": "x"})).is_err());
        assert!(NewReport::from_json(&json!({"reason": "other", "who": "me"})).is_err());
        assert!(NewReport::from_json(&json!({"reason": 1})).is_err());
    }

    #[test]
    fn every_reason_and_status_reads_back_from_its_wire_name() {
        for reason in ReportReason::ALL {
            assert_eq!(reason.as_str().parse::<ReportReason>().ok(), Some(reason));
        }
        for status in ReportStatus::ALL {
            assert_eq!(
                ReportStatus::parse_filter(status.as_str()).ok(),
                Some(Some(status))
            );
        }
        assert_eq!(ReportStatus::parse_filter("all").ok(), Some(None));
        assert!(ReportStatus::parse_filter("closed").is_err());
        let open = Some(ReportStatus::Open);
        assert_eq!(status_filter(None, open).ok(), Some(open));
        assert_eq!(status_filter(Some("status=all"), open).ok(), Some(None));
        assert!(status_filter(Some("limit=3"), open).is_err());
    }

    #[test]
    fn a_note_is_optional_and_bounded() {
        assert_eq!(note_from_json(&json!({})).unwrap(), "");
        assert_eq!(note_from_json(&json!({"note": " bad "})).unwrap(), "bad");
        assert!(note_from_json(&json!({"note": "x".repeat(MAX_NOTE + 1)})).is_err());
        assert!(note_from_json(&json!({"other": 1})).is_err());
    }
}
