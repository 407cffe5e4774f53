//! Turning a report's findings into short warnings, most important first.

use super::TrustReport;

/// The warnings for `report`, in this order: extra uid 0 accounts, empty passwords,
/// preinstalled SSH keys, password logins, password-less sudo, sshd settings, what was not
/// inspected.
pub(crate) fn warnings(report: &TrustReport) -> Vec<String> {
    let mut out = Vec::new();
    for name in &report.extra_uid0 {
        out.push(format!("uid 0 account {name}"));
    }
    for user in report.login_users.iter().filter(|u| u.empty_password) {
        out.push(format!("user {} has an empty password", user.name));
    }
    out.extend(ssh_keys(report));
    let password_users: Vec<&str> = report
        .login_users
        .iter()
        .filter(|u| u.password_usable)
        .map(|u| u.name.as_str())
        .collect();
    for name in &password_users {
        out.push(format!("user {name} can log in with a password"));
    }
    for file in sudo_files(report) {
        out.push(format!("sudo without password: {file}"));
    }
    out.extend(sshd(report, !password_users.is_empty()));
    out.extend(not_inspected(report));
    out
}

/// One line for all preinstalled SSH keys, naming their users once each.
fn ssh_keys(report: &TrustReport) -> Option<String> {
    if report.ssh_keys.is_empty() {
        return None;
    }
    let mut users: Vec<&str> = Vec::new();
    for key in &report.ssh_keys {
        if !users.contains(&key.user.as_str()) {
            users.push(&key.user);
        }
    }
    let n = report.ssh_keys.len();
    let plural = if n == 1 { "" } else { "s" };
    Some(format!(
        "{n} preinstalled SSH key{plural} ({})",
        users.join(", ")
    ))
}

/// The files with password-less sudo rules, each once, in the order found.
fn sudo_files(report: &TrustReport) -> Vec<&str> {
    let mut files: Vec<&str> = Vec::new();
    for rule in &report.nopasswd_sudo {
        if !files.contains(&rule.file.as_str()) {
            files.push(&rule.file);
        }
    }
    files
}

/// sshd's password and root logins; a password login left at its default counts only when
/// some user has a usable password.
fn sshd(report: &TrustReport, any_password_user: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(sshd) = &report.sshd {
        match sshd.password_authentication {
            Some(true) => out.push("sshd allows password login".to_owned()),
            None if any_password_user => {
                out.push("sshd allows password login (by default)".to_owned());
            }
            _ => {}
        }
        if sshd.permit_root_login.as_deref() == Some("yes") {
            out.push("sshd permits root login with a password".to_owned());
        }
    }
    out
}

/// The one part not inspected, or how many were.
fn not_inspected(report: &TrustReport) -> Option<String> {
    match report.not_inspected.as_slice() {
        [] => None,
        [only] => Some(format!("not inspected: {only}")),
        many => Some(format!(
            "{} parts of the image could not be inspected",
            many.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::report::{LoginUser, SshKey, SshdSettings, SudoRule, TrustReport};

    #[test]
    fn warnings_in_order_and_clean_when_empty() {
        let user = |name: &str, usable| LoginUser {
            name: name.into(),
            uid: 1000,
            shell: "/bin/bash".into(),
            password_usable: usable,
            empty_password: false,
        };
        let key = |user: &str| SshKey {
            user: user.into(),
            path: format!("/home/{user}/.ssh/authorized_keys"),
            key_type: "ssh-ed25519".into(),
            fingerprint_sha256: "SHA256:x".into(),
            comment: String::new(),
            options: None,
        };
        let report = TrustReport {
            login_users: vec![user("root", false), user("deploy", true)],
            extra_uid0: vec!["toor".into()],
            ssh_keys: vec![key("root"), key("deploy")],
            sshd: Some(SshdSettings {
                password_authentication: Some(true),
                permit_root_login: None,
            }),
            nopasswd_sudo: vec![SudoRule {
                file: "/etc/sudoers.d/90-x".into(),
                line_number: 1,
                line: "deploy ALL=(ALL) NOPASSWD:ALL".into(),
            }],
            ..TrustReport::default()
        };
        assert_eq!(
            report.warnings(),
            [
                "uid 0 account toor",
                "2 preinstalled SSH keys (root, deploy)",
                "user deploy can log in with a password",
                "sudo without password: /etc/sudoers.d/90-x",
                "sshd allows password login",
            ]
        );
        assert!(!report.is_clean());
        assert!(
            TrustReport {
                login_users: vec![user("root", false)],
                ..Default::default()
            }
            .is_clean()
        );
    }
}
