//! The part of the OpenStack Compute API v2.1 that booting from shared images needs, at each
//! region's endpoint (`/compute/{region}/v2.1`): versions, flavors, servers, rebuild and
//! createImage. No hypervisor runs the servers; everything else is real.

mod servers;
mod versions;
mod views;

use axum::Router;
use axum::middleware;
use axum::routing::get;

use crate::router::AppState;

/// The compute routes, under `/compute/{region}`.
pub(crate) fn routes() -> Router<AppState> {
    let v = "/compute/{region}/v2.1";
    Router::new()
        .route("/compute/{region}", get(versions::list_versions))
        .route("/compute/{region}/", get(versions::list_versions))
        .route(v, get(versions::show_version))
        .route(&format!("{v}/"), get(versions::show_version))
        .route(&format!("{v}/flavors"), get(servers::list_flavors))
        .route(&format!("{v}/flavors/detail"), get(servers::list_flavors))
        .route(&format!("{v}/flavors/{{id}}"), get(servers::show_flavor))
        .route(
            &format!("{v}/servers"),
            get(servers::list_servers).post(servers::create_server),
        )
        .route(&format!("{v}/servers/detail"), get(servers::list_servers))
        .route(
            &format!("{v}/servers/{{id}}"),
            get(servers::show_server).delete(servers::delete_server),
        )
        .route(
            &format!("{v}/servers/{{id}}/action"),
            axum::routing::post(servers::server_action),
        )
        .layer(middleware::from_fn(versions::negotiate))
}
