//! The Control Panel: server-rendered pages (askama, auto-escaped) for the seed article's image
//! sharing workflow, over the same services as the APIs. Handlers only read the session, call
//! one service and render its result or its message; every rule stays in `glint_app`.

mod account;
mod activation;
mod assets;
mod auth;
mod cookies;
mod csrf;
mod deprecation;
mod detail;
mod event_text;
mod format;
mod group_sharing;
mod groups;
mod images;
mod notifications;
mod policy_verdict;
mod region_copy;
mod reminders;
mod removals;
mod reply;
mod reports;
mod servers;
mod session;
mod shares;
mod sharing;
mod sharing_policy;
mod trust;
mod usage;
mod views;
mod webhooks;

use axum::routing::{get, post, put};
use axum::{Router, middleware};

use crate::router::AppState;

/// The panel's routes, with CSRF checks on every state-changing one.
pub(crate) fn routes() -> Router<AppState> {
    let image = "/images/{region}/{image_id}";
    Router::new()
        .route("/", get(auth::home))
        .route("/sign-in", get(auth::sign_in_page).post(auth::sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route(
            "/images",
            get(images::saved_images).post(images::create_image),
        )
        .route(image, get(detail::image_detail))
        .route(&format!("{image}/file"), put(images::upload_file))
        .route(&format!("{image}/delete"), post(images::delete_image))
        .route(&format!("{image}/share"), post(sharing::share_image))
        .route(&format!("{image}/shareable"), post(sharing::make_shareable))
        .route(&format!("{image}/impact"), get(usage::image_impact_preview))
        .route(
            &format!("{image}/deactivate"),
            post(activation::deactivate_image),
        )
        .route(
            &format!("{image}/reactivate"),
            post(activation::reactivate_image),
        )
        .route(
            &format!("{image}/copy-to-region"),
            post(region_copy::copy_to_region),
        )
        .route(
            &format!("{image}/deprecate"),
            post(deprecation::deprecate_image),
        )
        .route(
            &format!("{image}/undeprecate"),
            post(deprecation::undeprecate_image),
        )
        .route(
            &format!("{image}/consumers/{{member_id}}/remove"),
            post(sharing::remove_consumer),
        )
        .route(
            &format!("{image}/consumers/{{member_id}}/remind"),
            post(reminders::remind_consumer),
        )
        .route(
            &format!("{image}/consumers/{{member_id}}/schedule-removal"),
            post(removals::schedule_removal),
        )
        .route(
            &format!("{image}/consumers/{{member_id}}/cancel-removal"),
            post(removals::cancel_removal),
        )
        .route(&format!("{image}/report"), post(reports::report_image))
        .route("/admin/reports", get(reports::reports_page))
        .route("/admin/reports/{id}/dismiss", post(reports::dismiss_report))
        .route(
            "/admin/images/{region}/{image_id}/quarantine",
            post(reports::quarantine_image),
        )
        .route(
            "/admin/images/{region}/{image_id}/release",
            post(reports::release_image),
        )
        .route(
            &format!("{image}/groups"),
            post(group_sharing::share_with_group),
        )
        .route(
            &format!("{image}/groups/{{member_id}}/remove"),
            post(group_sharing::unshare_group),
        )
        .route(
            "/shares/{region}/{image_id}/{decision}",
            post(shares::decide),
        )
        .route(
            "/servers",
            get(servers::server_list).post(servers::create_server),
        )
        .route("/servers/new", get(servers::create_server_page))
        .route(
            "/servers/{region}/{server_id}/delete",
            post(servers::delete_server),
        )
        .route("/notifications", get(notifications::notifications_page))
        .route("/notifications/read", post(notifications::mark_all_read))
        .route(
            "/notifications/{event_id}/open",
            post(notifications::open_notification),
        )
        .route("/account", get(account::account_page))
        .route("/account/users", post(account::add_user))
        .route("/account/users/{user_id}/role", post(account::change_role))
        .route(
            "/account/users/{user_id}/delete",
            post(account::remove_user),
        )
        .route("/account/password", post(account::change_password))
        .route(
            "/webhooks",
            get(webhooks::webhooks_page).post(webhooks::add_webhook),
        )
        .route("/webhooks/{id}", get(webhooks::webhook_detail))
        .route("/webhooks/{id}/test", post(webhooks::send_test))
        .route("/webhooks/{id}/delete", post(webhooks::delete_webhook))
        .route(
            "/groups",
            get(groups::groups_page).post(groups::create_group),
        )
        .route("/groups/{id}/rename", post(groups::rename_group))
        .route("/groups/{id}/accounts", post(groups::add_account))
        .route(
            "/groups/{id}/accounts/{account}/remove",
            post(groups::remove_account),
        )
        .route("/groups/{id}/delete", post(groups::delete_group))
        .route(
            "/sharing-policy",
            get(sharing_policy::sharing_policy_page).post(sharing_policy::save_policy),
        )
        .route(
            "/sharing-policy/delete",
            post(sharing_policy::delete_policy),
        )
        .route("/static/{file}", get(assets::serve))
        .route_layer(middleware::from_fn(csrf::guard))
}
