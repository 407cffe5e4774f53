//! Saved Images: the account's own images and accepted shares in the selected region(s), the
//! pending-share notification, uploading a new image (create, then stream the file with
//! progress), and deleting an own image.

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use glint_app::images::OCTET_STREAM;
use glint_core::image::{DISK_FORMATS, Image};
use glint_core::{Error, RegionName};
use serde::Deserialize;
use serde_json::json;

use super::format;
use super::reply::{Flash, PanelError, Reply, local_path, page};
use super::session::Session;
use super::views::{Chrome, ImageRow, Pending, RegionOption, Selection, region_options};
use crate::router::AppState;

/// `?region=` of a page with a region selector.
#[derive(Debug, Deserialize)]
pub(crate) struct RegionQuery {
    pub region: Option<String>,
}

/// `/images/{region}/{image_id}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ImagePath {
    pub region: String,
    pub image_id: String,
}

impl ImagePath {
    /// The region as the services take it; the services refuse one the account may not use.
    pub fn region(&self) -> RegionName {
        RegionName::from_trusted(self.region.clone())
    }
}

/// A form that only says where to come back to.
#[derive(Debug, Deserialize)]
pub(crate) struct NextForm {
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "images.html")]
pub(crate) struct ImagesPage {
    chrome: Chrome,
    rows: Vec<ImageRow>,
    pending: Pending,
    upload_regions: Vec<RegionOption>,
    disk_formats: Vec<RegionOption>,
    region_label: String,
}

/// `GET /images?region=`.
pub(crate) async fn saved_images(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<RegionQuery>,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    let selection = Selection::parse(&session, q.region.as_deref());
    let regions = selection.regions(&session);
    let saved = state.images.saved_images(&session.ctx, &regions).await?;
    let pending = super::trust::pending_with_reports(&state, &session.ctx, &regions).await?;
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let here = format!("/images?region={}", selection.value());
    let upload_default = match &selection {
        Selection::One(r) => r.to_string(),
        Selection::All => String::new(),
    };
    let view = ImagesPage {
        chrome: Chrome::new(&session, "Saved Images", "images", here)
            .with_selector(&session, &selection)
            .with_flash(flash),
        rows: saved
            .iter()
            .map(|s| ImageRow::new(&s.image, s.source))
            .collect(),
        pending: Pending::new(&session, pending),
        upload_regions: region_options(&session, &upload_default, false),
        disk_formats: DISK_FORMATS
            .iter()
            .map(|f| RegionOption {
                value: (*f).into(),
                label: (*f).into(),
                selected: *f == "qcow2",
            })
            .collect(),
        region_label: match &selection {
            Selection::All => super::views::ALL_REGIONS.into(),
            Selection::One(r) => r.to_string(),
        },
    };
    Ok(page(&view, shown))
}

/// The first step of an upload.
#[derive(Debug, Deserialize)]
pub(crate) struct NewImageForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    disk_format: String,
}

/// `POST /images`: creates the image record; answers with where to send its file.
pub(crate) async fn create_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Form(form): Form<NewImageForm>,
) -> Response {
    let region = RegionName::from_trusted(form.region.trim().to_owned());
    let body = json!({
        "name": form.name.trim(),
        "disk_format": form.disk_format,
        "container_format": "bare",
    });
    match state.images.create(&session.ctx, &region, &body).await {
        Ok(image) => reply.json(json!({
            "id": image.id.as_str(),
            "upload": format!("/images/{}/{}/file", image.region, image.id),
            "done": format!("/images?region={}", image.region),
        })),
        Err(e) => reply.failed(&e, "/images"),
    }
}

fn declared_size(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// `PUT /images/{region}/{id}/file`: streams the file into the image through
/// `ImageService::upload`, in its own task so that a closed tab still leaves the image queued.
/// Data the format check refuses removes the new image again, with the reason shown.
pub(crate) async fn upload_file(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(p): Path<ImagePath>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let region = p.region();
    let declared = declared_size(&headers);
    let images = state.images.clone();
    let ctx = session.ctx.clone();
    let id = p.image_id.clone();
    let stream = body.into_data_stream();
    let task = tokio::spawn(async move {
        images
            .upload(&ctx, &region, &id, Some(OCTET_STREAM), declared, stream)
            .await
    });
    let back = format!("/images?region={}", p.region);
    match task.await {
        Ok(Ok(image)) => reply.done(
            &back,
            Flash::ok(format!(
                "Image {} is uploaded ({}) and ready to use.",
                format::name(image.name.as_deref()),
                format::size(image.size)
            )),
        ),
        Ok(Err(e)) => {
            if matches!(e, Error::UnsupportedMediaType(_)) {
                // The data was refused by the format check: the empty image would only be in
                // the way of the next try (the openstack CLI removes it too).
                if let Err(left) = state
                    .images
                    .delete(&session.ctx, &p.region(), &p.image_id)
                    .await
                {
                    tracing::warn!(error = %left, "could not remove the refused upload's image");
                }
            }
            reply.failed(&e, &back)
        }
        Err(e) => reply.failed(&Error::Internal(format!("upload task: {e}")), &back),
    }
}

/// `POST /images/{region}/{id}/delete`.
pub(crate) async fn delete_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(p): Path<ImagePath>,
    Form(form): Form<NextForm>,
) -> Response {
    let fallback = format!("/images?region={}", p.region);
    let back = local_path(form.next.as_deref(), &fallback);
    // Deleting from the image's own page comes back to the list.
    let back = if back.starts_with(&format!("/images/{}/", p.region)) {
        fallback.as_str()
    } else {
        back
    };
    match state
        .images
        .delete(&session.ctx, &p.region(), &p.image_id)
        .await
    {
        Ok(image) => reply.done(
            back,
            Flash::ok(format!(
                "Image {} was deleted.",
                format::name(image.name.as_deref())
            )),
        ),
        Err(e) => reply.failed(&e, back),
    }
}

/// The name an action's message uses for an image.
pub(crate) fn label(image: &Image) -> String {
    format::name(image.name.as_deref())
}
