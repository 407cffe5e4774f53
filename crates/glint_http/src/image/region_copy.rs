//! `POST /image/{region}/v2/images/{id}/actions/glint-copy-to-region` with `{"region", "name"}`:
//! Glint's extension that copies an image to another region of its owner. 202 with the copy
//! (in the Image API's image shape, `queued`, then `importing`, then `active`) and its URL in
//! `Location`. Every rule is `ImageService::copy_to_region`'s.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use glint_core::image::region_copy::request_from_json;

use super::{body, views};
use crate::error::ImageError;
use crate::extract::ImageCaller;
use crate::paths::{ImagePath, Typed};
use crate::router::AppState;

pub(crate) async fn copy_to_region(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Typed(p, _): Typed<ImagePath>,
    raw: Bytes,
) -> Result<Response, ImageError> {
    let (target, name) = request_from_json(&body::json(&raw)?)?;
    let copy = state
        .images
        .copy_to_region(&ctx, &p.region, &p.image, &target, name)
        .await?;
    let location = format!(
        "{}/v2/images/{}",
        state.catalog.image_url(&copy.region),
        copy.id
    );
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(views::ImageView(copy)),
    )
        .into_response())
}
