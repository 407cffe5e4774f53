//! The OpenStack Image API v2 at each region's endpoint (`/image/{region}`): version discovery,
//! images, tags, actions, data, import tasks, the legacy tasks API (`legacy_tasks`), members,
//! schemas and discovery info (with the account's usage), the metadata
//! definitions catalog (`metadefs`, the same under every region), and Glint's own
//! extensions: an image's trust report (`…/glint-inspection`), its usage report and scheduled
//! removals of shares (`retirement`), shares with groups of accounts (`group_shares`), and
//! copies to another region (`region_copy`); and Glance's cache API for this node (`cache`).

pub(crate) mod body;
mod cache;
mod data;
mod group_shares;
mod images;
mod legacy_tasks;
mod members;
mod metadefs;
mod negotiate_errors;
mod region_copy;
mod retirement;
mod schemas;
mod tasks;
mod trust;
mod versions;
mod views;

use axum::Router;
use axum::routing::{delete, get, post, put};

use crate::router::AppState;

pub(crate) use negotiate_errors::negotiate_errors;
pub(crate) use versions::negotiate;
pub(crate) use views::member as member_view;

/// The Image API routes, under `/image/{region}`.
pub(crate) fn routes() -> Router<AppState> {
    let v2 = "/image/{region}/v2";
    Router::new()
        .route("/image/{region}/versions", get(versions::list_versions))
        .route(
            &format!("{v2}/images"),
            get(images::list_images).post(images::create_image),
        )
        .route(
            &format!("{v2}/images/{{image_id}}"),
            get(images::show_image)
                .patch(images::update_image)
                .delete(images::delete_image),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/tags/{{tag}}"),
            put(images::add_tag).delete(images::remove_tag),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/actions/deactivate"),
            post(images::deactivate_image),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/actions/reactivate"),
            post(images::reactivate_image),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/actions/glint-copy-to-region"),
            post(region_copy::copy_to_region),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/file"),
            put(data::upload_data).get(data::download_data),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/stage"),
            put(data::stage_data),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/import"),
            post(data::import_data),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/tasks"),
            get(tasks::list_image_tasks),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/glint-inspection"),
            get(trust::show_inspection),
        )
        .route(
            &format!("{v2}/tasks"),
            get(legacy_tasks::list_tasks).post(legacy_tasks::create_task),
        )
        .route(
            &format!("{v2}/tasks/{{task_id}}"),
            get(legacy_tasks::show_task),
        )
        .route(
            &format!("{v2}/schemas/task"),
            get(legacy_tasks::task_schema),
        )
        .route(
            &format!("{v2}/schemas/tasks"),
            get(legacy_tasks::tasks_schema),
        )
        .route(&format!("{v2}/info/usage"), get(schemas::usage_info))
        .route(&format!("{v2}/schemas/image"), get(schemas::image))
        .route(&format!("{v2}/schemas/images"), get(schemas::images))
        .route(&format!("{v2}/schemas/member"), get(schemas::member))
        .route(&format!("{v2}/schemas/members"), get(schemas::members))
        .route(
            &format!("{v2}/schemas/metadefs/{{name}}"),
            get(schemas::metadef),
        )
        .route(&format!("{v2}/info/import"), get(schemas::import_info))
        .route(&format!("{v2}/info/stores"), get(schemas::stores_info))
        .route(
            &format!("{v2}/info/stores/detail"),
            get(schemas::stores_detail),
        )
        .route(
            &format!("{v2}/stores/{{store_id}}/{{image_id}}"),
            delete(data::delete_from_store),
        )
        .merge(member_routes())
        .merge(cache_routes())
        .merge(metadefs::routes())
}

/// Glance's cache API: this node's cache of image data.
fn cache_routes() -> Router<AppState> {
    let v2 = "/image/{region}/v2";
    Router::new()
        .route(
            &format!("{v2}/cache"),
            get(cache::list_cache).delete(cache::clear_cache),
        )
        .route(&format!("{v2}/cache/clean"), post(cache::clean_cache))
        .route(&format!("{v2}/cache/prune"), post(cache::prune_cache))
        .route(
            &format!("{v2}/cache/{{image_id}}"),
            put(cache::queue_image).delete(cache::delete_entry),
        )
}

/// The member routes: sharing, answers, removal and reminders.
fn member_routes() -> Router<AppState> {
    let v2 = "/image/{region}/v2";
    Router::new()
        .route(
            &format!("{v2}/images/{{image_id}}/members"),
            get(members::list_members).post(members::add_member),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/members/{{member_id}}"),
            get(members::show_member)
                .put(members::update_member)
                .delete(members::remove_member),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/members/{{member_id}}/actions/glint-remind"),
            post(members::remind_member),
        )
        .route(
            &format!(
                "{v2}/images/{{image_id}}/members/{{member_id}}/actions/glint-schedule-removal"
            ),
            post(retirement::schedule_removal).delete(retirement::cancel_removal),
        )
        .route(
            &format!(
                "{v2}/images/{{image_id}}/members/{{member_id}}/actions/glint-accept-override"
            ),
            post(crate::sharing_policy::accept_with_override),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/glint-group-shares"),
            get(group_shares::list_group_shares).post(group_shares::share_with_group),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/glint-group-shares/{{group_id}}"),
            delete(group_shares::unshare_group),
        )
        .route(
            &format!("{v2}/images/{{image_id}}/glint-usage"),
            get(retirement::show_usage),
        )
        .route(
            "/glint/v1/servers-on-deprecated-images",
            get(retirement::servers_on_deprecated_images),
        )
}
