//! The trust report as the panel shows it: a headline and warnings first (the accept dialog
//! shows only those), then the findings as tables for Image Detail.

use glint_app::{LoginUser, SshKey, SshdSettings, TrustReport, TrustReportState, TrustReportView};
use glint_core::image::Image;
use glint_core::{AuthContext, RegionName};

use crate::router::AppState;

/// One login account row.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub name: String,
    pub uid: u32,
    pub shell: String,
    pub password: &'static str,
}

/// One preinstalled SSH key row.
#[derive(Debug, Clone)]
pub(crate) struct KeyRow {
    pub user: String,
    pub key_type: String,
    pub fingerprint: String,
    pub comment: String,
}

/// What Glint found inside an image, ready for the templates.
#[derive(Debug, Clone)]
pub(crate) struct TrustView {
    /// `complete`, `pending` or `no_data`.
    pub state: &'static str,
    pub headline: String,
    /// `ok`, `warn` or `info`, for the note's colour.
    pub tone: &'static str,
    pub warnings: Vec<String>,
    pub os: Option<String>,
    pub users: Vec<UserRow>,
    pub keys: Vec<KeyRow>,
    pub sudo: Vec<String>,
    pub sshd: Option<String>,
    pub not_inspected: Vec<String>,
    pub filesystems: Vec<String>,
}

impl TrustView {
    pub(crate) fn new(view: &TrustReportView) -> TrustView {
        let Some(report) = &view.report else {
            let headline = match view.state {
                TrustReportState::NoData => {
                    "The image has no data yet, so there is nothing to inspect."
                }
                _ => {
                    "Glint is still inspecting this image; reload the page in a moment to see what it found."
                }
            };
            return TrustView {
                state: view.state.as_str(),
                headline: headline.into(),
                tone: "info",
                warnings: view.warnings.clone(),
                os: None,
                users: Vec::new(),
                keys: Vec::new(),
                sudo: Vec::new(),
                sshd: None,
                not_inspected: Vec::new(),
                filesystems: Vec::new(),
            };
        };
        let (headline, tone) = headline(view.warnings.len());
        TrustView {
            state: view.state.as_str(),
            headline,
            tone,
            warnings: view.warnings.clone(),
            os: os_name(report),
            users: report.login_users.iter().map(UserRow::new).collect(),
            keys: report.ssh_keys.iter().map(KeyRow::new).collect(),
            sudo: report
                .nopasswd_sudo
                .iter()
                .map(|r| format!("{}:{}: {}", r.file, r.line_number, r.line))
                .collect(),
            sshd: report.sshd.as_ref().map(sshd_summary),
            not_inspected: report.not_inspected.clone(),
            filesystems: report.filesystems.clone(),
        }
    }
}

/// The report's first line and its tone, from the number of warnings.
fn headline(warnings: usize) -> (String, &'static str) {
    if warnings == 0 {
        (
            "Nothing suspicious found: no preinstalled SSH keys, no password logins, no passwordless sudo.".into(),
            "ok",
        )
    } else {
        let plural = if warnings == 1 { "" } else { "s" };
        (
            format!("{warnings} finding{plural} to check before you trust this image:"),
            "warn",
        )
    }
}

/// The system's name as os-release gives it (with its version when there is no pretty name).
fn os_name(report: &TrustReport) -> Option<String> {
    let os = report.os.as_ref()?;
    let name = os.pretty_name.clone().or_else(|| os.name.clone())?;
    Some(match (&os.pretty_name, &os.version_id) {
        (None, Some(version)) => format!("{name} {version}"),
        _ => name,
    })
}

/// sshd's password and root login settings, in words.
fn sshd_summary(sshd: &SshdSettings) -> String {
    let password = match sshd.password_authentication {
        Some(true) => "on",
        Some(false) => "off",
        None => "on (default)",
    };
    let root = sshd
        .permit_root_login
        .as_deref()
        .unwrap_or("prohibit-password (default)");
    format!("password login {password}; root login {root}")
}

impl UserRow {
    fn new(user: &LoginUser) -> UserRow {
        UserRow {
            name: user.name.clone(),
            uid: user.uid,
            shell: user.shell.clone(),
            password: if user.empty_password {
                "Empty (no password asked)"
            } else if user.password_usable {
                "Yes"
            } else {
                "No"
            },
        }
    }
}

impl KeyRow {
    fn new(key: &SshKey) -> KeyRow {
        KeyRow {
            user: key.user.clone(),
            key_type: key.key_type.clone(),
            fingerprint: key.fingerprint_sha256.clone(),
            comment: key.comment.clone(),
        }
    }
}

/// The shares waiting for the account's answer in `regions`, each with its trust report.
pub(crate) async fn pending_with_reports(
    state: &AppState,
    ctx: &AuthContext,
    regions: &[RegionName],
) -> Result<Vec<(Image, TrustView)>, glint_core::Error> {
    let pending = state.images.pending_shares(ctx, regions).await?;
    let mut out = Vec::with_capacity(pending.len());
    for image in pending {
        let report = state
            .images
            .trust_report(ctx, &image.region, &image.id)
            .await?;
        out.push((image, TrustView::new(&report)));
    }
    Ok(out)
}
