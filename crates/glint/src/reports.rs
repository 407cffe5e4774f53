//! The operators' commands on reports of suspicious images and on quarantine: each opens the
//! same store the server uses, does one thing through `ReportService` as the operators (no
//! caller needed), and prints what it did; `glint report list` prints a table.

use anyhow::Result;
use glint_app::{Operator, ReportService};
use glint_core::image::ImageId;
use glint_core::report::{ReportId, ReportStatus};

use crate::cli::{ImageCommand, ReportCommand};

/// `glint report …`
pub async fn report(reports: &ReportService, command: ReportCommand) -> Result<()> {
    let operator = Operator::command();
    match command {
        ReportCommand::List { status } => {
            let status = ReportStatus::parse_filter(&status)?;
            let found = reports.for_operators(&operator, status).await?;
            println!(
                "{:<36} {:<11} {:<36} {:<6} {:<10} {:<10} {:<11} {:<20} WARNINGS / COMMENT",
                "ID", "STATUS", "IMAGE", "REGION", "OWNER", "REPORTER", "REASON", "REPORTED"
            );
            for found in found {
                let (listed, report) = (&found.listed, &found.listed.report);
                let warnings = match &found.warnings {
                    None => "trust report pending".to_owned(),
                    Some(w) if w.is_empty() => "no warnings".to_owned(),
                    Some(w) => w.join("; "),
                };
                println!(
                    "{:<36} {:<11} {:<36} {:<6} {:<10} {:<10} {:<11} {:<20} {warnings} / {}",
                    report.id,
                    report.status,
                    report.image_id,
                    report.region,
                    listed.owner.as_deref().unwrap_or("-"),
                    report.reporter.account,
                    report.reason,
                    report.created_at.to_glance(),
                    report.comment.replace('\n', " "),
                );
            }
        }
        ReportCommand::Dismiss { id, note } => {
            let id = ReportId::parse(&id)?;
            reports.dismiss(&operator, &id, &note).await?;
            println!("dismissed report {id}");
        }
    }
    Ok(())
}

/// `glint image …`
pub async fn image(reports: &ReportService, command: ImageCommand) -> Result<()> {
    let operator = Operator::command();
    match command {
        ImageCommand::Quarantine { id, note } => {
            let id = ImageId::parse(&id)?;
            let image = reports.quarantine(&operator, None, &id, &note).await?;
            println!(
                "quarantined image {} in {}: now {}, its consumers and producer told",
                image.id, image.region, image.status
            );
        }
        ImageCommand::Release { id } => {
            let id = ImageId::parse(&id)?;
            let image = reports.release(&operator, None, &id).await?;
            println!(
                "lifted the quarantine of image {} in {}: now {}",
                image.id, image.region, image.status
            );
        }
    }
    Ok(())
}
