//! The trust report: who could log in to a server booted from an image, read from the
//! image's filesystems without running anything from it.
//!
//! [`inspect_filesystems`] opens the stored image (raw or qcow2), reads its partition table,
//! names every partition's content and reads each ext2/3/4 filesystem: `/etc/passwd` and
//! `/etc/shadow`, `authorized_keys` of root and of every home directory, sshd's and sudo's
//! configuration and `/etc/os-release`. Everything it could not read goes to
//! [`TrustReport::not_inspected`] with the reason. All reads are charged to [`Limits`].
//! Password hashes are never kept: only whether a password is usable.

mod accounts;
mod collect;
mod os_release;
mod ssh_keys;
mod sshd;
mod sudoers;
mod system;
mod tree;
mod verdict;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use collect::inspect_filesystems;

/// What one inspection may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes read from the stored image, all partitions and metadata included.
    pub max_bytes_read: u64,
    /// Files read and directories listed.
    pub max_files: u32,
    /// When to stop, whatever is left.
    pub deadline: Instant,
}

impl Limits {
    /// Defaults suited to a background job: 512 MiB read, 20,000 files, `timeout` from now.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            max_bytes_read: 512 << 20,
            max_files: 20_000,
            deadline: Instant::now() + timeout,
        }
    }
}

/// What `/etc/os-release` says the system is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsRelease {
    pub name: Option<String>,
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
    pub id: Option<String>,
}

/// An account whose shell lets it log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginUser {
    pub name: String,
    pub uid: u32,
    pub shell: String,
    /// A password hash is set and not locked (not empty, not starting with `!` or `*`).
    pub password_usable: bool,
    /// The password field is empty: depending on PAM, no password is asked at all.
    pub empty_password: bool,
}

/// A public key that lets someone log in over SSH.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshKey {
    /// The account the key logs in as.
    pub user: String,
    /// The `authorized_keys` file it is in.
    pub path: String,
    /// As written in the file, e.g. `ssh-ed25519`.
    pub key_type: String,
    /// `SHA256:` and the unpadded base64 of the SHA-256 of the key, as `ssh-keygen -l` prints.
    pub fingerprint_sha256: String,
    pub comment: String,
    /// Options written before the key (`command=…`, `from=…`, `restrict`), if any.
    pub options: Option<String>,
}

/// The sshd settings that decide how one may log in; `None` where the configuration leaves
/// the built-in default (password authentication on, root login without password only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshdSettings {
    pub password_authentication: Option<bool>,
    pub permit_root_login: Option<String>,
}

/// A sudo rule that runs commands without asking for a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SudoRule {
    pub file: String,
    pub line_number: u32,
    /// The rule as written (continuation lines joined).
    pub line: String,
}

/// Everything the inspection found, and what it could not look at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustReport {
    pub os: Option<OsRelease>,
    pub login_users: Vec<LoginUser>,
    /// Accounts other than `root` with uid 0.
    pub extra_uid0: Vec<String>,
    pub ssh_keys: Vec<SshKey>,
    /// `None` when the image has no sshd configuration.
    pub sshd: Option<SshdSettings>,
    pub nopasswd_sudo: Vec<SudoRule>,
    /// What could not be read, and why, e.g. "partition 2: xfs is not supported".
    pub not_inspected: Vec<String>,
    /// Every partition and what it holds, e.g. "partition 1 (Linux filesystem, 31 MiB): ext4".
    pub filesystems: Vec<String>,
}

/// Reports are made on a blocking thread and handed back to async code.
const _: () = {
    const fn send<T: Send + Sync>() {}
    send::<TrustReport>();
};

impl TrustReport {
    /// Short findings, most important first: extra uid 0 accounts, empty passwords,
    /// preinstalled SSH keys, password logins, passwordless sudo, permissive sshd, and
    /// finally what could not be inspected.
    pub fn warnings(&self) -> Vec<String> {
        verdict::warnings(self)
    }

    /// No findings, and everything that could hold accounts was read.
    pub fn is_clean(&self) -> bool {
        self.warnings().is_empty()
    }
}
