//! Glint's HTTP adapters: the Identity v3 subset (and, as they land, the Image v2 and Compute
//! APIs and the panel) over the `glint_app` services. Handlers only translate between the wire
//! and the services; no business rule lives here.

mod client_address;
mod compute;
mod error;
mod events;
mod extract;
mod groups;
mod identity;
mod image;
mod ops;
mod panel;
mod paths;
mod reports;
mod request_id;
mod router;
mod server;
mod sharing_policy;
mod webhooks;

pub use client_address::TrustedProxies;
pub use ops::{Metrics, Ops, metrics_router};
pub use router::{AppState, Services, router};
pub use server::{ServeSettings, descriptor_limit, serve};
