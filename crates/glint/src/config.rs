//! Glint's configuration: one tree, loaded once at start-up from the defaults, then a TOML file
//! (`--config`), then `GLINT__SECTION__KEY` environment variables, then command-line flags; and
//! passed explicitly from there. Unknown keys are refused, so a typo never goes unnoticed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub identity: IdentityConfig,
    pub images: ImagesConfig,
    pub sharing: SharingConfig,
    pub storage: StorageConfig,
    pub compute: ComputeConfig,
    pub bootstrap: BootstrapConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
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

/// Command-line values that override the files and environment.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

/// Descriptors kept back from client connections: database connections, store files, logs.
const DESCRIPTORS_KEPT_BACK: u64 = 64;
/// Connections served at once however low the descriptor limit.
const MIN_CONNECTIONS: usize = 16;

const DEFAULTS: &str = r#"
[server]
listen = "127.0.0.1:9292"
public_url = ""
data_dir = "./glint-data"
header_read_timeout_secs = 30
body_progress_timeout_secs = 60
max_connections = 1024
shutdown_grace_secs = 30
trusted_proxies = []

[database]
url = ""

[identity]
token_lifetime_secs = 43200
token_cache_secs = 5
token_cache_entries = 10000
lockout_failure_attempts = 6
lockout_duration_secs = 900

[images]
property_quota = 128
tag_quota = 128
member_quota = 128
size_cap = 1099511627776
default_page = 25
max_page = 1000
upload_lease_secs = 60
require_format_match = true
trust_report_timeout_secs = 120
sweep_interval_secs = 3600
sweep_grace_secs = 3600

[sharing]
reminder_interval_days = 7
reminder_limit = 3
pending_expiry_days = 0

[storage]
url = ""

[storage.regions]

[compute]
flavors = [
    { id = "1", name = "m1.tiny", vcpus = 1, ram = 512, disk = 1 },
    { id = "2", name = "m1.small", vcpus = 1, ram = 2048, disk = 20 },
    { id = "3", name = "m1.medium", vcpus = 2, ram = 4096, disk = 40 },
    { id = "4", name = "m1.large", vcpus = 4, ram = 8192, disk = 80 },
]

[bootstrap]
regions = ["DFW", "IAD", "LON"]

[log]
format = "text"

[metrics]
listen = ""
"#;

impl Config {
    /// Loads the layers in order; `file` is the `--config` TOML, if given.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).format(config::FileFormat::Toml));
        }
        builder = builder.add_source(
            config::Environment::with_prefix("GLINT")
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("bootstrap.regions")
                .with_list_parse_key("server.trusted_proxies")
                .try_parsing(true),
        );
        if let Some(listen) = &overrides.listen {
            builder = builder.set_override("server.listen", listen.as_str())?;
        }
        if let Some(dir) = &overrides.data_dir {
            builder = builder.set_override("server.data_dir", dir.to_string_lossy().as_ref())?;
        }
        if let Some(url) = &overrides.database_url {
            builder = builder.set_override("database.url", url.as_str())?;
        }
        let config: Config = builder
            .build()
            .context("reading the configuration")?
            .try_deserialize()
            .context("the configuration is not valid")?;
        if config.identity.token_lifetime_secs < 60 {
            anyhow::bail!("identity.token_lifetime_secs must be at least 60");
        }
        if config.identity.token_cache_secs > 60 {
            anyhow::bail!("identity.token_cache_secs must be at most 60");
        }
        config.trusted_proxies()?;
        Ok(config)
    }

    /// The identity service's lockout.
    pub fn lockout(&self) -> glint_app::LockoutSettings {
        glint_app::LockoutSettings {
            failure_attempts: self.identity.lockout_failure_attempts,
            duration: std::time::Duration::from_secs(self.identity.lockout_duration_secs),
        }
    }

    /// The proxies whose `X-Forwarded-For` is believed.
    pub fn trusted_proxies(&self) -> Result<glint_http::TrustedProxies> {
        glint_http::TrustedProxies::parse(&self.server.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("server.trusted_proxies: {e}"))
    }

    /// The image service's settings.
    /// How connections are served. The connection cap leaves room below the process's
    /// descriptor limit for the database, the stores and the logs, so that running out of
    /// descriptors answers a fast 503 instead of stopping the accept loop.
    pub fn serve_settings(&self) -> glint_http::ServeSettings {
        let s = &self.server;
        let fits = glint_http::descriptor_limit()
            .map(|limit| {
                usize::try_from(limit.saturating_sub(DESCRIPTORS_KEPT_BACK)).unwrap_or(usize::MAX)
            })
            .unwrap_or(usize::MAX)
            .max(MIN_CONNECTIONS);
        glint_http::ServeSettings {
            header_read_timeout: std::time::Duration::from_secs(s.header_read_timeout_secs.max(1)),
            body_progress_timeout: std::time::Duration::from_secs(
                s.body_progress_timeout_secs.max(1),
            ),
            max_connections: s.max_connections.min(fits).max(1),
            shutdown_grace: std::time::Duration::from_secs(s.shutdown_grace_secs),
            metrics: None,
        }
    }

    pub fn image_settings(&self, node_id: String) -> glint_app::ImageSettings {
        let i = &self.images;
        glint_app::ImageSettings {
            node_id,
            upload_lease: std::time::Duration::from_secs(i.upload_lease_secs),
            limits: glint_core::image::ImageLimits {
                property_quota: i.property_quota,
                tag_quota: i.tag_quota,
                member_quota: i.member_quota,
                size_cap: i.size_cap,
            },
            default_page: i.default_page,
            max_page: i.max_page,
            require_format_match: i.require_format_match,
            trust_report_timeout: std::time::Duration::from_secs(i.trust_report_timeout_secs),
            reminders: glint_core::event::ReminderRules {
                every_secs: i64::from(self.sharing.reminder_interval_days) * 86_400,
                limit: self.sharing.reminder_limit,
            },
            pending_expiry: (self.sharing.pending_expiry_days > 0).then(|| {
                std::time::Duration::from_secs(u64::from(self.sharing.pending_expiry_days) * 86_400)
            }),
        }
    }

    /// The flavors offered.
    pub fn flavors(&self) -> Vec<glint_core::compute::Flavor> {
        self.compute
            .flavors
            .iter()
            .map(|f| glint_core::compute::Flavor {
                id: f.id.clone(),
                name: f.name.clone(),
                vcpus: f.vcpus,
                ram: f.ram,
                disk: f.disk,
            })
            .collect()
    }

    /// The image stores of the regions.
    pub fn stores(&self) -> glint_app::Stores {
        let template = if self.storage.url.is_empty() {
            let root = self.server.data_dir.join("images");
            format!("file://{}/{{region}}", absolute(&root).display())
        } else {
            self.storage.url.clone()
        };
        glint_app::Stores::new(template, self.storage.regions.clone())
    }

    /// The database URL, defaulting to `glint.db` in the data folder.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.server.data_dir.join("glint.db").display()
            )
        } else {
            self.database.url.clone()
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
