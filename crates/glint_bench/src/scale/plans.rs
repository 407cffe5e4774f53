//! The engine's plans (EXPLAIN) for every kind of list the scale run checks, and what counts as
//! a full scan in them.

use anyhow::Result;
use glint_core::RegionName;
use glint_core::image::query::parse_list_query;
use glint_db::{Db, image_list};

use super::ScaleResult;
use crate::dataset::{CONSUMER, OWNER};
use crate::floor;

/// The lists whose plans are checked: (name, caller, query). The one named "next page" is
/// asked after the owner's first page.
const SHAPES: &[(&str, &str, &str)] = &[
    ("owner, first page", OWNER, "limit=100"),
    ("owner, next page", OWNER, "limit=100"),
    ("owner, private only", OWNER, "limit=100&visibility=private"),
    ("owner, sorted by name", OWNER, "limit=100&sort=name:asc"),
    ("consumer, first page (accepted)", CONSUMER, "limit=100"),
    (
        "consumer, pending shares",
        CONSUMER,
        "limit=100&member_status=pending",
    ),
    (
        "consumer, shared, any status",
        CONSUMER,
        "limit=100&visibility=shared&member_status=all",
    ),
    (
        "consumer, everything",
        CONSUMER,
        "limit=100&visibility=all&member_status=all",
    ),
    (
        "anyone, public only",
        CONSUMER,
        "limit=100&visibility=public",
    ),
    ("admin, first page", "admin", "limit=100"),
];

/// Whether a plan line reads a whole table (or a whole index) instead of searching it.
fn is_full_scan(line: &str) -> bool {
    let line = line.trim_start();
    let sqlite_scan = ["SCAN i", "SCAN m", "SCAN images", "SCAN image_members"]
        .iter()
        .any(|p| line == *p || line.starts_with(&format!("{p} ")));
    sqlite_scan || line.contains("Seq Scan on images") || line.contains("Seq Scan on image_members")
}

/// Reads the engine's plan of every kind of list in `SHAPES` at this stage, notes each one
/// with a full scan, and keeps the plans when `keep` (the largest stage).
pub(super) async fn check_plans(
    db: &Db,
    engine: &'static str,
    size: usize,
    keep: bool,
    result: &mut ScaleResult,
) -> Result<()> {
    let region = RegionName::from_trusted("DFW".into());
    let first = parse_list_query(Some("limit=100"), 25, 1000)?;
    let page = image_list::list(db, &floor::scope(&region, OWNER), &first, None).await?;
    let marker = page.last().cloned();
    for (name, account, raw) in SHAPES {
        let query = parse_list_query(Some(raw), 25, 1000)?;
        let marker = if name.contains("next page") {
            marker.as_ref()
        } else {
            None
        };
        let plan = image_list::explain(db, &floor::scope(&region, account), &query, marker).await?;
        if plan.iter().any(|l| is_full_scan(l)) {
            let text = format!("{engine}, {size} images, {name}: {}", plan.join(" / "));
            println!("  FULL SCAN: {text}");
            result.full_scans.push(text);
        }
        if keep {
            result.plans.push((engine, (*name).to_owned(), plan));
        }
    }
    println!("  plans checked for {} kinds of list", SHAPES.len());
    Ok(())
}
