//! `/v2/images/{id}/file`, `/stage` and `/import`: image data streamed in and out. The headers
//! are read into domain values here; the service receives the data in a task of its own.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glint_app::images::IMPORT_METHODS;
use glint_app::{ByteRange, Incoming, RefusedData};
use glint_core::Error;
use glint_core::image::{DataMediaType, ImportRequest};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::paths::{ImagePath, PathParams, RawImage, Typed};
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

/// The store a request names (`X-Image-Meta-Store`).
fn store_header(headers: &HeaderMap) -> Option<String> {
    header_str(headers, "x-image-meta-store").map(|s| s.trim().to_owned())
}

fn media_type(headers: &HeaderMap) -> DataMediaType {
    DataMediaType::from_header(header_str(headers, header::CONTENT_TYPE.as_str()))
}

/// `PUT /v2/images/{id}/file`: 204 once the data is stored and the image is active.
pub(crate) async fn upload_data(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(raw): Path<RawImage>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ImageError> {
    let incoming = Incoming {
        declared_size: declared_size(&headers)?,
        media: media_type(&headers),
        store: store_header(&headers),
    };
    let p = ImagePath::parse(raw)?;
    state
        .images
        .upload(
            &ctx,
            &p.region,
            &p.image,
            incoming,
            RefusedData::KeepImage,
            body.into_data_stream(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v2/images/{id}/file`: 200 with the data, 206 for a range, 204 when there is none.
pub(crate) async fn download_data(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path(raw): Path<RawImage>,
    headers: HeaderMap,
) -> Result<Response, ImageError> {
    let range = parse_range(&headers)?;
    let p = ImagePath::parse(raw)?;
    let Some(download) = state
        .images
        .download(&ctx, &p.region, &p.image, range)
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
    Typed(p, _): Typed<ImagePath>,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ImageError> {
    let media = media_type(&headers);
    state
        .images
        .stage(&ctx, &p.region, &p.image, media, body.into_data_stream())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v2/images/{id}/import`: 202; the import finishes in the background, recorded as a
/// task that names this request's id.
pub(crate) async fn import_data(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path(path): Path<RawImage>,
    headers: HeaderMap,
    raw: Bytes,
) -> Result<Response, ImageError> {
    let request = body::json(&raw)?;
    let request = ImportRequest::parse(&request, IMPORT_METHODS).map(|r| ImportRequest {
        store_header: store_header(&headers),
        ..r
    });
    let p = ImagePath::parse(path)?;
    let request_id = crate::request_id::current().unwrap_or_default();
    state
        .images
        .import(&ctx, &p.region, &p.image, request, &request_id)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::Value::Null)).into_response())
}

/// `DELETE /v2/stores/{store_id}/{image_id}`: 204 once the image's data is off that store.
pub(crate) async fn delete_from_store(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((region, store_id, image_id)): Path<(String, String, String)>,
) -> Result<StatusCode, ImageError> {
    let p = ImagePath::parse((region, image_id))?;
    state
        .images
        .delete_from_store(&ctx, &p.region, &store_id, &p.image)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
