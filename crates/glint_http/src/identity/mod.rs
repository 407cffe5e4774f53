//! The OpenStack Identity v3 subset that the ecosystem's clients need: version discovery,
//! password tokens scoped to an account, token validation and revocation, and the admin subset:
//! projects, users, self-service password change, roles, role assignments and the one domain.

mod body;
pub mod discovery;
pub mod domains;
pub mod projects;
pub mod roles;
pub mod tokens;
pub mod users;
mod views;

use axum::Router;
use axum::routing::{get, post, put};

use crate::router::AppState;

/// The Identity API's routes: version discovery and tokens, then Keystone's administration
/// (projects, users, roles, role assignments and the domain).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/identity", get(discovery::versions))
        .route("/identity/", get(discovery::versions))
        .route("/identity/v3", get(discovery::version))
        .route("/identity/v3/", get(discovery::version))
        .route(
            "/identity/v3/auth/tokens",
            get(tokens::validate_token)
                .head(tokens::check_token)
                .post(tokens::issue_token)
                .delete(tokens::revoke_token),
        )
        .merge(admin_routes())
}

/// Keystone's administration: projects, users, roles, role assignments and the domain.
fn admin_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/identity/v3/projects",
            get(projects::list_projects).post(projects::create_project),
        )
        .route(
            "/identity/v3/projects/{project_id}",
            get(projects::show_project)
                .patch(projects::update_project)
                .delete(projects::delete_project),
        )
        .route(
            "/identity/v3/projects/{project_id}/users/{user_id}/roles",
            get(roles::list_project_user_roles),
        )
        .route(
            "/identity/v3/projects/{project_id}/users/{user_id}/roles/{role_id}",
            put(roles::grant_role)
                .delete(roles::revoke_role)
                .get(roles::check_role)
                .head(roles::check_role),
        )
        .route(
            "/identity/v3/users",
            get(users::list_users).post(users::create_user),
        )
        .route(
            "/identity/v3/users/{user_id}",
            get(users::show_user)
                .patch(users::update_user)
                .delete(users::delete_user),
        )
        .route(
            "/identity/v3/users/{user_id}/password",
            post(users::change_password),
        )
        .route("/identity/v3/roles", get(roles::list_roles))
        .route("/identity/v3/roles/{role_id}", get(roles::show_role))
        .route(
            "/identity/v3/role_assignments",
            get(roles::list_role_assignments),
        )
        .route("/identity/v3/domains", get(domains::list_domains))
        .route(
            "/identity/v3/domains/{domain_id}",
            get(domains::show_domain),
        )
}
