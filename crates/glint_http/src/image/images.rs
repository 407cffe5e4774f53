//! `/v2/images` and `/v2/images/{id}`: create, show, update, delete, tags and the
//! deactivate/reactivate actions. Each handler extracts, calls one service method, and renders.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glint_core::RegionName;
use serde::Deserialize;

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::{body, views};
use crate::router::AppState;

/// `{region}` in the path.
#[derive(Deserialize)]
pub(crate) struct RegionParams {
    region: String,
}

/// `{region}` and `{image_id}` in the path.
#[derive(Deserialize)]
pub(crate) struct ImageParams {
    region: String,
    image_id: String,
}

impl ImageParams {
    pub(crate) fn region(&self) -> &str {
        &self.region
    }

    pub(crate) fn image_id(&self) -> &str {
        &self.image_id
    }
}

/// `{region}`, `{image_id}` and `{tag}` in the path.
#[derive(Deserialize)]
pub(crate) struct TagParams {
    region: String,
    image_id: String,
    tag: String,
}

fn region(name: &str) -> RegionName {
    RegionName::from_trusted(name.to_owned())
}

/// `POST /v2/images`: 201 with the image and its `Location`.
pub(crate) async fn create_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<RegionParams>,
    body: Bytes,
) -> Result<Response, ImageError> {
    let request = body::json(&body)?;
    let image = state
        .images
        .create(&ctx, &region(&p.region), &request)
        .await?;
    let location = format!(
        "{}/v2/images/{}",
        state.catalog.image_url(&image.region),
        image.id
    );
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (
                header::HeaderName::from_static("openstack-image-import-methods"),
                "glance-direct".to_owned(),
            ),
        ],
        Json(views::ImageView(image)),
    )
        .into_response())
}

/// `GET /v2/images/{id}`.
pub(crate) async fn show_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<ImageParams>,
    _: NoBody,
) -> Result<Json<views::ImageView>, ImageError> {
    let image = state
        .images
        .get(&ctx, &region(&p.region), &p.image_id)
        .await?;
    Ok(Json(views::ImageView(image)))
}

/// `PATCH /v2/images/{id}`: 200 with the updated image.
pub(crate) async fn update_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<ImageParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<views::ImageView>, ImageError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let image = state
        .images
        .update(&ctx, &region(&p.region), &p.image_id, content_type, &body)
        .await?;
    Ok(Json(views::ImageView(image)))
}

/// `DELETE /v2/images/{id}`: 204.
pub(crate) async fn delete_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<ImageParams>,
    _: NoBody,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .delete(&ctx, &region(&p.region), &p.image_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v2/images/{id}/tags/{tag}`: 204.
pub(crate) async fn add_tag(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<TagParams>,
    _: NoBody,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .add_tag(&ctx, &region(&p.region), &p.image_id, &p.tag)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v2/images/{id}/tags/{tag}`: 204.
pub(crate) async fn remove_tag(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<TagParams>,
    _: NoBody,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .remove_tag(&ctx, &region(&p.region), &p.image_id, &p.tag)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v2/images/{id}/actions/deactivate`: 204.
pub(crate) async fn deactivate_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<ImageParams>,
    _: NoBody,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .deactivate(&ctx, &region(&p.region), &p.image_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v2/images/{id}/actions/reactivate`: 204.
pub(crate) async fn reactivate_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<ImageParams>,
    _: NoBody,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .reactivate(&ctx, &region(&p.region), &p.image_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v2/images`: a page of images with `first`, `schema` and (when full) `next` links.
pub(crate) async fn list_images(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<RegionParams>,
    uri: axum::http::Uri,
) -> Result<Json<views::ImageList>, ImageError> {
    let page = state
        .images
        .list(&ctx, &region(&p.region), uri.query())
        .await?;
    Ok(Json(views::ImageList {
        images: page.images.into_iter().map(views::ImageView).collect(),
        first: page.first,
        schema: "/v2/schemas/images",
        next: page.next,
    }))
}
