//! Glint's use cases. Each service is a plain struct over the metadata store; the HTTP API, the
//! panel and the admin CLI all call these, so every rule lives here once.

pub mod admin;
pub mod catalog;
pub mod clock;
pub mod compute;
mod directory;
pub mod events;
pub mod groups;
pub mod health;
pub mod identity;
pub mod images;
pub mod leftovers;
pub mod metadefs;
pub mod panel_queries;
mod password;
pub mod reports;
mod secret;
mod stores;
mod token_cache;
pub mod webhooks;

pub use admin::{AdminService, BootstrapReport};
pub use catalog::{Catalog, CatalogService, Endpoint, Interface, Service};
pub use clock::Clock;
pub use compute::{ComputeService, NewServer, ServerFilter, ServerOnDeprecated};
pub use directory::UserUpdate;
pub use events::{EventPage, EventService, FeedEvent};
pub use glint_blob::DiskCache;
pub use glint_inspect::{LoginUser, SshKey, SshdSettings, TrustReport};
pub use groups::GroupService;
pub use health::{HealthCheck, HealthReport, HealthService};
pub use identity::{
    IdentityService, IssuedToken, LockoutSettings, PasswordAuth, ProjectScope, UserRef,
};
pub use images::{
    ByteRange, CacheState, ClearTarget, Download, ImagePage, ImageService, ImageSettings, Incoming,
    JudgedShare, MAX_OVERRIDE_REASON, RefusedData, TrustReportState, TrustReportView,
    WebDownloadSettings,
};
pub use leftovers::{SweepReport, Sweeper};
pub use metadefs::{MetadefService, NamespaceDetail};
pub use panel_queries::{ImageSource, SavedImage};
pub use reports::{Operator, ReportForOperators, ReportService};
pub use stores::{RegionStore, StoreSpec, Stores};
pub use token_cache::TokenCacheSettings;
pub use webhooks::{Registered, WebhookService, WebhookSettings};
