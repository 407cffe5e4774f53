//! Accounts from `/etc/passwd` and `/etc/shadow`: who has a login shell, who has a usable
//! password, and which accounts besides root have uid 0.
//!
//! Password hashes are read only to classify them and are dropped at once; nothing here
//! keeps or returns a hash.

use std::collections::HashMap;

use super::LoginUser;

/// At most this many passwd lines are considered.
const MAX_ENTRIES: usize = 20_000;
/// Shells that end the session instead of giving one.
const NO_LOGIN_SHELLS: [&str; 6] = ["nologin", "false", "true", "sync", "halt", "shutdown"];

/// One line of `/etc/passwd`, without its password field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    pub(crate) name: String,
    pub(crate) uid: u32,
    pub(crate) home: String,
    pub(crate) shell: String,
    password: Password,
}

/// What a password field allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Password {
    /// A hash that can match a password.
    Usable,
    /// Locked (`!`, `*`) or absent.
    Locked,
    /// Empty: no password at all.
    Empty,
    /// `x`: look in `/etc/shadow`.
    Shadowed,
}

fn classify(field: &str) -> Password {
    match field {
        "" => Password::Empty,
        "x" => Password::Shadowed,
        f if f.starts_with('!') || f.starts_with('*') => Password::Locked,
        _ => Password::Usable,
    }
}

pub(crate) fn parse_passwd(text: &str) -> Vec<Account> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#') && !l.starts_with('+'))
        .take(MAX_ENTRIES)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 7 {
                return None;
            }
            Some(Account {
                name: f[0].to_owned(),
                uid: f[2].trim().parse().ok()?,
                home: f[5].to_owned(),
                shell: f[6].trim().to_owned(),
                password: classify(f[1]),
            })
        })
        .collect()
}

/// Whether `shell` gives an interactive session (an empty shell field means `/bin/sh`).
pub(crate) fn is_login_shell(shell: &str) -> bool {
    let base = shell.rsplit('/').next().unwrap_or(shell);
    !NO_LOGIN_SHELLS.contains(&base)
}

/// The login accounts and the extra uid 0 accounts.
pub(crate) fn login_users(
    accounts: &[Account],
    shadow: Option<&str>,
) -> (Vec<LoginUser>, Vec<String>) {
    let shadow_states = shadow.map(shadow_passwords).unwrap_or_default();
    let mut users = Vec::new();
    for account in accounts.iter().filter(|a| is_login_shell(&a.shell)) {
        let state = match account.password {
            Password::Shadowed => shadow_states
                .get(&account.name)
                .copied()
                .unwrap_or(Password::Locked),
            other => other,
        };
        users.push(LoginUser {
            name: account.name.clone(),
            uid: account.uid,
            shell: if account.shell.is_empty() {
                "/bin/sh".to_owned()
            } else {
                account.shell.clone()
            },
            password_usable: state == Password::Usable,
            empty_password: state == Password::Empty,
        });
    }
    let extra_uid0 = accounts
        .iter()
        .filter(|a| a.uid == 0 && a.name != "root")
        .map(|a| a.name.clone())
        .collect();
    (users, extra_uid0)
}

fn shadow_passwords(text: &str) -> HashMap<String, Password> {
    let mut states = HashMap::new();
    for line in text.lines().take(MAX_ENTRIES) {
        let mut fields = line.split(':');
        if let (Some(name), Some(hash)) = (fields.next(), fields.next()) {
            let state = match classify(hash) {
                Password::Shadowed => Password::Locked,
                other => other,
            };
            states.entry(name.to_owned()).or_insert(state);
        }
    }
    states
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
        deploy:x:1000:1000::/home/deploy:/bin/bash\n\
        locked:x:1001:1001::/home/locked:/bin/zsh\n\
        toor:x:0:0::/root:/bin/sh\n\
        old:$6$abc$def:1002:1002::/home/old:\n\
        nopass::1003:1003::/home/nopass:/bin/bash\n\
        broken line\n";
    const SHADOW: &str = "root:*:19000:0:99999:7:::\n\
        deploy:$6$salt$hash:19000:0:99999:7:::\n\
        locked:!$6$salt$hash:19000:0:99999:7:::\n\
        toor:!:19000::::::\n";

    #[test]
    fn login_users_and_their_passwords() {
        let accounts = parse_passwd(PASSWD);
        let (users, uid0) = login_users(&accounts, Some(SHADOW));
        let summary: Vec<_> = users
            .iter()
            .map(|u| {
                (
                    u.name.as_str(),
                    u.shell.as_str(),
                    u.password_usable,
                    u.empty_password,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("root", "/bin/bash", false, false),
                ("deploy", "/bin/bash", true, false),
                ("locked", "/bin/zsh", false, false),
                ("toor", "/bin/sh", false, false),
                ("old", "/bin/sh", true, false),
                ("nopass", "/bin/bash", false, true),
            ]
        );
        assert_eq!(uid0, ["toor"]);
        assert!(!format!("{users:?}").contains("$6$"));
    }

    #[test]
    fn shells_that_do_not_log_in() {
        assert!(!is_login_shell("/usr/sbin/nologin"));
        assert!(!is_login_shell("/bin/false"));
        assert!(!is_login_shell("/bin/sync"));
        assert!(is_login_shell("/bin/bash"));
        assert!(is_login_shell(""));
    }
}
