//! The known system the trust report tests put into images: its files, the SSH keys made
//! for it, and the report that must come out.

use std::path::{Path, PathBuf};

use glint_inspect::{LoginUser, OsRelease, SshdSettings, SudoRule, TrustReport};

use crate::support::{self, Key, mkfs, ssh_key, write_tree};

pub const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
    daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
    deploy:x:1000:1000:Deploy:/home/deploy:/bin/bash\n\
    locked:x:1001:1001::/home/locked:/bin/zsh\n\
    toor:x:0:0::/root:/usr/sbin/nologin\n";
pub const SHADOW: &str = "root:*:19700:0:99999:7:::\n\
    daemon:*:19700:0:99999:7:::\n\
    deploy:$6$rounds=5000$saltsalt$Yh3H4sO0eG6CkA2YqLxGq0cC1h0Xvz1qg3s1Rr2kZQ9v:19700:0:99999:7:::\n\
    locked:!$6$saltsalt$hash:19700:0:99999:7:::\n\
    toor:!:19700:0:99999:7:::\n";
pub const OS_RELEASE: &str = "PRETTY_NAME=\"Glint Test Linux 1.2\"\nNAME=\"Glint Test Linux\"\n\
    VERSION_ID=\"1.2\"\nID=glinttest\n";

/// The tree with everything the report should find.
fn dirty_tree(root: &Path, keys_dir: &Path) -> (Key, Key) {
    let root_key = ssh_key(keys_dir, "root_key", "admin@build");
    let deploy_key = ssh_key(keys_dir, "deploy_key", "ci deploy key");
    let deploy_keys = format!(
        "# deploy keys\nno-pty,command=\"/bin/true x\" {}",
        deploy_key.public
    );
    write_tree(
        root,
        &[
            ("etc/passwd", PASSWD),
            ("etc/shadow", SHADOW),
            ("etc/os-release", OS_RELEASE),
            ("root/.ssh/authorized_keys", &root_key.public),
            ("home/deploy/.ssh/authorized_keys", &deploy_keys),
            (
                "etc/sudoers",
                "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
            ),
            ("etc/sudoers.d/x", "deploy ALL=(ALL) NOPASSWD:ALL\n"),
            (
                "etc/ssh/sshd_config",
                "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\n",
            ),
            ("home/locked/notes.txt", "nothing here\n"),
        ],
    );
    (root_key, deploy_key)
}

fn expected_dirty(root_key: &Key, deploy_key: &Key) -> TrustReport {
    let user = |name: &str, uid, shell: &str, usable| LoginUser {
        name: name.into(),
        uid,
        shell: shell.into(),
        password_usable: usable,
        empty_password: false,
    };
    let key = |user: &str, path: &str, k: &Key, comment: &str, options: Option<&str>| {
        glint_inspect::SshKey {
            user: user.into(),
            path: path.into(),
            key_type: "ssh-ed25519".into(),
            fingerprint_sha256: k.fingerprint.clone(),
            comment: comment.into(),
            options: options.map(Into::into),
        }
    };
    TrustReport {
        os: Some(OsRelease {
            name: Some("Glint Test Linux".into()),
            version_id: Some("1.2".into()),
            pretty_name: Some("Glint Test Linux 1.2".into()),
            id: Some("glinttest".into()),
        }),
        login_users: vec![
            user("root", 0, "/bin/bash", false),
            user("deploy", 1000, "/bin/bash", true),
            user("locked", 1001, "/bin/zsh", false),
        ],
        extra_uid0: vec!["toor".into()],
        ssh_keys: vec![
            key(
                "root",
                "/root/.ssh/authorized_keys",
                root_key,
                "admin@build",
                None,
            ),
            key(
                "deploy",
                "/home/deploy/.ssh/authorized_keys",
                deploy_key,
                "ci deploy key",
                Some("no-pty,command=\"/bin/true x\""),
            ),
        ],
        sshd: Some(SshdSettings {
            password_authentication: Some(true),
            permit_root_login: None,
        }),
        nopasswd_sudo: vec![SudoRule {
            file: "/etc/sudoers.d/x".into(),
            line_number: 1,
            line: "deploy ALL=(ALL) NOPASSWD:ALL".into(),
        }],
        not_inspected: Vec::new(),
        filesystems: Vec::new(),
    }
}

/// The dirty filesystem, made once per test that needs it.
pub struct Dirty {
    pub dir: tempfile::TempDir,
    pub fs: PathBuf,
    pub expected: TrustReport,
}

pub fn dirty() -> Dirty {
    let dir = support::scratch();
    let root = dir.path().join("root");
    let (root_key, deploy_key) = dirty_tree(&root, dir.path());
    let fs = dir.path().join("fs.ext4");
    mkfs(&root, &fs, 32);
    Dirty {
        expected: expected_dirty(&root_key, &deploy_key),
        fs,
        dir,
    }
}
