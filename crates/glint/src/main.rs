//! The `glint` binary: parses the command line, loads the configuration, opens the metadata
//! store and runs `serve`, `check-config` or an admin command.

mod admin;
mod check_config;
mod cli;
mod config;
mod logging;
mod reports;
mod serve;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use glint_app::AdminService;

use crate::cli::{Cli, Command};
use crate::config::{Config, LogFormat};

async fn run(cli: Cli, config: Config) -> Result<()> {
    if matches!(cli.command, Command::CheckConfig) {
        return check_config::run(&config, cli.global.config.as_deref()).await;
    }
    std::fs::create_dir_all(&config.server.data_dir).with_context(|| {
        format!(
            "cannot create the data folder {}",
            config.server.data_dir.display()
        )
    })?;
    let db = glint_db::Db::connect(&config.database_url()).await?;
    let admin = AdminService::new(db.clone());
    if !matches!(cli.command, Command::Serve { .. }) {
        // Admin commands may run before the first `serve`: the configured regions exist then too.
        admin.ensure_regions(&config.bootstrap.regions).await?;
    }
    let result = match cli.command {
        Command::Serve { .. } => return serve::run(config, db).await,
        Command::CheckConfig => Ok(()),
        Command::Region(command) => admin::region(&admin, command).await,
        Command::Account(command) => admin::account(&admin, command).await,
        Command::User(command) => admin::user(&admin, command).await,
        Command::Report(command) => reports::report(&report_service(&config, &db)?, command).await,
        Command::Image(command) => reports::image(&report_service(&config, &db)?, command).await,
    };
    db.close().await;
    result
}

/// The report service of the admin commands, over the configured store.
fn report_service(config: &Config, db: &glint_db::Db) -> anyhow::Result<glint_app::ReportService> {
    let images = glint_app::ImageService::new(db.clone(), config.stores()?, Default::default());
    Ok(glint_app::ReportService::new(db.clone(), images))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = Config::load(cli.global.config.as_deref(), &cli.overrides());
    let format = config.as_ref().map_or(LogFormat::Text, |c| c.log.format);
    logging::init(
        if matches!(cli.command, Command::Serve { .. }) {
            "info"
        } else {
            "warn"
        },
        format,
    );
    let config = match config {
        Ok(config) => config,
        Err(e) => {
            eprintln!("glint: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("glint: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("glint: {e:#}");
            ExitCode::FAILURE
        }
    }
}
