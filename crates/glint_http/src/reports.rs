//! Reports of suspicious images, an extension beside the Image API: a consumer reports an image
//! (`POST /image/{region}/v2/images/{id}/glint-reports`) and reads its account's reports
//! (`/glint/v1/reports`); the cloud's operators list every report with the image's trust
//! report, dismiss one, and quarantine an image or lift its quarantine (`/glint/v1/admin/…`);
//! whoever sees an image reads its quarantine (`…/glint-quarantine`).
//! Authentication and errors are the Image API's; every rule is `ReportService`'s. The
//! reporter's identity appears only in the operators' answers.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use glint_app::{Operator, ReportForOperators};
use glint_core::image::Image;
use glint_core::report::{
    ImageReport, NewReport, ReportId, ReportStatus, note_from_json, status_filter,
};
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::paths::{ImagePath, PathParams, RawImage, Typed};
use crate::router::AppState;

const OWN: &str = "/glint/v1/reports";
const ADMIN: &str = "/glint/v1/admin";

/// The report routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/image/{region}/v2/images/{image_id}/glint-reports",
            post(report_image),
        )
        .route(
            "/image/{region}/v2/images/{image_id}/glint-quarantine",
            get(show_quarantine),
        )
        .route(OWN, get(own_reports))
        .route(&format!("{OWN}/{{id}}"), get(own_report))
        .route(&format!("{ADMIN}/reports"), get(operator_reports))
        .route(
            &format!("{ADMIN}/reports/{{id}}/dismiss"),
            post(dismiss_report),
        )
        .route(
            &format!("{ADMIN}/images/{{region}}/{{image_id}}/quarantine"),
            post(quarantine_image),
        )
        .route(
            &format!("{ADMIN}/images/{{region}}/{{image_id}}/release"),
            post(release_image),
        )
}

/// A report as its reporting account sees it.
fn own_view(report: &ImageReport) -> Value {
    json!({
        "id": report.id.as_str(),
        "image_id": report.image_id.as_str(),
        "region": report.region.as_str(),
        "image_name": report.image_name,
        "reason": report.reason.as_str(),
        "comment": report.comment,
        "status": report.status.as_str(),
        "created_at": report.created_at.to_glance(),
        "resolved_at": report.resolution.as_ref().map(|r| r.at.to_glance()),
        "links": {"self": format!("{OWN}/{}", report.id)},
    })
}

/// A report as the operators see it: who made it, its image now and the trust report.
fn operator_view(found: &ReportForOperators) -> Value {
    let (listed, report) = (&found.listed, &found.listed.report);
    json!({
        "id": report.id.as_str(),
        "image": {
            "id": report.image_id.as_str(),
            "name": report.image_name,
            "region": report.region.as_str(),
            "owner": listed.owner,
            "status": listed.image_status,
        },
        "reason": report.reason.as_str(),
        "comment": report.comment,
        "status": report.status.as_str(),
        "created_at": report.created_at.to_glance(),
        "reporter": {
            "account": report.reporter.account,
            "user_id": report.reporter.user_id,
            "user_name": report.reporter.user_name,
        },
        "resolution": report.resolution.as_ref().map(|r| json!({
            "at": r.at.to_glance(), "by": r.by, "note": r.note,
        })),
        "trust_report": {
            "status": if found.warnings.is_some() { "complete" } else { "pending" },
            "warnings": found.warnings,
        },
    })
}

/// An image's quarantine as the operators' calls answer it.
fn quarantine_view(image: &Image) -> Value {
    json!({
        "image_id": image.id.as_str(),
        "region": image.region.as_str(),
        "status": image.status.as_str(),
        "quarantined_at": image.quarantined_at.map(|t| t.to_glance()),
        "note": image.quarantine_note,
    })
}

/// An optional `{"note"}` body.
fn note(raw: &Bytes) -> Result<String, ImageError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(String::new());
    }
    Ok(note_from_json(&body::json(raw)?)?)
}

/// `POST /image/{region}/v2/images/{id}/glint-reports` with `{"reason", "comment"}`: 201 with
/// the report as the reporter sees it.
async fn report_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(path): Path<RawImage>,
    raw: Bytes,
) -> Result<Response, ImageError> {
    let new = NewReport::from_json(&body::json(&raw)?)?;
    let p = ImagePath::parse(path)?;
    let report = state.reports.report(&ctx, &p.region, &p.image, new).await?;
    let location = format!("{}{OWN}/{}", state.catalog.base_url(), report.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(own_view(&report)),
    )
        .into_response())
}

/// `GET /image/{region}/v2/images/{id}/glint-quarantine`: whether the operators quarantined
/// the image, and their note, for anyone who sees it.
async fn show_quarantine(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<Json<Value>, ImageError> {
    let image = state
        .reports
        .quarantine_of(&ctx, &p.region, &p.image)
        .await?;
    let mut view = quarantine_view(&image);
    view["quarantined"] = json!(image.is_quarantined());
    Ok(Json(view))
}

/// `GET /glint/v1/reports`: the caller's account's reports, newest first (`status` filters).
async fn own_reports(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    uri: Uri,
) -> Result<Json<Value>, ImageError> {
    let status = status_filter(uri.query(), None)?;
    let reports = state.reports.own_reports(&ctx, status).await?;
    let views: Vec<Value> = reports.iter().map(own_view).collect();
    Ok(Json(json!({ "reports": views })))
}

/// `GET /glint/v1/reports/{id}`: one of the caller's account's reports.
async fn own_report(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(id): Path<String>,
) -> Result<Json<Value>, ImageError> {
    let report = state
        .reports
        .own_report(&ctx, &ReportId::parse(&id)?)
        .await?;
    Ok(Json(own_view(&report)))
}

/// `GET /glint/v1/admin/reports`: every report (open ones unless `status` says otherwise).
async fn operator_reports(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    uri: Uri,
) -> Result<Json<Value>, ImageError> {
    let operator = Operator::of(&ctx)?;
    let status = status_filter(uri.query(), Some(ReportStatus::Open))?;
    let found = state.reports.for_operators(&operator, status).await?;
    let views: Vec<Value> = found.iter().map(operator_view).collect();
    Ok(Json(json!({ "reports": views })))
}

/// `POST /glint/v1/admin/reports/{id}/dismiss` with `{"note"}`: 204.
async fn dismiss_report(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(id): Path<String>,
    raw: Bytes,
) -> Result<StatusCode, ImageError> {
    let operator = Operator::of(&ctx)?;
    let note = note(&raw)?;
    let id = ReportId::parse(&id)?;
    state.reports.dismiss(&operator, &id, &note).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /glint/v1/admin/images/{region}/{id}/quarantine` with `{"note"}`: 200 with the
/// quarantine.
async fn quarantine_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(path): Path<RawImage>,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let operator = Operator::of(&ctx)?;
    let note = note(&raw)?;
    let p = ImagePath::parse(path)?;
    let image = state
        .reports
        .quarantine(&operator, Some(&p.region), &p.image, &note)
        .await?;
    Ok(Json(quarantine_view(&image)))
}

/// `POST /glint/v1/admin/images/{region}/{id}/release`: 200; the image is active again.
async fn release_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<Json<Value>, ImageError> {
    let operator = Operator::of(&ctx)?;
    let image = state
        .reports
        .release(&operator, Some(&p.region), &p.image)
        .await?;
    Ok(Json(quarantine_view(&image)))
}
