//! `/v2/images/{id}/file`, `/stage` and `/import`: image data streamed in and out. Uploads run
//! in their own task, so a client that hangs up mid-way still leaves the image `queued` again.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glint_app::ByteRange;
use glint_core::{Error, RegionName};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::image::images::ImageParams;
use crate::router::AppState;

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The size the client says it sends: `x-openstack-image-size`, else `Content-Length`.
fn declared_size(headers: &HeaderMap) -> Result<Option<u64>, Error> {
    let Some(value) = header_str(headers, "x-openstack-image-size")
        .or_else(|| header_str(headers, header::CONTENT_LENGTH.as_str()))
    else {
        return Ok(None);
    };
    value
        .trim()
        .parse::<u64>()
        .map(Some)
        .map_err(|_| Error::InvalidInput(format!("Invalid image size '{value}'.")))
}

/// Parses `Range: bytes=…`: one range only (400 for several), 416 when unreadable.
fn parse_range(headers: &HeaderMap) -> Result<Option<ByteRange>, Error> {
    let Some(value) = header_str(headers, header::RANGE.as_str()) else {
        return Ok(None);
    };
    let unreadable = || Error::RangeNotSatisfiable(format!("The Range '{value}' cannot be read."));
    let spec = value.trim().strip_prefix("bytes=").ok_or_else(unreadable)?;
    if spec.contains(',') {
        return Err(Error::InvalidInput(
            "Multiple ranges are not supported.".into(),
        ));
    }
    let (a, b) = spec.split_once('-').ok_or_else(unreadable)?;
    let number = |s: &str| s.trim().parse::<u64>().map_err(|_| unreadable());
    Ok(Some(match (a.trim().is_empty(), b.trim().is_empty()) {
        (false, false) => ByteRange::FromTo(number(a)?, number(b)?),
        (false, true) => ByteRange::From(number(a)?),
        (true, false) => ByteRange::Last(number(b)?),
        (true, true) => return Err(unreadable()),
    }))
}

fn joined(result: Result<Result<(), Error>, tokio::task::JoinError>) -> Result<(), ImageError> {
    match result {
        Ok(inner) => inner.map_err(ImageError::from),
        Err(e) => Err(Error::Internal(format!("upload task: {e}")).into()),
    }
}

/// `PUT /v2/images/{id}/file`: 204 once the data is stored and the image is active.
pub(crate) async fn upload_data(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<ImageParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ImageError> {
    let declared = declared_size(&headers)?;
    let content_type = header_str(&headers, header::CONTENT_TYPE.as_str()).map(str::to_owned);
    let region = RegionName::from_trusted(p.region().to_owned());
    let id = p.image_id().to_owned();
    let images = state.images.clone();
    let stream = body.into_data_stream();
    let task = tokio::spawn(async move {
        images
            .upload(
                &ctx,
                &region,
                &id,
                content_type.as_deref(),
                declared,
                stream,
            )
            .await
            .map(|_| ())
    });
    joined(task.await)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v2/images/{id}/file`: 200 with the data, 206 for a range, 204 when there is none.
pub(crate) async fn download_data(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<ImageParams>,
    headers: HeaderMap,
    _: NoBody,
) -> Result<Response, ImageError> {
    let range = parse_range(&headers)?;
    let region = RegionName::from_trusted(p.region().to_owned());
    let Some(download) = state
        .images
        .download(&ctx, &region, p.image_id(), range)
        .await?
    else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let (object_size, span, length) = (
        download.stream.object_size(),
        download.stream.range(),
        download.stream.len(),
    );
    let partial = range.is_some();
    let mut response = Response::new(Body::from_stream(download.stream));
    *response.status_mut() = if partial {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if partial {
        let value = format!(
            "bytes {}-{}/{object_size}",
            span.start,
            span.end.saturating_sub(1)
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(header::CONTENT_RANGE, v);
        }
    } else if let Some(v) = download
        .checksum
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        headers.insert("content-md5", v);
    }
    Ok(response)
}

/// `PUT /v2/images/{id}/stage`: 204 once the data is staged.
pub(crate) async fn stage_data(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<ImageParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ImageError> {
    let content_type = header_str(&headers, header::CONTENT_TYPE.as_str()).map(str::to_owned);
    let region = RegionName::from_trusted(p.region().to_owned());
    let id = p.image_id().to_owned();
    let images = state.images.clone();
    let stream = body.into_data_stream();
    let task = tokio::spawn(async move {
        images
            .stage(&ctx, &region, &id, content_type.as_deref(), stream)
            .await
    });
    joined(task.await)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v2/images/{id}/import`: 202; the import finishes in the background.
pub(crate) async fn import_data(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(p): Path<ImageParams>,
    raw: Bytes,
) -> Result<Response, ImageError> {
    let request = body::json(&raw)?;
    let region = RegionName::from_trusted(p.region().to_owned());
    state
        .images
        .import(&ctx, &region, p.image_id(), &request)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::Value::Null)).into_response())
}
