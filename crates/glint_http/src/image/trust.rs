//! `GET /v2/images/{id}/glint-inspection`: Glint's extension to the Image API, the image's
//! trust report (who could log in to a server built from it), for anyone who may see the image.

use axum::Json;
use axum::extract::State;
use glint_app::TrustReportView;
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::paths::{ImagePath, Typed};
use crate::router::AppState;

/// `GET /v2/images/{id}/glint-inspection`: 200 with the report, or its state while pending.
pub(crate) async fn show_inspection(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<Json<Value>, ImageError> {
    let view = state.images.trust_report(&ctx, &p.region, &p.image).await?;
    Ok(Json(inspection(&view)))
}

/// The wire view: state and warnings first, then the findings.
pub(crate) fn inspection(view: &TrustReportView) -> Value {
    let complete = view.report.is_some();
    json!({
        "image_id": view.image_id.as_str(),
        "status": view.state.as_str(),
        "detected_format": view.detected_format,
        "queued_at": view.queued_at.map(|t| t.to_glance()),
        "inspected_at": view.finished_at.map(|t| t.to_glance()),
        "clean": complete.then_some(view.warnings.is_empty()),
        "warnings": view.warnings,
        "report": view.report,
    })
}
