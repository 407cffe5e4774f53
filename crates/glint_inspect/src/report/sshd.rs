//! sshd's configuration as sshd reads it: `/etc/ssh/sshd_config` and the files it includes,
//! where the first value given for a keyword wins.
//!
//! `Include` is followed (relative paths from `/etc/ssh`, `*` and `?` in the file name, in
//! name order, nested at most 8 deep); settings inside `Match` blocks apply only to some
//! connections and are not taken as the global value.

use super::SshdSettings;
use super::tree::{Tree, TreeError};

const MAIN: &str = "/etc/ssh/sshd_config";
const MAX_DEPTH: u32 = 8;
const MAX_FILES: u32 = 256;
/// sshd's built-in `AuthorizedKeysFile`.
pub(crate) const DEFAULT_KEY_FILES: [&str; 2] = [".ssh/authorized_keys", ".ssh/authorized_keys2"];

/// The settings, and where sshd looks for keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sshd {
    pub(crate) settings: SshdSettings,
    pub(crate) key_files: Option<Vec<String>>,
    files_read: u32,
}

/// Reads the configuration; `None` when the image has no `sshd_config`.
pub(crate) fn read(
    tree: &mut dyn Tree,
    notes: &mut Vec<String>,
) -> Result<Option<Sshd>, TreeError> {
    let mut sshd = Sshd::default();
    let found = file(tree, MAIN, 0, &mut sshd, notes)?;
    Ok(found.then_some(sshd))
}

/// Reads one configuration file and, as they come, the files it includes; false when there is
/// no such file (or it could not be read).
fn file(
    tree: &mut dyn Tree,
    path: &str,
    depth: u32,
    sshd: &mut Sshd,
    notes: &mut Vec<String>,
) -> Result<bool, TreeError> {
    let Some(text) = file_text(tree, path, sshd, notes)? else {
        return Ok(false);
    };
    let mut in_match = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (keyword, args) = split(line);
        let keyword = keyword.to_ascii_lowercase();
        if keyword == "match" {
            in_match = !args.eq_ignore_ascii_case("all");
            continue;
        }
        if !in_match {
            apply(tree, path, depth, &keyword, args, sshd, notes)?;
        }
    }
    Ok(true)
}

/// The text of `path`, counted against `MAX_FILES`; `None` when there is none to read (a
/// failure that is not fatal becomes a note).
fn file_text(
    tree: &mut dyn Tree,
    path: &str,
    sshd: &mut Sshd,
    notes: &mut Vec<String>,
) -> Result<Option<String>, TreeError> {
    sshd.files_read += 1;
    if sshd.files_read > MAX_FILES {
        if sshd.files_read == MAX_FILES + 1 {
            notes.push(format!(
                "sshd includes more than {MAX_FILES} files; the rest were skipped"
            ));
        }
        return Ok(None);
    }
    match tree.read(path) {
        Ok(Some(bytes)) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Ok(None) => Ok(None),
        Err(e) if e.fatal => Err(e),
        Err(e) => {
            notes.push(format!("could not read {path}: {}", e.message));
            Ok(None)
        }
    }
}

/// Takes one global `keyword args` line of `path`: follows an `Include`, or keeps the first
/// value of a setting the report needs.
fn apply(
    tree: &mut dyn Tree,
    path: &str,
    depth: u32,
    keyword: &str,
    args: &str,
    sshd: &mut Sshd,
    notes: &mut Vec<String>,
) -> Result<(), TreeError> {
    let first = args.split_whitespace().next().unwrap_or_default();
    match keyword {
        "include" if depth < MAX_DEPTH => {
            for pattern in args.split_whitespace() {
                include(tree, pattern, depth, sshd, notes)?;
            }
        }
        "include" => notes.push(format!("{path}: includes nested too deep were skipped")),
        "passwordauthentication" if sshd.settings.password_authentication.is_none() => {
            sshd.settings.password_authentication = Some(first.eq_ignore_ascii_case("yes"));
        }
        "permitrootlogin" if sshd.settings.permit_root_login.is_none() => {
            sshd.settings.permit_root_login = Some(first.to_ascii_lowercase());
        }
        "authorizedkeysfile" if sshd.key_files.is_none() => {
            sshd.key_files = Some(args.split_whitespace().map(str::to_owned).collect());
        }
        _ => {}
    }
    Ok(())
}

fn include(
    tree: &mut dyn Tree,
    pattern: &str,
    depth: u32,
    sshd: &mut Sshd,
    notes: &mut Vec<String>,
) -> Result<(), TreeError> {
    let full = if pattern.starts_with('/') {
        pattern.to_owned()
    } else {
        format!("/etc/ssh/{pattern}")
    };
    let (dir, name) = full.rsplit_once('/').unwrap_or(("", full.as_str()));
    let dir = if dir.is_empty() { "/" } else { dir };
    if !name.contains(['*', '?']) {
        file(tree, &full, depth + 1, sshd, notes)?;
        return Ok(());
    }
    let names = match tree.list(dir) {
        Ok(names) => names.unwrap_or_default(),
        Err(e) if e.fatal => return Err(e),
        Err(e) => {
            notes.push(format!("could not list {dir}: {}", e.message));
            return Ok(());
        }
    };
    for entry in names.iter().filter(|n| wildcard(name, n)) {
        file(
            tree,
            &format!("{}/{entry}", dir.trim_end_matches('/')),
            depth + 1,
            sshd,
            notes,
        )?;
    }
    Ok(())
}

/// `Keyword value` or `Keyword=value`.
fn split(line: &str) -> (&str, &str) {
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let rest = line[end..].trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest).trim();
    (&line[..end], rest.trim_matches('"'))
}

/// Shell-style `*` and `?` matching, in linear time.
pub(crate) fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tree::MemTree;

    #[test]
    fn first_value_wins_across_includes() {
        let mut tree = MemTree::of(&[
            (
                "/etc/ssh/sshd_config",
                "Include /etc/ssh/sshd_config.d/*.conf\n\
              PasswordAuthentication yes\nPermitRootLogin yes\n\
              Match User bob\n  PasswordAuthentication yes\n",
            ),
            (
                "/etc/ssh/sshd_config.d/50-cloud.conf",
                "PasswordAuthentication no\n",
            ),
            ("/etc/ssh/sshd_config.d/README", "PermitRootLogin no\n"),
            (
                "/etc/ssh/sshd_config.d/60-keys.conf",
                "AuthorizedKeysFile=.ssh/authorized_keys /etc/ssh/keys/%u\n",
            ),
        ]);
        let sshd = read(&mut tree, &mut Vec::new()).unwrap().unwrap();
        assert_eq!(sshd.settings.password_authentication, Some(false));
        assert_eq!(sshd.settings.permit_root_login.as_deref(), Some("yes"));
        assert_eq!(
            sshd.key_files.unwrap(),
            [".ssh/authorized_keys", "/etc/ssh/keys/%u"]
        );
    }

    #[test]
    fn includes_that_loop_stop() {
        let mut tree = MemTree::of(&[("/etc/ssh/sshd_config", "Include sshd_config\n")]);
        let mut notes = Vec::new();
        let sshd = read(&mut tree, &mut notes).unwrap().unwrap();
        assert_eq!(sshd.settings, SshdSettings::default());
        assert_eq!(notes.len(), 1);
        assert!(read(&mut MemTree::of(&[]), &mut notes).unwrap().is_none());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard("*.conf", "50-cloud.conf"));
        assert!(!wildcard("*.conf", "README"));
        assert!(wildcard("a?c*", "abcdef"));
        assert!(!wildcard(
            "a*b*c*d*e*f*g",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        ));
    }
}
