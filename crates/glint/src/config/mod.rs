//! Glint's configuration: one tree, loaded once at start-up from the defaults, then a TOML file
//! (`--config`), then `GLINT__SECTION__KEY` environment variables, then command-line flags; and
//! passed explicitly from there. Unknown keys are refused, so a typo never goes unnoticed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

mod sections;

pub use sections::*;

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

/// Every option's default, in the shape of a configuration file.
const DEFAULTS: &str = include_str!("defaults.toml");

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
                .with_list_parse_key("webhooks.allow_networks")
                .with_list_parse_key("web_download.allow_networks")
                .with_list_parse_key("web_download.allowed_hosts")
                .with_list_parse_key("web_download.allowed_ports")
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
        config.webhook_settings(String::new())?;
        config.web_download_settings()?;
        config.stores()?;
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

    pub fn image_settings(&self, node_id: String) -> Result<glint_app::ImageSettings> {
        let i = &self.images;
        Ok(glint_app::ImageSettings {
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
            share_timer_interval: std::time::Duration::from_secs(
                self.sharing.timer_interval_secs.max(1),
            ),
            web_download: self.web_download_settings()?,
        })
    }

    /// Where and how the web-download import method fetches.
    fn web_download_settings(&self) -> Result<glint_app::WebDownloadSettings> {
        use std::time::Duration;
        let w = &self.web_download;
        let allowed = glint_core::network::parse_ranges(&w.allow_networks)
            .map_err(|e| anyhow::anyhow!("web_download.allow_networks: {e}"))?;
        Ok(glint_app::WebDownloadSettings {
            filter: glint_core::image::web_download::ImportFilter {
                allowed_schemes: w.allowed_schemes.clone(),
                disallowed_schemes: w.disallowed_schemes.clone(),
                allowed_hosts: w.allowed_hosts.clone(),
                disallowed_hosts: w.disallowed_hosts.clone(),
                allowed_ports: w.allowed_ports.clone(),
                disallowed_ports: w.disallowed_ports.clone(),
            },
            networks: std::sync::Arc::new(glint_core::network::WebhookNetworks::allowing(allowed)),
            connect_timeout: Duration::from_secs(w.connect_timeout_secs.max(1)),
            read_timeout: Duration::from_secs(w.read_timeout_secs.max(1)),
            total_timeout: Duration::from_secs(w.total_timeout_secs.max(1)),
            max_redirects: w.max_redirects,
        })
    }

    /// How this node (`node_id`) delivers webhooks.
    pub fn webhook_settings(&self, node_id: String) -> Result<glint_app::WebhookSettings> {
        use std::time::Duration;
        let w = &self.webhooks;
        let allowed = glint_core::network::parse_ranges(&w.allow_networks)
            .map_err(|e| anyhow::anyhow!("webhooks.allow_networks: {e}"))?;
        if w.timeout_secs == 0 || w.retry_base_secs == 0 || w.poll_interval_ms < 10 {
            anyhow::bail!(
                "webhooks.timeout_secs and webhooks.retry_base_secs must be at least 1, \
                 webhooks.poll_interval_ms at least 10"
            );
        }
        Ok(glint_app::WebhookSettings {
            node_id,
            networks: glint_core::network::WebhookNetworks::allowing(allowed),
            timeout: Duration::from_secs(w.timeout_secs),
            retry: glint_core::webhook::RetryPolicy {
                base: Duration::from_secs(w.retry_base_secs),
                cap: Duration::from_secs(w.retry_max_secs.max(w.retry_base_secs)),
                give_up_after: Duration::from_secs(w.retry_period_secs),
            },
            poll_interval: Duration::from_millis(w.poll_interval_ms),
            max_endpoints: w.max_endpoints_per_account,
        })
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

    /// The image stores of the regions: one per region, or the named stores of every region;
    /// refused, saying why, when the named stores are not valid (checked at load too).
    pub fn stores(&self) -> Result<glint_app::Stores> {
        let s = &self.storage;
        if s.stores.is_empty() {
            let template = if s.url.is_empty() {
                let root = self.server.data_dir.join("images");
                format!("file://{}/{{region}}", absolute(&root).display())
            } else {
                s.url.clone()
            };
            return Ok(glint_app::Stores::new(template, s.regions.clone()));
        }
        if !s.url.is_empty() || !s.regions.is_empty() {
            anyhow::bail!(
                "storage.url and storage.regions configure one store per region; with \
                 [storage.stores] give each named store its own url"
            );
        }
        let specs = s
            .stores
            .iter()
            .map(|(id, store)| glint_app::StoreSpec {
                id: id.clone(),
                url: if store.url.is_empty() {
                    let root = self.server.data_dir.join("stores").join(id);
                    format!("file://{}/{{region}}", absolute(&root).display())
                } else {
                    store.url.clone()
                },
                description: store.description.clone(),
                weight: store.weight,
                is_default: store.default,
            })
            .collect();
        glint_app::Stores::named(specs).map_err(|e| anyhow::anyhow!("storage.stores: {e}"))
    }

    /// This node's image cache, opened, when it is enabled.
    pub async fn image_cache(&self) -> Result<Option<glint_app::DiskCache>> {
        let c = &self.image_cache;
        if !c.enabled {
            return Ok(None);
        }
        let dir = self.image_cache_dir();
        let cache = glint_app::DiskCache::open(absolute(&dir), c.max_size)
            .await
            .with_context(|| format!("opening the image cache in {}", dir.display()))?;
        Ok(Some(cache))
    }

    /// The image cache's folder: `[image_cache] dir`, or `image-cache` in the data folder.
    pub fn image_cache_dir(&self) -> PathBuf {
        let dir = &self.image_cache.dir;
        if dir.as_os_str().is_empty() {
            self.server.data_dir.join("image-cache")
        } else {
            dir.clone()
        }
    }

    /// How often the image cache's worker makes a pass.
    pub fn image_cache_sweep(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.image_cache.sweep_interval_secs.max(1))
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
mod tests;
