//! Reports of suspicious images in the panel: Image Detail's Report Image form for an image
//! another account made, and the cloud admin's Image Reports page (open reports with the
//! image's trust report warnings, Dismiss and Quarantine with a note; Lift Quarantine on Image
//! Detail). Everything goes through `ReportService`, which decides who may do what; the page
//! is refused to anyone but the admin by the service, and its top-bar entry is shown to the
//! admin only.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use glint_app::{Operator, ReportForOperators};
use glint_core::report::{NewReport, ReportId, ReportReason, ReportStatus};
use serde::Deserialize;

use super::format;
use super::images::PanelImagePath;
use super::reply::{Flash, PanelError, Reply, page};
use super::session::Session;
use super::views::Chrome;
use crate::paths::Typed;
use crate::router::AppState;

const HERE: &str = "/admin/reports";

/// What the flash says once a report is made.
pub(crate) const REPORTED: &str =
    "Reported. The cloud's operators will review it; the producer is not told who reported.";

/// A reason as the Report Image form offers it.
#[derive(Debug, Clone)]
pub(crate) struct ReasonChoice {
    pub value: &'static str,
    pub label: &'static str,
}

/// The reasons a report may give, in the form's order.
pub(crate) fn reason_choices() -> Vec<ReasonChoice> {
    ReportReason::ALL
        .into_iter()
        .map(|r| ReasonChoice {
            value: r.as_str(),
            label: r.label(),
        })
        .collect()
}

/// The Report Image form.
#[derive(Debug, Deserialize)]
pub(crate) struct ReportForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    comment: String,
}

/// `POST /images/{region}/{id}/report`.
pub(crate) async fn report_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
    Form(form): Form<ReportForm>,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    let made = match NewReport::new(&form.reason, &form.comment) {
        Ok(new) => {
            state
                .reports
                .report(&session.ctx, &p.region, &p.image, new)
                .await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(_) => reply.done(&detail, Flash::ok(REPORTED)),
        Err(e) => reply.failed(&e, &detail),
    }
}

/// A report as the Image Reports page shows it.
#[derive(Debug, Clone)]
pub(crate) struct ReportRow {
    pub id: String,
    pub image_name: String,
    pub image_url: String,
    pub region: String,
    pub owner: String,
    pub image_status: String,
    pub reporter: String,
    pub reason: &'static str,
    pub comment: String,
    pub reported: String,
    /// The trust report's warnings; `None` while it is pending.
    pub warnings: Option<Vec<String>>,
    pub dismiss_url: String,
    pub quarantine_url: String,
}

impl ReportRow {
    fn new(found: &ReportForOperators) -> ReportRow {
        let (listed, report) = (&found.listed, &found.listed.report);
        ReportRow {
            id: report.id.to_string(),
            image_name: format::name(report.image_name.as_deref()),
            image_url: format!("/images/{}/{}", report.region, report.image_id),
            region: report.region.to_string(),
            owner: listed.owner.clone().unwrap_or_else(|| "—".into()),
            image_status: listed
                .image_status
                .clone()
                .unwrap_or_else(|| "deleted".into()),
            reporter: format!(
                "{} (account {})",
                report.reporter.user_name, report.reporter.account
            ),
            reason: report.reason.label(),
            comment: report.comment.clone(),
            reported: format::time(report.created_at),
            warnings: found.warnings.clone(),
            dismiss_url: format!("{HERE}/{}/dismiss", report.id),
            quarantine_url: format!(
                "/admin/images/{}/{}/quarantine",
                report.region, report.image_id
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_reports.html")]
pub(crate) struct ReportsPage {
    chrome: Chrome,
    rows: Vec<ReportRow>,
}

/// `GET /admin/reports`: the open reports, for the cloud admin.
pub(crate) async fn reports_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    let operator = Operator::of(&session.ctx)?;
    let found = state
        .reports
        .for_operators(&operator, Some(ReportStatus::Open))
        .await?;
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let view = ReportsPage {
        chrome: Chrome::load(&state, &session, "Image Reports", "reports", HERE.into())
            .await?
            .with_flash(flash),
        rows: found.iter().map(ReportRow::new).collect(),
    };
    Ok(page(&view, shown))
}

/// The operators' note of Dismiss, Quarantine and Lift Quarantine.
#[derive(Debug, Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    note: String,
}

/// `POST /admin/reports/{id}/dismiss`.
pub(crate) async fn dismiss_report(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Response {
    let dismissed = match (Operator::of(&session.ctx), ReportId::parse(&id)) {
        (Ok(operator), Ok(id)) => state.reports.dismiss(&operator, &id, &form.note).await,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match dismissed {
        Ok(()) => reply.done(HERE, Flash::ok("The report is dismissed.")),
        Err(e) => reply.failed(&e, HERE),
    }
}

/// `POST /admin/images/{region}/{id}/quarantine`.
pub(crate) async fn quarantine_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
    Form(form): Form<NoteForm>,
) -> Response {
    let done = match Operator::of(&session.ctx) {
        Ok(operator) => {
            state
                .reports
                .quarantine(&operator, Some(&p.region), &p.image, &form.note)
                .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(image) => reply.done(
            HERE,
            Flash::ok(format!(
                "{} is quarantined: deactivated for everyone but the cloud's operators; its producer and consumers are told with your note. Servers built from it keep running.",
                super::images::label(&image)
            )),
        ),
        Err(e) => reply.failed(&e, HERE),
    }
}

/// `POST /admin/images/{region}/{id}/release`.
pub(crate) async fn release_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    let done = match Operator::of(&session.ctx) {
        Ok(operator) => {
            state
                .reports
                .release(&operator, Some(&p.region), &p.image)
                .await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => reply.done(
            &detail,
            Flash::ok("The quarantine is lifted: the image is active again, and its producer and consumers are told."),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}

/// Image Detail's quarantine notice: `Some(note)` for a quarantined image.
pub(crate) fn quarantine_notice(image: &glint_core::image::Image) -> Option<String> {
    image.is_quarantined().then(|| {
        let note = image.quarantine_note.as_deref().unwrap_or_default();
        if note.is_empty() {
            "Quarantined by the cloud's operators.".to_owned()
        } else {
            format!("Quarantined by the cloud's operators: {note}")
        }
    })
}
