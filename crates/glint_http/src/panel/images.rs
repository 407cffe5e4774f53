//! Saved Images: the account's own images and accepted shares in the selected region(s), the
//! pending-share notification, uploading a new image (create, then stream the file with
//! progress), and deleting an own image.

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use glint_app::{Incoming, RefusedData};
use glint_core::image::create::NewImage;
use glint_core::image::{DISK_FORMATS, DataMediaType, Image};
use serde::{Deserialize, Serialize};

use super::reply::{Flash, PanelError, Reply, local_path, page};
use super::session::Session;
use super::views::{Chrome, ImageRow, Pending, RegionOption, Selection, region_options};
use super::{deprecation, format};
use crate::paths::{ImagePath, Typed, region};
use crate::router::AppState;

/// `?region=` of a page with a region selector.
#[derive(Debug, Deserialize)]
pub(crate) struct RegionQuery {
    pub region: Option<String>,
}

/// `/images/{region}/{image_id}`, parsed; the services refuse a region the account may not use.
pub(crate) type PanelImagePath = Typed<ImagePath, PanelError>;

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
    let pending = Pending::load(&state, &session, &regions).await?;
    let images: Vec<&Image> = saved.iter().map(|s| &s.image).collect();
    let notes = deprecation::notes(&state, &session.ctx, &images).await?;
    let removals = state.images.scheduled_removals(&session.ctx).await?;
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let here = format!("/images?region={}", selection.value());
    let upload_default = match &selection {
        Selection::One(r) => r.to_string(),
        Selection::All => String::new(),
    };
    let view = ImagesPage {
        chrome: Chrome::load(&state, &session, "Saved Images", "images", here)
            .await?
            .with_selector(&session, &selection)
            .with_flash(flash),
        rows: saved
            .iter()
            .map(|s| {
                ImageRow::new(&s.image, s.source).with_retirement(&notes, &removals, &s.image.id)
            })
            .collect(),
        pending,
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

/// Where the panel's script sends a new image's file, and where it goes once it is uploaded.
#[derive(Serialize)]
struct UploadTarget<'a> {
    id: &'a str,
    upload: String,
    done: String,
}

/// `POST /images`: creates the image record; answers with where to send its file.
pub(crate) async fn create_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Form(form): Form<NewImageForm>,
) -> Response {
    let new = region(form.region.trim()).and_then(|region| {
        NewImage::for_upload(form.name.trim(), &form.disk_format).map(|new| (region, new))
    });
    let created = match new {
        Ok((region, new)) => state.images.create(&session.ctx, &region, new).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(image) => reply.json(&UploadTarget {
            id: image.id.as_str(),
            upload: format!("/images/{}/{}/file", image.region, image.id),
            done: format!("/images?region={}", image.region),
        }),
        Err(e) => reply.failed(&e, "/images"),
    }
}

fn declared_size(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// `PUT /images/{region}/{id}/file`: streams the file into the image through the same service
/// call as the Image API's upload (data the format check refuses removes the new image again),
/// with the reason shown.
pub(crate) async fn upload_file(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let incoming = Incoming {
        media: DataMediaType::OctetStream,
        declared_size: declared_size(&headers),
        store: None,
    };
    let uploaded = state
        .images
        .upload(
            &session.ctx,
            &p.region,
            &p.image,
            incoming,
            RefusedData::DeleteImage,
            body.into_data_stream(),
        )
        .await;
    let back = format!("/images?region={}", p.region);
    match uploaded {
        Ok(image) => reply.done(
            &back,
            Flash::ok(format!(
                "Image {} is uploaded ({}) and ready to use.",
                format::name(image.name.as_deref()),
                format::size(image.size)
            )),
        ),
        Err(e) => reply.failed(&e, &back),
    }
}

/// `POST /images/{region}/{id}/delete`.
pub(crate) async fn delete_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
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
    match state.images.delete(&session.ctx, &p.region, &p.image).await {
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
