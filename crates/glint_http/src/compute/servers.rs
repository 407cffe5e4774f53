//! `/compute/{region}/v2.1/servers…` and `/flavors…`: each handler extracts, calls one compute
//! service method, and renders Nova's shapes.

use std::collections::BTreeMap;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glint_app::{NewServer, ServerFilter};
use glint_core::{Error, RegionName};
use serde_json::{Value, json};

use crate::compute::versions::Microversion;
use crate::compute::views;
use crate::error::ComputeError;
use crate::extract::IdentityCaller;
use crate::paths::{PathParams, RawRegion, RawRegionItem, RegionItemPath, RegionPath, Typed};
use crate::router::AppState;

fn base(state: &AppState, region: &RegionName) -> String {
    state.catalog.compute_url(region)
}

fn body_json(raw: &[u8]) -> Result<Value, Error> {
    serde_json::from_slice::<Value>(raw)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| Error::InvalidInput("The request body must be a JSON object.".into()))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `GET /flavors` and `/flavors/detail`.
pub(crate) async fn list_flavors(
    State(state): State<AppState>,
    IdentityCaller(_ctx): IdentityCaller,
    Typed(r, _): Typed<RegionPath, ComputeError>,
    uri: axum::http::Uri,
) -> Json<Value> {
    let base = base(&state, &r.region);
    let detail = uri.path().ends_with("/detail");
    let flavors: Vec<Value> = state
        .compute
        .flavors()
        .iter()
        .map(|f| {
            if detail {
                views::flavor(&base, f)
            } else {
                views::flavor_brief(&base, f)
            }
        })
        .collect();
    Json(json!({"flavors": flavors}))
}

/// `GET /flavors/{id}`.
pub(crate) async fn show_flavor(
    State(state): State<AppState>,
    IdentityCaller(_ctx): IdentityCaller,
    Typed(p, _): Typed<RegionItemPath, ComputeError>,
) -> Result<Json<Value>, ComputeError> {
    let flavor = state.compute.flavor(&p.id)?;
    Ok(Json(
        json!({"flavor": views::flavor(&base(&state, &p.region), flavor)}),
    ))
}

/// `POST /servers`: 202 with the new server's id and links.
pub(crate) async fn create_server(
    State(state): State<AppState>,
    IdentityCaller(ctx): IdentityCaller,
    Path(path): Path<RawRegion>,
    raw: Bytes,
) -> Result<Response, ComputeError> {
    let body = body_json(&raw)?;
    let s = body
        .get("server")
        .filter(|s| s.is_object())
        .ok_or_else(|| Error::InvalidInput("Missing 'server' in the request body.".into()))?;
    let networks = match s.get("networks") {
        None => "auto".to_owned(),
        Some(Value::String(n)) => n.clone(),
        Some(Value::Array(list)) if list.is_empty() => "none".to_owned(),
        Some(_) => {
            return Err(Error::InvalidInput(
                "Glint attaches no networks: give networks as \"none\" or \"auto\".".into(),
            )
            .into());
        }
    };
    let new = NewServer {
        name: text(s, "name").unwrap_or_default(),
        image_ref: text(s, "imageRef").ok_or_else(|| {
            Error::InvalidInput("Glint boots servers from images: give imageRef.".into())
        })?,
        flavor_ref: text(s, "flavorRef")
            .ok_or_else(|| Error::InvalidInput("Missing flavorRef.".into()))?,
        networks,
    };
    let region = RegionPath::parse(path)?.region;
    let server = state.compute.create(&ctx, &region, new).await?;
    let base = base(&state, &region);
    let location = format!("{base}/servers/{}", server.id);
    let mut response = (
        StatusCode::ACCEPTED,
        Json(json!({"server": {
            "id": server.id,
            "links": [{"rel": "self", "href": location}, {"rel": "bookmark", "href": location}],
            "OS-DCF:diskConfig": "MANUAL",
            "security_groups": [],
            "adminPass": "",
        }})),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// `GET /servers` and `/servers/detail`, with the CLI's filters.
pub(crate) async fn list_servers(
    State(state): State<AppState>,
    IdentityCaller(ctx): IdentityCaller,
    Typed(r, _): Typed<RegionPath, ComputeError>,
    Query(query): Query<BTreeMap<String, String>>,
    uri: axum::http::Uri,
) -> Result<Json<Value>, ComputeError> {
    let region = r.region;
    let filter = ServerFilter {
        name: query.get("name").cloned(),
        status: query.get("status").cloned(),
        image: query.get("image").cloned(),
        flavor: query.get("flavor").cloned(),
    };
    let servers = state.compute.list(&ctx, &region, &filter).await?;
    let base = base(&state, &region);
    let image_base = state.catalog.image_url(&region);
    let detail = uri.path().ends_with("/detail");
    let list: Vec<Value> = servers
        .iter()
        .map(|s| {
            if detail {
                views::server(&base, &image_base, s)
            } else {
                json!({"id": s.id, "name": s.name, "links": [{"rel": "self", "href": format!("{base}/servers/{}", s.id)}]})
            }
        })
        .collect();
    Ok(Json(json!({"servers": list})))
}

/// `GET /servers/{id}`.
pub(crate) async fn show_server(
    State(state): State<AppState>,
    IdentityCaller(ctx): IdentityCaller,
    Typed(p, _): Typed<RegionItemPath, ComputeError>,
) -> Result<Json<Value>, ComputeError> {
    let region = p.region;
    let server = state.compute.get(&ctx, &region, &p.id).await?;
    Ok(Json(
        json!({"server": views::server(&base(&state, &region), &state.catalog.image_url(&region), &server)}),
    ))
}

/// `DELETE /servers/{id}`: 204.
pub(crate) async fn delete_server(
    State(state): State<AppState>,
    IdentityCaller(ctx): IdentityCaller,
    Typed(p, _): Typed<RegionItemPath, ComputeError>,
) -> Result<StatusCode, ComputeError> {
    state.compute.delete(&ctx, &p.region, &p.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /servers/{id}/action`: `rebuild` and `createImage`.
pub(crate) async fn server_action(
    State(state): State<AppState>,
    IdentityCaller(ctx): IdentityCaller,
    Extension(version): Extension<Microversion>,
    Path(path): Path<RawRegionItem>,
    raw: Bytes,
) -> Result<Response, ComputeError> {
    let body = body_json(&raw)?;
    let p = RegionItemPath::parse(path)?;
    if let Some(rebuild) = body.get("rebuild") {
        let image = text(rebuild, "imageRef")
            .ok_or_else(|| Error::InvalidInput("rebuild needs imageRef.".into()))?;
        let server = state
            .compute
            .rebuild(&ctx, &p.region, &p.id, &image)
            .await?;
        let mut view = views::server(
            &base(&state, &p.region),
            &state.catalog.image_url(&p.region),
            &server,
        );
        if let Some(obj) = view.as_object_mut() {
            obj.insert("adminPass".into(), Value::String(String::new()));
        }
        return Ok((StatusCode::ACCEPTED, Json(json!({"server": view}))).into_response());
    }
    if let Some(create) = body.get("createImage") {
        let name = text(create, "name")
            .ok_or_else(|| Error::InvalidInput("createImage needs a name.".into()))?;
        let metadata = metadata(create)?;
        let image = state
            .compute
            .create_image(&ctx, &p.region, &p.id, &name, metadata)
            .await?;
        let location = format!("{}/v2/images/{image}", state.catalog.image_url(&p.region));
        let mut response = if version >= Microversion(2, 45) {
            (
                StatusCode::ACCEPTED,
                Json(json!({"image_id": image.as_str()})),
            )
                .into_response()
        } else {
            StatusCode::ACCEPTED.into_response()
        };
        if let Ok(v) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(response);
    }
    Err(
        Error::InvalidInput("Glint supports the server actions rebuild and createImage.".into())
            .into(),
    )
}

/// `createImage`'s `metadata`: an object of strings, or nothing.
fn metadata(create: &Value) -> Result<BTreeMap<String, String>, Error> {
    match create.get("metadata") {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| (k.clone(), v.to_owned()))
                    .ok_or_else(|| {
                        Error::InvalidInput(format!("Metadata value of '{k}' must be a string."))
                    })
            })
            .collect(),
        Some(_) => Err(Error::InvalidInput(
            "metadata must be an object of strings.".into(),
        )),
    }
}
