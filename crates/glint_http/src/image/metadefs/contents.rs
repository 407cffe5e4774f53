//! Handlers of what a namespace holds: `…/resource_types`, `…/properties`, `…/objects` and
//! `…/tags` (with create-multiple, which replaces the namespace's tags unless
//! `X-Openstack-Append: true`), and the `/v2/metadefs/resource_types` list. Creates answer 201,
//! deletes 204.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use glint_core::metadef::{AssociationFields, ObjectFields, PropertyFields, TagsBody, tag_name};
use serde_json::{Value, json};

use super::views;
use crate::error::ImageError;
use crate::extract::{ImageCaller, NoBody};
use crate::image::body;
use crate::router::AppState;

/// `{region}` and `{namespace}`.
type Namespace = Path<(String, String)>;
/// `{region}`, `{namespace}` and the name of something in it.
type Item = Path<(String, String, String)>;
type Answer = Result<Json<Value>, ImageError>;
type Created = Result<(StatusCode, Json<Value>), ImageError>;
type Deleted = Result<StatusCode, ImageError>;

/// `GET /v2/metadefs/resource_types`.
pub(super) async fn list_resource_types(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
) -> Answer {
    let types = state.metadefs.resource_types(&ctx).await?;
    let types: Vec<Value> = types.iter().map(views::resource_type).collect();
    Ok(Json(json!({"resource_types": types})))
}

/// `GET …/resource_types`: the namespace's associations.
pub(super) async fn list_associations(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns)): Namespace,
) -> Answer {
    let found = state.metadefs.associations(&ctx, &ns).await?;
    let found: Vec<Value> = found.iter().map(views::association).collect();
    Ok(Json(json!({"resource_type_associations": found})))
}

/// `POST …/resource_types`.
pub(super) async fn associate(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path((_, ns)): Namespace,
    raw: Bytes,
) -> Created {
    let fields = AssociationFields::parse(&body::json(&raw)?)?;
    let made = state.metadefs.associate(&ctx, &ns, &fields).await?;
    Ok((StatusCode::CREATED, Json(views::association(&made))))
}

/// `DELETE …/resource_types/{name}`.
pub(super) async fn dissociate(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns, name)): Item,
) -> Deleted {
    state.metadefs.dissociate(&ctx, &ns, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET …/properties`: `{"properties": {name: definition}}`.
pub(super) async fn list_properties(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns)): Namespace,
) -> Answer {
    let found = state.metadefs.properties(&ctx, &ns).await?;
    Ok(Json(json!({"properties": views::properties(&found)})))
}

/// `POST …/properties`.
pub(super) async fn create_property(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path((_, ns)): Namespace,
    raw: Bytes,
) -> Created {
    let fields = PropertyFields::parse(&body::json(&raw)?)?;
    let made = state
        .metadefs
        .put_property(&ctx, &ns, &fields, None)
        .await?;
    Ok((StatusCode::CREATED, Json(views::property(&made))))
}

/// `GET …/properties/{name}`.
pub(super) async fn show_property(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns, name)): Item,
) -> Answer {
    let found = state.metadefs.property(&ctx, &ns, &name).await?;
    Ok(Json(views::property(&found)))
}

/// `PUT …/properties/{name}`: replaces the definition (a rename included).
pub(super) async fn update_property(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path((_, ns, name)): Item,
    raw: Bytes,
) -> Answer {
    let fields = PropertyFields::parse(&body::json(&raw)?)?;
    let put = state
        .metadefs
        .put_property(&ctx, &ns, &fields, Some(&name))
        .await?;
    Ok(Json(views::property(&put)))
}

/// `DELETE …/properties/{name}`.
pub(super) async fn delete_property(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns, name)): Item,
) -> Deleted {
    state
        .metadefs
        .delete_properties(&ctx, &ns, Some(&name))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE …/properties`: every property of the namespace.
pub(super) async fn delete_properties(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns)): Namespace,
) -> Deleted {
    state.metadefs.delete_properties(&ctx, &ns, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET …/objects`.
pub(super) async fn list_objects(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns)): Namespace,
) -> Answer {
    let found = state.metadefs.objects(&ctx, &ns).await?;
    let found: Vec<Value> = found.iter().map(|o| views::object(&ns, o)).collect();
    Ok(Json(
        json!({"objects": found, "schema": "/v2/schemas/metadefs/objects"}),
    ))
}

/// `POST …/objects`.
pub(super) async fn create_object(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path((_, ns)): Namespace,
    raw: Bytes,
) -> Created {
    let fields = ObjectFields::parse(&body::json(&raw)?)?;
    let made = state.metadefs.put_object(&ctx, &ns, &fields, None).await?;
    Ok((StatusCode::CREATED, Json(views::object(&ns, &made))))
}

/// `GET …/objects/{name}`.
pub(super) async fn show_object(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns, name)): Item,
) -> Answer {
    let found = state.metadefs.object(&ctx, &ns, &name).await?;
    Ok(Json(views::object(&ns, &found)))
}

/// `PUT …/objects/{name}`: replaces the definition (a rename included).
pub(super) async fn update_object(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path((_, ns, name)): Item,
    raw: Bytes,
) -> Answer {
    let fields = ObjectFields::parse(&body::json(&raw)?)?;
    let put = state
        .metadefs
        .put_object(&ctx, &ns, &fields, Some(&name))
        .await?;
    Ok(Json(views::object(&ns, &put)))
}

/// `DELETE …/objects/{name}`.
pub(super) async fn delete_object(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns, name)): Item,
) -> Deleted {
    state
        .metadefs
        .delete_objects(&ctx, &ns, Some(&name))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE …/objects`: every object of the namespace.
pub(super) async fn delete_objects(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns)): Namespace,
) -> Deleted {
    state.metadefs.delete_objects(&ctx, &ns, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET …/tags`.
pub(super) async fn list_tags(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns)): Namespace,
) -> Answer {
    let found = state.metadefs.tags(&ctx, &ns).await?;
    let found: Vec<Value> = found.iter().map(views::tag).collect();
    Ok(Json(json!({"tags": found})))
}

/// `POST …/tags` `{"tags": [{"name"}, …]}`: replaces the namespace's tags, or adds to them with
/// `X-Openstack-Append: true`.
pub(super) async fn create_tags(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path((_, ns)): Namespace,
    headers: HeaderMap,
    raw: Bytes,
) -> Created {
    let names = TagsBody::names(&body::json(&raw)?)?;
    let append = headers
        .get("x-openstack-append")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"));
    let made = state.metadefs.add_tags(&ctx, &ns, &names, append).await?;
    let made: Vec<Value> = made.iter().map(views::tag).collect();
    Ok((StatusCode::CREATED, Json(json!({"tags": made}))))
}

/// `POST …/tags/{name}`: adds one tag (any body is ignored, as Glance does).
pub(super) async fn create_tag(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path((_, ns, name)): Item,
) -> Created {
    let name = tag_name(&name)?;
    let made = state
        .metadefs
        .add_tags(&ctx, &ns, std::slice::from_ref(&name), true)
        .await?;
    let made = made
        .first()
        .map(views::tag)
        .unwrap_or(json!({"name": name}));
    Ok((StatusCode::CREATED, Json(made)))
}

/// `GET …/tags/{name}`.
pub(super) async fn show_tag(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns, name)): Item,
) -> Answer {
    let found = state.metadefs.tag(&ctx, &ns, &name).await?;
    Ok(Json(views::tag(&found)))
}

/// `PUT …/tags/{name}` `{"name"}`: renames the tag.
pub(super) async fn update_tag(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    Path((_, ns, name)): Item,
    raw: Bytes,
) -> Answer {
    let new = TagsBody::rename(&body::json(&raw)?)?;
    let renamed = state.metadefs.rename_tag(&ctx, &ns, &name, &new).await?;
    Ok(Json(views::tag(&renamed)))
}

/// `DELETE …/tags/{name}`.
pub(super) async fn delete_tag(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns, name)): Item,
) -> Deleted {
    state.metadefs.delete_tags(&ctx, &ns, Some(&name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE …/tags`: every tag of the namespace.
pub(super) async fn delete_tags(
    State(state): State<AppState>,
    ImageCaller(ctx): ImageCaller,
    _: NoBody,
    Path((_, ns)): Namespace,
) -> Deleted {
    state.metadefs.delete_tags(&ctx, &ns, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
