//! The trust report as the panel shows it: a headline and warnings first (the accept dialog
//! shows only those), then the findings as tables for Image Detail.

use glint_app::{TrustReportState, TrustReportView};
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
        let mut out = TrustView {
            state: view.state.as_str(),
            headline: String::new(),
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
        let Some(report) = &view.report else {
            out.headline = match view.state {
                TrustReportState::NoData => "The image has no data yet, so there is nothing to inspect.",
                _ => "Glint is still inspecting this image; reload the page in a moment to see what it found.",
            }
            .into();
            return out;
        };
        let n = view.warnings.len();
        (out.headline, out.tone) = if n == 0 {
            (
                "Nothing suspicious found: no preinstalled SSH keys, no password logins, no passwordless sudo.".into(),
                "ok",
            )
        } else {
            let plural = if n == 1 { "" } else { "s" };
            (
                format!("{n} finding{plural} to check before you trust this image:"),
                "warn",
            )
        };
        out.os = report.os.as_ref().and_then(|os| {
            os.pretty_name
                .clone()
                .or_else(|| os.name.clone())
                .map(|name| match (&os.pretty_name, &os.version_id) {
                    (None, Some(version)) => format!("{name} {version}"),
                    _ => name,
                })
        });
        out.users = report
            .login_users
            .iter()
            .map(|u| UserRow {
                name: u.name.clone(),
                uid: u.uid,
                shell: u.shell.clone(),
                password: if u.empty_password {
                    "Empty (no password asked)"
                } else if u.password_usable {
                    "Yes"
                } else {
                    "No"
                },
            })
            .collect();
        out.keys = report
            .ssh_keys
            .iter()
            .map(|k| KeyRow {
                user: k.user.clone(),
                key_type: k.key_type.clone(),
                fingerprint: k.fingerprint_sha256.clone(),
                comment: k.comment.clone(),
            })
            .collect();
        out.sudo = report
            .nopasswd_sudo
            .iter()
            .map(|r| format!("{}:{}: {}", r.file, r.line_number, r.line))
            .collect();
        out.sshd = report.sshd.as_ref().map(|s| {
            let password = match s.password_authentication {
                Some(true) => "on",
                Some(false) => "off",
                None => "on (default)",
            };
            let root = s
                .permit_root_login
                .as_deref()
                .unwrap_or("prohibit-password (default)");
            format!("password login {password}; root login {root}")
        });
        out.not_inspected = report.not_inspected.clone();
        out.filesystems = report.filesystems.clone();
        out
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
