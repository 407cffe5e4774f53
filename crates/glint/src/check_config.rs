//! `glint check-config`: loads the configuration as `serve` would, prints what it found, and
//! checks that the database and every region's image store can be reached; a failed check
//! makes the command fail with the reasons. It does not migrate the database (an operator may
//! check a configuration before an upgrade), and opens stores as `serve` would (a local store's
//! folders are created if missing).

use std::path::Path;

use anyhow::{Result, bail};
use glint_app::{HealthCheck, health};
use glint_core::RegionName;
use glint_db::Db;

use crate::config::{Config, LogFormat};
use crate::logging::say;

/// Prints the configuration and the checks; fails when a check fails.
pub async fn run(config: &Config, file: Option<&Path>) -> Result<()> {
    print_settings(config, file);
    let url = config.database_url();
    say!("Database: {}", glint_db::redact(&url));
    let (database, db_regions) = match Db::connect_unmigrated(&url).await {
        Ok(db) => {
            let checked = database_check(&db).await;
            db.close().await;
            checked
        }
        Err(e) => (failed("database", &e.to_string()), Vec::new()),
    };
    show(&database);
    let mut regions: Vec<RegionName> = config
        .bootstrap
        .regions
        .iter()
        .map(|r| RegionName::from_trusted(r.clone()))
        .collect();
    for region in db_regions {
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    say!("Image stores:");
    let stores = health::check_stores(&config.stores()?, &regions).await;
    stores.iter().for_each(show);
    let failed = std::iter::once(&database)
        .chain(&stores)
        .filter(|c| !c.healthy)
        .count();
    let total = stores.len() + 1;
    if failed > 0 {
        bail!("check-config: {failed} of {total} checks failed");
    }
    say!("All {total} checks passed.");
    Ok(())
}

fn print_settings(config: &Config, file: Option<&Path>) {
    let source = file.map_or_else(
        || "the defaults".to_owned(),
        |f| format!("{} over the defaults", f.display()),
    );
    say!("Configuration: {source}, then GLINT__* variables and flags");
    let s = &config.server;
    say!("  listen:          {}", s.listen);
    if !s.public_url.is_empty() {
        say!("  public URL:      {}", s.public_url);
    }
    say!("  data folder:     {}", s.data_dir.display());
    let format = match config.log.format {
        LogFormat::Text => "text",
        LogFormat::Json => "json",
    };
    say!("  log format:      {format}");
    if config.metrics.listen.is_empty() {
        say!("  metrics:         /metrics on the API address, admin token only");
    } else {
        say!(
            "  metrics:         /metrics on {} (no token)",
            config.metrics.listen
        );
    }
    say!("  shutdown grace:  {} s", s.shutdown_grace_secs);
    say!("  regions:         {}", config.bootstrap.regions.join(", "));
    if config.image_cache.enabled {
        say!(
            "  image cache:     {}, at most {} bytes",
            config.image_cache_dir().display(),
            config.image_cache.max_size
        );
    } else {
        say!("  image cache:     off");
    }
    let allowed = &config.webhooks.allow_networks;
    if allowed.is_empty() {
        say!("  webhooks:        public addresses only");
    } else {
        say!(
            "  webhooks:        public addresses and {}",
            allowed.join(", ")
        );
    }
}

/// Whether the database answers, and the regions it holds (none when its schema is not there
/// yet: `glint serve` creates it).
async fn database_check(db: &Db) -> (HealthCheck, Vec<RegionName>) {
    if let Err(e) = db.ping().await {
        return (failed("database", &e.to_string()), Vec::new());
    }
    let engine = match db.backend() {
        glint_db::Backend::Sqlite => "SQLite",
        glint_db::Backend::Postgres => "PostgreSQL",
    };
    match glint_db::regions::list(db).await {
        Ok(regions) => {
            let names: Vec<RegionName> = regions.into_iter().map(|r| r.name).collect();
            let shown: Vec<&str> = names.iter().map(RegionName::as_str).collect();
            let details = format!("{engine}, answers; regions: {}", shown.join(", "));
            (passed("database", details), names)
        }
        Err(_) => (
            passed(
                "database",
                format!("{engine}, answers; no schema yet (`glint serve` creates it)"),
            ),
            Vec::new(),
        ),
    }
}

fn passed(name: &str, details: String) -> HealthCheck {
    HealthCheck {
        name: name.to_owned(),
        healthy: true,
        details,
    }
}

fn failed(name: &str, why: &str) -> HealthCheck {
    HealthCheck {
        name: name.to_owned(),
        healthy: false,
        details: why.to_owned(),
    }
}

fn show(check: &HealthCheck) {
    let mark = if check.healthy { "ok  " } else { "FAIL" };
    say!("  {mark} {}: {}", check.name, check.details);
}
