//! `/v2/metadefs/…`: Glance's metadata definitions catalog (namespaces, resource types and
//! associations, properties, objects, tags). Metadefs are cloud-wide: every region's endpoint
//! serves the same catalog and the region segment is not consulted, as for `/v2/schemas`.
//! Every rule is `MetadefService`'s; `contents` has the handlers of what a namespace holds.

mod contents;
mod views;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::routing::{get, post};
use glint_core::image::query::decode_pairs;
use glint_core::metadef::{DefinitionDocument, NamespaceFields, NamespaceQuery};
use serde_json::{Value, json};

use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::router::AppState;

/// The metadefs routes, under `/image/{region}/v2/metadefs`.
pub(crate) fn routes() -> Router<AppState> {
    let ns = "/image/{region}/v2/metadefs/namespaces/{namespace}";
    Router::new()
        .route(
            "/image/{region}/v2/metadefs/namespaces",
            get(list_namespaces).post(create_namespace),
        )
        .route(
            ns,
            get(show_namespace)
                .put(update_namespace)
                .delete(delete_namespace),
        )
        .route(
            "/image/{region}/v2/metadefs/resource_types",
            get(contents::list_resource_types),
        )
        .route(
            &format!("{ns}/resource_types"),
            get(contents::list_associations).post(contents::associate),
        )
        .route(
            &format!("{ns}/resource_types/{{name}}"),
            axum::routing::delete(contents::dissociate),
        )
        .route(
            &format!("{ns}/properties"),
            get(contents::list_properties)
                .post(contents::create_property)
                .delete(contents::delete_properties),
        )
        .route(
            &format!("{ns}/properties/{{name}}"),
            get(contents::show_property)
                .put(contents::update_property)
                .delete(contents::delete_property),
        )
        .route(
            &format!("{ns}/objects"),
            get(contents::list_objects)
                .post(contents::create_object)
                .delete(contents::delete_objects),
        )
        .route(
            &format!("{ns}/objects/{{name}}"),
            get(contents::show_object)
                .put(contents::update_object)
                .delete(contents::delete_object),
        )
        .route(
            &format!("{ns}/tags"),
            get(contents::list_tags)
                .post(contents::create_tags)
                .delete(contents::delete_tags),
        )
        .route(
            &format!("{ns}/tags/{{name}}"),
            post(contents::create_tag)
                .get(contents::show_tag)
                .put(contents::update_tag)
                .delete(contents::delete_tag),
        )
}

/// `GET /v2/metadefs/namespaces`: the namespaces the caller may see, a page at a time.
async fn list_namespaces(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    uri: Uri,
) -> Result<Json<Value>, ImageError> {
    let pairs = decode_pairs(uri.query().unwrap_or_default());
    let query = NamespaceQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let (page, next) = state.metadefs.list_namespaces(&ctx, &query).await?;
    let mut doc = json!({
        "namespaces": page.iter().map(views::listed).collect::<Vec<_>>(),
        "first": "/v2/metadefs/namespaces",
        "schema": "/v2/schemas/metadefs/namespaces",
    });
    if let Some(marker) = next {
        doc["next"] = json!(query.next_link(&marker));
    }
    Ok(Json(doc))
}

/// `POST /v2/metadefs/namespaces`: 201 with the namespace and what it was created with.
async fn create_namespace(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    raw: Bytes,
) -> Result<(StatusCode, Json<Value>), ImageError> {
    let document = DefinitionDocument::parse(&body::json(&raw)?)?;
    let created = state.metadefs.create_namespace(&ctx, &document).await?;
    Ok((StatusCode::CREATED, Json(views::detail(&created))))
}

/// `GET /v2/metadefs/namespaces/{namespace}[?resource_type=…]`: the namespace with everything
/// it holds, property names prefixed as the resource type sees them.
async fn show_namespace(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_region, ns)): Path<(String, String)>,
    uri: Uri,
) -> Result<Json<Value>, ImageError> {
    let pairs = decode_pairs(uri.query().unwrap_or_default());
    let resource_type = pairs
        .iter()
        .find(|(k, _)| k == "resource_type")
        .map(|(_, v)| v.as_str());
    let detail = state
        .metadefs
        .show_namespace(&ctx, &ns, resource_type)
        .await?;
    Ok(Json(views::detail(&detail)))
}

/// `PUT /v2/metadefs/namespaces/{namespace}`: replaces its fields (a rename included).
async fn update_namespace(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path((_region, ns)): Path<(String, String)>,
    raw: Bytes,
) -> Result<Json<Value>, ImageError> {
    let fields = NamespaceFields::from_update(&body::json(&raw)?)?;
    let updated = state.metadefs.update_namespace(&ctx, &ns, &fields).await?;
    Ok(Json(Value::Object(views::namespace(&updated))))
}

/// `DELETE /v2/metadefs/namespaces/{namespace}`: 204; 403 while protected.
async fn delete_namespace(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_region, ns)): Path<(String, String)>,
) -> Result<StatusCode, ImageError> {
    state.metadefs.delete_namespace(&ctx, &ns).await?;
    Ok(StatusCode::NO_CONTENT)
}
