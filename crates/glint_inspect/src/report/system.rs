//! One Linux system's files read into the report: accounts, SSH keys, sshd and sudo settings
//! and the OS release, from a filesystem that holds `/etc/passwd`; and the SSH keys of home
//! directories that live on a separate `/home` filesystem.

use std::collections::HashSet;

use super::tree::{Tree, TreeError};
use super::{SshKey, TrustReport, accounts, os_release, ssh_keys, sshd, sudoers};

/// What a root filesystem tells about where to look for keys elsewhere.
#[derive(Debug, Clone, Default)]
pub(crate) struct Homes {
    /// (user, home directory) of every account.
    pub(crate) homes: Vec<(String, String)>,
    /// The `AuthorizedKeysFile` patterns to look at.
    pub(crate) key_files: Vec<String>,
}

/// Reads a filesystem as the root of a Linux system; `None` when it has no `/etc/passwd`.
pub(crate) fn inspect_root(
    tree: &mut dyn Tree,
    report: &mut TrustReport,
    notes: &mut Vec<String>,
) -> Result<Option<Homes>, TreeError> {
    let Some(passwd) = read_text(tree, "/etc/passwd", notes)? else {
        return Ok(None);
    };
    let accounts = accounts::parse_passwd(&passwd);
    let shadow = read_text(tree, "/etc/shadow", notes)?;
    let (users, extra_uid0) = accounts::login_users(&accounts, shadow.as_deref());
    report.login_users.extend(users);
    report.extra_uid0.extend(extra_uid0);

    if report.os.is_none() {
        let release = match read_text(tree, "/etc/os-release", notes)? {
            Some(text) => Some(text),
            None => read_text(tree, "/usr/lib/os-release", notes)?,
        };
        report.os = release.map(|text| os_release::parse(&text));
    }

    let sshd = sshd::read(tree, notes)?;
    let mut key_files: Vec<String> = sshd
        .as_ref()
        .and_then(|s| s.key_files.clone())
        .unwrap_or_default();
    for default in sshd::DEFAULT_KEY_FILES {
        if !key_files.iter().any(|k| k == default) {
            key_files.push(default.to_owned());
        }
    }
    if report.sshd.is_none() {
        report.sshd = sshd.map(|s| s.settings);
    }

    let homes = Homes {
        homes: accounts
            .iter()
            .map(|a| (a.name.clone(), a.home.clone()))
            .collect(),
        key_files,
    };
    keys(tree, &homes, None, report, notes)?;
    report.nopasswd_sudo.extend(sudoers::read(tree, notes)?);
    Ok(Some(homes))
}

/// Reads the `authorized_keys` of every home. With `mounted_at`, the tree is a filesystem
/// mounted there (a separate `/home`): only homes under it are looked at, at their path
/// within the tree.
pub(crate) fn keys(
    tree: &mut dyn Tree,
    homes: &Homes,
    mounted_at: Option<&str>,
    report: &mut TrustReport,
    notes: &mut Vec<String>,
) -> Result<(), TreeError> {
    let mut seen = HashSet::new();
    for (user, home) in &homes.homes {
        for path in key_paths(&homes.key_files, user, home) {
            let in_tree = match mounted_at {
                None => path.clone(),
                Some(mount) => match path.strip_prefix(mount) {
                    Some(rest) if rest.starts_with('/') => rest.to_owned(),
                    _ => continue,
                },
            };
            if !seen.insert(in_tree.clone()) {
                continue;
            }
            let Some(text) = read_text(tree, &in_tree, notes)? else {
                continue;
            };
            report
                .ssh_keys
                .extend(ssh_keys::parse(&text).into_iter().map(|k| SshKey {
                    user: user.clone(),
                    path: path.clone(),
                    key_type: k.key_type,
                    fingerprint_sha256: k.fingerprint,
                    comment: k.comment,
                    options: k.options,
                }));
        }
    }
    Ok(())
}

/// The key files sshd would read for `user`: `%h`, `%u` and `%%` expanded, relative paths
/// taken from the home directory.
fn key_paths(patterns: &[String], user: &str, home: &str) -> Vec<String> {
    patterns
        .iter()
        .filter(|p| p.as_str() != "none")
        .filter_map(|pattern| {
            let mut out = String::new();
            let mut chars = pattern.chars();
            while let Some(c) = chars.next() {
                match (c, c == '%') {
                    (_, true) => match chars.next() {
                        Some('h') => out.push_str(home),
                        Some('u') => out.push_str(user),
                        Some('%') => out.push('%'),
                        _ => return None,
                    },
                    (c, false) => out.push(c),
                }
            }
            if !out.starts_with('/') {
                if home.is_empty() {
                    return None;
                }
                out = format!("{}/{out}", home.trim_end_matches('/'));
            }
            Some(out)
        })
        .collect()
}

/// A text file, or `None` when it is missing; an unreadable file is noted, and only a
/// reached limit is an error.
fn read_text(
    tree: &mut dyn Tree,
    path: &str,
    notes: &mut Vec<String>,
) -> Result<Option<String>, TreeError> {
    match tree.read(path) {
        Ok(bytes) => Ok(bytes.map(|b| String::from_utf8_lossy(&b).into_owned())),
        Err(e) if e.fatal => Err(e),
        Err(e) => {
            notes.push(format!("could not read {path}: {}", e.message));
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tree::MemTree;

    #[test]
    fn key_paths_expand_tokens() {
        let patterns: Vec<String> = [
            ".ssh/authorized_keys",
            "/etc/ssh/keys/%u",
            "%h/k%%",
            "none",
            "%x",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            key_paths(&patterns, "bob", "/home/bob/"),
            [
                "/home/bob/.ssh/authorized_keys",
                "/etc/ssh/keys/bob",
                "/home/bob//k%"
            ]
        );
    }

    #[test]
    fn keys_on_a_separate_home_filesystem() {
        let mut home_fs = MemTree::of(&[(
            "/bob/.ssh/authorized_keys",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH b",
        )]);
        let homes = Homes {
            homes: vec![
                ("bob".into(), "/home/bob".into()),
                ("root".into(), "/root".into()),
            ],
            key_files: vec![".ssh/authorized_keys".into()],
        };
        let mut report = TrustReport::default();
        keys(
            &mut home_fs,
            &homes,
            Some("/home"),
            &mut report,
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(report.ssh_keys.len(), 1);
        assert_eq!(report.ssh_keys[0].path, "/home/bob/.ssh/authorized_keys");
        assert_eq!(report.ssh_keys[0].user, "bob");
    }
}
