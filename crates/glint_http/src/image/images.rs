//! `/v2/images` and `/v2/images/{id}`: create, show, update, delete, tags and the
//! deactivate/reactivate actions. Each handler extracts (parsing the path, the query and the
//! body into domain values), calls one service method, and renders.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glint_core::image::ImagePatch;
use glint_core::image::create::parse_create;
use glint_core::image::query::parse_list_query;

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::{body, views};
use crate::paths::{ImageItemPath, ImagePath, PathParams, RawRegion, RegionPath, Typed};
use crate::router::AppState;

/// `POST /v2/images`: 201 with the image and its `Location`.
pub(crate) async fn create_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(raw): Path<RawRegion>,
    body: Bytes,
) -> Result<Response, ImageError> {
    let new = parse_create(&body::json(&body)?, &state.images.settings().limits)?;
    let p = RegionPath::parse(raw)?;
    let image = state.images.create(&ctx, &p.region, new).await?;
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
                glint_app::images::IMPORT_METHODS.join(","),
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
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<Json<views::ImageView>, ImageError> {
    let image = state.images.get(&ctx, &p.region, &p.image).await?;
    Ok(Json(views::ImageView(image)))
}

/// `PATCH /v2/images/{id}`: 200 with the updated image.
pub(crate) async fn update_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Typed(p, _): Typed<ImagePath>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<views::ImageView>, ImageError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let patch = ImagePatch::parse(content_type, &body);
    let image = state
        .images
        .update(&ctx, &p.region, &p.image, patch)
        .await?;
    Ok(Json(views::ImageView(image)))
}

/// `DELETE /v2/images/{id}`: 204.
pub(crate) async fn delete_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<StatusCode, ImageError> {
    state.images.delete(&ctx, &p.region, &p.image).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v2/images/{id}/tags/{tag}`: 204.
pub(crate) async fn add_tag(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImageItemPath>,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .add_tag(&ctx, &p.at.region, &p.at.image, &p.item)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v2/images/{id}/tags/{tag}`: 204.
pub(crate) async fn remove_tag(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImageItemPath>,
) -> Result<StatusCode, ImageError> {
    state
        .images
        .remove_tag(&ctx, &p.at.region, &p.at.image, &p.item)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v2/images/{id}/actions/deactivate`: 204.
pub(crate) async fn deactivate_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<StatusCode, ImageError> {
    state.images.deactivate(&ctx, &p.region, &p.image).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v2/images/{id}/actions/reactivate`: 204.
pub(crate) async fn reactivate_image(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Typed(p, _): Typed<ImagePath>,
) -> Result<StatusCode, ImageError> {
    state.images.reactivate(&ctx, &p.region, &p.image).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v2/images`: a page of images with `first`, `schema` and (when full) `next` links.
pub(crate) async fn list_images(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(raw): Path<RawRegion>,
    uri: axum::http::Uri,
) -> Result<Json<views::ImageList>, ImageError> {
    let settings = state.images.settings();
    let query = parse_list_query(uri.query(), settings.default_page, settings.max_page)?;
    let p = RegionPath::parse(raw)?;
    let page = state.images.list(&ctx, &p.region, &query).await?;
    Ok(Json(views::ImageList {
        images: page.images.into_iter().map(views::ImageView).collect(),
        first: page.first,
        schema: "/v2/schemas/images",
        next: page.next,
    }))
}
