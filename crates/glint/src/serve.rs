//! `glint serve`: opens the store, makes sure the bootstrap regions and admin exist, binds the
//! listen address and serves every API until SIGINT or SIGTERM.

use std::time::Duration;

use anyhow::{Context, Result};
use glint_app::{
    AdminService, BootstrapReport, CatalogService, ComputeService, IdentityService, ImageService,
    TokenCacheSettings, WebhookService,
};
use glint_db::Db;
use glint_http::AppState;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::logging::say;

/// Runs the server.
pub async fn run(config: Config, db: Db) -> Result<()> {
    let admin_password = std::env::var("GLINT_ADMIN_PASSWORD").ok();
    let report = AdminService::new(db.clone())
        .bootstrap(&config.bootstrap.regions, admin_password)
        .await
        .context("bootstrapping regions and the admin account")?;

    let listener = TcpListener::bind(&config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let local = listener.local_addr()?;
    let public_url = if config.server.public_url.is_empty() {
        format!("http://{local}")
    } else {
        config.server.public_url.clone()
    };
    let catalog = CatalogService::new(&public_url);
    let identity = identity_service(&config, &db);
    spawn_token_purge(identity.clone());
    announce(&config, &catalog, &public_url, &report);
    let node_id = node_id(&config.server.data_dir)?;
    let stores = config.stores()?;
    let webhooks = WebhookService::new(db.clone(), config.webhook_settings(node_id.clone())?)
        .context("setting up webhook deliveries")?;
    let mut images = ImageService::new(db.clone(), stores.clone(), config.image_settings(node_id)?);
    if let Some(cache) = config.image_cache().await? {
        images = images.with_cache(cache, config.image_cache_sweep());
    }
    let compute = ComputeService::new(db.clone(), stores.clone(), images.clone(), config.flavors());
    resume_background_work(&config, &db, &stores, &images, &webhooks).await?;
    let groups = glint_app::GroupService::new(db.clone(), images.settings().limits.member_quota)
        .with_clock(images.clock().clone());
    let reports = glint_app::ReportService::new(db.clone(), images.clone());
    let ops = glint_http::Ops::new(glint_app::HealthService::new(db.clone(), stores.clone()));
    serve_metrics(&config.metrics.listen, &ops).await?;
    let settings = glint_http::ServeSettings {
        metrics: Some(ops.metrics()),
        ..config.serve_settings()
    };
    let app = glint_http::router(AppState::new(glint_http::Services {
        identity,
        images,
        compute,
        events: glint_app::EventService::new(db.clone()),
        webhooks,
        groups,
        reports,
        metadefs: glint_app::MetadefService::new(db.clone()),
        catalog,
        trusted_proxies: config.trusted_proxies()?,
        ops,
    }));
    // The peer address feeds the sign-in throttle (through X-Forwarded-For when it is a
    // trusted proxy); `serve` hands it to every request.
    glint_http::serve(listener, app, settings, shutdown_signal()).await;
    db.close().await;
    let dropped = crate::logging::dropped_lines();
    if dropped > 0 {
        say!("  {dropped} log line(s) could not be written to standard error");
    }
    say!("Glint stopped");
    Ok(())
}

/// The identity service as the configuration sets it up: token lifetime, cache and lockout.
fn identity_service(config: &Config, db: &Db) -> IdentityService {
    IdentityService::new(
        db.clone(),
        Duration::from_secs(config.identity.token_lifetime_secs),
    )
    .with_token_cache(TokenCacheSettings {
        lifetime: Duration::from_secs(config.identity.token_cache_secs),
        capacity: config.identity.token_cache_entries,
    })
    .with_lockout(config.lockout())
}

/// The start-up lines: where Glint serves, its data and database, and what bootstrap made.
fn announce(config: &Config, catalog: &CatalogService, public_url: &str, report: &BootstrapReport) {
    say!(
        "Glint {} serving on {public_url}",
        env!("CARGO_PKG_VERSION")
    );
    say!("  identity (auth URL): {}", catalog.identity_url());
    say!(
        "  data folder:         {}",
        config.server.data_dir.display()
    );
    say!(
        "  database:            {}",
        glint_db::redact(&config.database_url())
    );
    print_bootstrap(report);
}

/// Puts back what the last stop cut (uploads, trust reports, webhook deliveries) and starts
/// the background work: the trust report worker, the webhook worker, the image cache's worker
/// and the sweep of leftover data.
async fn resume_background_work(
    config: &Config,
    db: &Db,
    stores: &glint_app::Stores,
    images: &ImageService,
    webhooks: &WebhookService,
) -> Result<()> {
    let recovered = images
        .recover_uploads()
        .await
        .context("resetting uploads cut by the last stop")?;
    if recovered > 0 {
        say!("  {recovered} upload(s) cut by the last stop are queued again");
    }
    let resumed = images
        .recover_trust_reports()
        .await
        .context("resuming trust reports cut by the last stop")?;
    if resumed > 0 {
        say!("  {resumed} trust report(s) cut by the last stop are queued again");
    }
    let released = webhooks
        .recover()
        .await
        .context("resuming webhook deliveries cut by the last stop")?;
    if released > 0 {
        say!("  {released} webhook deliveries cut by the last stop are queued again");
    }
    images.start_trust_reports();
    images.start_share_timers();
    images.start_cache_worker();
    webhooks.start();
    glint_app::Sweeper::new(
        db.clone(),
        stores.clone(),
        Duration::from_secs(config.images.sweep_grace_secs),
    )
    .start(Duration::from_secs(config.images.sweep_interval_secs));
    Ok(())
}

/// Serves `/metrics` without a token on `[metrics] listen`, when it is set, until the process
/// ends.
async fn serve_metrics(listen: &str, ops: &glint_http::Ops) -> Result<()> {
    if listen.is_empty() {
        return Ok(());
    }
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} ([metrics] listen)"))?;
    say!(
        "  metrics:             http://{}/metrics",
        listener.local_addr()?
    );
    let app = glint_http::metrics_router(ops.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics address stopped serving");
        }
    });
    Ok(())
}

/// This node's stable id, kept in the data folder, so that its own interrupted uploads can be
/// recognised after a restart.
fn node_id(data_dir: &std::path::Path) -> Result<String> {
    let path = data_dir.join("node-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
        _ => {
            let id = format!("node-{}", std::process::id() as u64 ^ now_nanos());
            std::fs::write(&path, &id).with_context(|| format!("writing {}", path.display()))?;
            Ok(id)
        }
    }
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn print_bootstrap(report: &BootstrapReport) {
    if !report.created_regions.is_empty() {
        let names: Vec<_> = report.created_regions.iter().map(|r| r.as_str()).collect();
        say!("  created regions:     {}", names.join(", "));
    }
    if let Some(number) = &report.created_admin_account {
        say!("  created account admin (number {number})");
    }
    if report.created_admin_user {
        match &report.generated_admin_password {
            Some(password) => say!(
                "  created user admin with password {password}\n  (shown only this once; set GLINT_ADMIN_PASSWORD before the first start to choose it)"
            ),
            None => say!("  created user admin with the password from GLINT_ADMIN_PASSWORD"),
        }
    }
}

fn spawn_token_purge(identity: IdentityService) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            match identity.purge_expired().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "expired tokens removed"),
                Err(e) => tracing::warn!(error = %e, "could not remove expired tokens"),
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for SIGTERM"),
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    say!("Glint shutting down");
}
