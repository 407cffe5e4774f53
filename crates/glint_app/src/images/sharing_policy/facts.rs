//! From a stored trust report to the facts the policy's rules read, and the verdict of one
//! image under a policy.

use glint_core::sharing_policy::{ContentFacts, Inspection, SharingPolicy, Verdict};
use glint_core::{Error, Result};
use glint_inspect::TrustReport;

/// What the rules read from a report.
pub(crate) fn facts_of(report: &TrustReport) -> ContentFacts {
    let mut sudo_files: Vec<String> = Vec::new();
    for rule in &report.nopasswd_sudo {
        if !sudo_files.contains(&rule.file) {
            sudo_files.push(rule.file.clone());
        }
    }
    ContentFacts {
        ssh_keys: report
            .ssh_keys
            .iter()
            .map(|k| (k.user.clone(), k.fingerprint_sha256.clone()))
            .collect(),
        password_users: report
            .login_users
            .iter()
            .filter(|u| u.password_usable || u.empty_password)
            .map(|u| u.name.clone())
            .collect(),
        extra_uid0: report.extra_uid0.clone(),
        nopasswd_sudo_files: sudo_files,
        not_inspected: report.not_inspected.clone(),
    }
}

/// What is known of an image's content from its stored report (JSON), if written.
pub(crate) fn inspection_of(report: Option<&str>) -> Result<Inspection> {
    match report {
        None | Some("") => Ok(Inspection::Missing),
        Some(json) => {
            let report: TrustReport = serde_json::from_str(json)
                .map_err(|e| Error::Internal(format!("stored trust report: {e}")))?;
            Ok(Inspection::Report(facts_of(&report)))
        }
    }
}

/// The policy's verdict on an image whose stored report is `report`.
pub(crate) fn verdict_of(policy: &SharingPolicy, report: Option<&str>) -> Result<Verdict> {
    Ok(policy.judge(&inspection_of(report)?))
}
