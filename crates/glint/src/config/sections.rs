//! The configuration's tree: one struct per section of the file, each field an option with
//! its meaning. Defaults are in `defaults.toml`; the loading rules in `super`.

use std::path::PathBuf;

use serde::Deserialize;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub identity: IdentityConfig,
    pub images: ImagesConfig,
    pub image_cache: ImageCacheConfig,
    pub sharing: SharingConfig,
    pub storage: StorageConfig,
    pub compute: ComputeConfig,
    pub bootstrap: BootstrapConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    pub webhooks: WebhooksConfig,
    pub web_download: WebDownloadConfig,
}

/// Where Glint listens and keeps its files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free port.
    pub listen: String,
    /// How clients reach this server, for the catalog; empty means `http://<listen address>`.
    pub public_url: String,
    /// The data folder: SQLite database and local image store.
    pub data_dir: PathBuf,
    /// Seconds a connection has to deliver a complete request head (also the keep-alive idle
    /// timeout).
    pub header_read_timeout_secs: u64,
    /// Seconds a request body may deliver nothing before it is abandoned.
    pub body_progress_timeout_secs: u64,
    /// Connections served at once (lowered to fit the descriptor limit).
    pub max_connections: usize,
    /// Seconds open connections get to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the client, for the
    /// sign-in throttle; empty: the client is always the connection's peer.
    pub trusted_proxies: Vec<String>,
}

/// The metadata store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; empty means a SQLite file in the data folder.
    pub url: String,
}

/// Tokens and sign-in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// How long a token lives, in seconds.
    pub token_lifetime_secs: u64,
    /// How long this node trusts a validated token without reading the store again, in
    /// seconds (0: never); also how late other nodes may notice a revocation.
    pub token_cache_secs: u64,
    /// Most validated tokens this node remembers.
    pub token_cache_entries: usize,
    /// Failed sign-ins in a row that lock a user (0: never).
    pub lockout_failure_attempts: u32,
    /// How long a lock lasts from the last failure, in seconds (0: until an admin unlocks).
    pub lockout_duration_secs: u64,
}

/// Image limits (the reference's names and defaults).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagesConfig {
    /// Most custom properties per image; negative: unlimited.
    pub property_quota: i64,
    /// Most tags per image; negative: unlimited.
    pub tag_quota: i64,
    /// Most members (consumers) per image; negative: unlimited.
    pub member_quota: i64,
    /// Largest image data, in bytes.
    pub size_cap: u64,
    /// Page size of image lists when the client gives no `limit`.
    pub default_page: u32,
    /// Largest page a client may ask for.
    pub max_page: u32,
    /// Seconds an upload may go without a heartbeat before another node may take it over.
    pub upload_lease_secs: u64,
    /// Refuse (415) data that is not in the image's `disk_format`.
    pub require_format_match: bool,
    /// Longest a trust report may spend reading one image, in seconds.
    pub trust_report_timeout_secs: u64,
    /// Seconds between two sweeps of leftover data (the first runs at start-up).
    pub sweep_interval_secs: u64,
    /// Seconds stored data no record names is kept before a sweep removes it.
    pub sweep_grace_secs: u64,
}

/// This node's read cache of image data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageCacheConfig {
    /// Whether this node keeps a cache.
    pub enabled: bool,
    /// The cache folder; empty means `<data_dir>/image-cache`.
    pub dir: PathBuf,
    /// Most bytes the cache holds.
    pub max_size: u64,
    /// Seconds between two passes of the cache worker (retries, removal of deleted images).
    pub sweep_interval_secs: u64,
}

/// The courtesy rules of sharing: reminders, and how long an offer may stay pending.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingConfig {
    /// Days between two reminders of one pending share.
    pub reminder_interval_days: u32,
    /// Most reminders per share.
    pub reminder_limit: u32,
    /// Days a share may stay pending before it is removed; 0: for ever.
    pub pending_expiry_days: u32,
    /// Seconds between two runs of the job that removes shares whose scheduled removal is due
    /// (and expires pending ones).
    pub timer_interval_secs: u64,
}

/// Where image data lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// URL template of each region's store (`{region}` is replaced): `file:///path/{region}` or
    /// `s3://bucket?endpoint=…`; empty means `<data_dir>/images/{region}`.
    pub url: String,
    /// Per-region store URLs, overriding the template.
    pub regions: std::collections::HashMap<String, String>,
    /// Several named stores in every region (Glance's multi-store), by id; empty means one
    /// store per region (`url` and `regions`).
    pub stores: std::collections::BTreeMap<String, NamedStoreConfig>,
}

/// One named store of every region.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedStoreConfig {
    /// URL template (`{region}` is replaced): `file:///path/{region}` or `s3://bucket-{region}?…`;
    /// empty means `<data_dir>/stores/<id>/{region}`.
    #[serde(default)]
    pub url: String,
    /// What `/v2/info/stores` says of it.
    #[serde(default)]
    pub description: String,
    /// Reads try an image's stores by weight, highest first.
    #[serde(default)]
    pub weight: i64,
    /// Data with no store named goes here; exactly one store is the default.
    #[serde(default)]
    pub default: bool,
}

/// The compute API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeConfig {
    /// The flavors offered.
    pub flavors: Vec<FlavorConfig>,
}

/// One flavor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlavorConfig {
    pub id: String,
    pub name: String,
    pub vcpus: u32,
    /// MiB.
    pub ram: u64,
    /// GiB.
    pub disk: u64,
}

/// What the first start creates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapConfig {
    /// Regions that must exist (created when missing).
    pub regions: Vec<String>,
}

/// The server's log on standard error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (for people) or `json` (one object per line, for log collectors).
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Where `GET /metrics` is served.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// A separate address serving `/metrics` to anyone who can connect (keep it private); empty:
    /// none, `/metrics` is served on the API's address to admin tokens only.
    pub listen: String,
}

/// Webhook deliveries.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Networks off the public internet (addresses or CIDR ranges) where endpoints may be; none
    /// by default: loopback, private, link-local and the like are refused.
    pub allow_networks: Vec<String>,
    /// Seconds a delivery's request may take.
    pub timeout_secs: u64,
    /// Seconds before the first retry of a failed delivery; the wait doubles after each failure.
    pub retry_base_secs: u64,
    /// Longest wait between two attempts, in seconds.
    pub retry_max_secs: u64,
    /// Seconds after its first attempt that a delivery is still tried, then marked failed.
    pub retry_period_secs: u64,
    /// Milliseconds between two looks for new events when the worker is idle.
    pub poll_interval_ms: u64,
    /// Most endpoints per account.
    pub max_endpoints_per_account: u32,
}

/// The web-download import method: Glance's `[import_filtering_opts]` (an allow-list wins over
/// its deny-list; a port is checked only when the URI names one), and where and how long the
/// fetch may connect.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebDownloadConfig {
    pub allowed_schemes: Vec<String>,
    pub disallowed_schemes: Vec<String>,
    pub allowed_hosts: Vec<String>,
    pub disallowed_hosts: Vec<String>,
    #[serde(deserialize_with = "ports")]
    pub allowed_ports: Vec<u16>,
    #[serde(deserialize_with = "ports")]
    pub disallowed_ports: Vec<u16>,
    /// Networks off the public internet (addresses or CIDR ranges) that downloads may reach;
    /// none by default: loopback, private, link-local and the like are refused, on every
    /// address a name resolves to and every redirect.
    pub allow_networks: Vec<String>,
    /// Longest wait for a connection, in seconds.
    pub connect_timeout_secs: u64,
    /// Longest wait for the next bytes of the answer, in seconds.
    pub read_timeout_secs: u64,
    /// Longest time a whole fetch may take, connection to last byte, in seconds.
    pub total_timeout_secs: u64,
    /// Most redirects followed.
    pub max_redirects: usize,
}

/// A list of ports, or one port alone: an environment variable holding a single number is read
/// as that number, not as a list of one.
fn ports<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<u16>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ports {
        One(u16),
        Many(Vec<u16>),
    }
    Ok(match Ports::deserialize(deserializer)? {
        Ports::One(port) => vec![port],
        Ports::Many(ports) => ports,
    })
}
