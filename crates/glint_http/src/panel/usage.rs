//! Who uses an image, as its owner (and the admin) sees it on Image Detail: per consumer account
//! its share and counts of its servers, the owner's own servers, and other accounts counted
//! together (never named). Also the impact preview of every destructive confirmation, in words
//! built from the same report, and `GET …/impact` for the confirmations of lists, which count
//! only when one is opened. Figures come from `ImageService::usage`; nothing is counted here.

use axum::extract::State;
use axum::response::Response;
use glint_core::image::usage::{ConsumerUsage, ImageUsage, UseFigures};
use serde::Serialize;

use super::format;
use super::images::PanelImagePath;
use super::reply::{PanelError, Reply};
use super::session::Session;
use crate::paths::Typed;
use crate::router::AppState;

/// One account's figures as the table shows them.
#[derive(Debug, Clone)]
pub(crate) struct FiguresView {
    pub servers: u64,
    pub regions: u64,
    pub last_boot: String,
    pub copies: u64,
}

impl FiguresView {
    fn new(figures: &UseFigures) -> FiguresView {
        FiguresView {
            servers: figures.servers,
            regions: figures.regions,
            last_boot: figures
                .last_boot_at
                .map_or_else(|| "—".into(), format::time),
            copies: figures.copies,
        }
    }
}

/// A consumer account's row.
#[derive(Debug, Clone)]
pub(crate) struct ConsumerUseRow {
    pub account: String,
    pub status: &'static str,
    pub tone: &'static str,
    pub since: String,
    pub uses: FiguresView,
    /// When its access ends, if the owner scheduled that.
    pub remove_at: Option<String>,
}

/// The "Who uses this image" section.
#[derive(Debug, Clone)]
pub(crate) struct UsageView {
    /// "2 accounts, 7 servers use this image." or "No servers use this image now."
    pub summary: String,
    pub owner: FiguresView,
    pub consumers: Vec<ConsumerUseRow>,
    /// How many other accounts, and their figures together, when there are any.
    pub others: Option<(u64, FiguresView)>,
}

impl UsageView {
    pub(crate) fn new(usage: &ImageUsage) -> UsageView {
        let (accounts, servers) = usage.in_use();
        let summary = if servers == 0 {
            "No servers use this image now.".to_owned()
        } else {
            format!("{} use this image.", in_use_words(accounts, servers))
        };
        UsageView {
            summary,
            owner: FiguresView::new(&usage.owner),
            consumers: usage.consumers.iter().map(ConsumerUseRow::new).collect(),
            others: (usage.other_accounts > 0)
                .then(|| (usage.other_accounts, FiguresView::new(&usage.others))),
        }
    }
}

impl ConsumerUseRow {
    fn new(consumer: &ConsumerUsage) -> ConsumerUseRow {
        let share = &consumer.share;
        let (status, tone) = if share.removed {
            ("Removed", "info")
        } else {
            (
                format::member_status(share.status),
                format::member_tone(share.status),
            )
        };
        ConsumerUseRow {
            account: share.account.clone(),
            status,
            tone,
            since: format::time(share.updated_at),
            uses: FiguresView::new(&consumer.uses),
            remove_at: share
                .remove_at
                .filter(|_| !share.removed)
                .map(format::day_or_time),
        }
    }
}

/// `2 accounts, 7 servers`.
fn in_use_words(accounts: u64, servers: u64) -> String {
    format!(
        "{}, {}",
        format::count(accounts, "account"),
        format::count(servers, "server")
    )
}

/// What deleting or deactivating the image does to the servers built from it.
pub(crate) fn image_impact(usage: &ImageUsage, until_reactivated: bool) -> String {
    let (accounts, servers) = usage.in_use();
    let no_new = if until_reactivated {
        "no new servers can be created from it until it is reactivated."
    } else {
        "no new servers can be created from it."
    };
    if servers == 0 {
        return format!("No servers use this image now; {no_new}");
    }
    format!(
        "{} use this image; their servers keep running and can be rebuilt; {no_new}",
        in_use_words(accounts, servers)
    )
}

/// What removing one consumer does to that account's servers.
pub(crate) fn consumer_impact(consumer: &ConsumerUsage) -> String {
    let uses = &consumer.uses;
    let account = &consumer.share.account;
    let mut text = if uses.servers == 0 {
        format!("Account {account} has no servers built from this image.")
    } else {
        format!(
            "Account {account} has {} from this image, in {}; they keep running and can be rebuilt, but it can create no new servers from it.",
            format::count(uses.servers, "server"),
            format::count(uses.regions, "region")
        )
    };
    if uses.copies > 0 {
        text.push_str(&format!(
            " It keeps the {} it saved from such servers.",
            format::count(uses.copies, "image")
        ));
    }
    text
}

/// The figures of `account` among the report's consumers, in words.
pub(crate) fn impact_of_consumer(usage: &ImageUsage, account: &str) -> Option<String> {
    usage
        .consumers
        .iter()
        .find(|c| c.share.account == account && !c.share.removed)
        .map(consumer_impact)
}

/// The impact preview a list's confirmation asks for.
#[derive(Debug, Serialize)]
struct ImpactAnswer {
    impact: String,
}

/// `GET /images/{region}/{id}/impact`: the delete confirmation's preview, for the owner.
pub(crate) async fn image_impact_preview(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
) -> Result<Response, PanelError> {
    let usage = state
        .images
        .usage(&session.ctx, &p.region, &p.image)
        .await?;
    Ok(reply.json(&ImpactAnswer {
        impact: image_impact(&usage, false),
    }))
}

#[cfg(test)]
mod tests;
