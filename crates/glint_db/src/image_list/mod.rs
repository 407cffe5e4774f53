//! Listing images: the Image API's visibility algorithm (public and community images, the
//! caller's own, and shares in the asked member status; `visible` restates the core rule
//! `glint_core::image::visible::listed` in SQL), every filter of a parsed
//! `ImageListQuery`, stable sorting with `created_at` and `id` as tie-breakers, and marker
//! paging, as one SQL statement that runs the same on SQLite and PostgreSQL (built in
//! `statement`). The statement is a union of index-backed branches (own images, one
//! visibility, shares), never a region scan.

mod packed;
mod statement;
mod visible;

use std::collections::HashMap;

use glint_core::image::Image;
use glint_core::image::query::ImageListQuery;
use glint_core::{RegionName, Result};

use crate::{Backend, Db};
use statement::{bound, statement};

/// Whose list it is.
#[derive(Debug, Clone, Copy)]
pub struct ListScope<'a> {
    pub region: &'a RegionName,
    /// The caller's account number.
    pub account: &'a str,
    /// The admin sees every account's images and ignores member status.
    pub is_admin: bool,
}

/// One page of the images `scope` may list that match `query`, after `marker` if given, with
/// their tags and properties: one round trip, one row (see `packed`).
pub async fn list(
    db: &Db,
    scope: &ListScope<'_>,
    query: &ImageListQuery,
    marker: Option<&Image>,
) -> Result<Vec<Image>> {
    let mut sql = statement(scope, query, marker, db.backend());
    packed::pack(&mut sql, db.backend());
    // The packed page is one row; none comes back only for a filter no image can match (text
    // with a NUL character, see `sql`).
    let Some(row) = bound(sql).fetch_optional(db).await? else {
        return Ok(Vec::new());
    };
    let text: Option<String> = row.try_get(0)?;
    packed::unpack(text.as_deref())
}

/// The engine's plan for the statement `list` runs with these arguments, one line per step:
/// SQLite's `EXPLAIN QUERY PLAN` (indented by depth) or PostgreSQL's `EXPLAIN`.
pub async fn explain(
    db: &Db,
    scope: &ListScope<'_>,
    query: &ImageListQuery,
    marker: Option<&Image>,
) -> Result<Vec<String>> {
    let mut sql = statement(scope, query, marker, db.backend());
    packed::pack(&mut sql, db.backend());
    let sqlite = db.backend() == Backend::Sqlite;
    sql.text = if sqlite {
        format!("EXPLAIN QUERY PLAN {}", sql.text)
    } else {
        format!("EXPLAIN {}", sql.text)
    };
    let rows = bound(sql).fetch_all(db).await?;
    let mut depth: HashMap<i64, usize> = HashMap::new();
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        if sqlite {
            let id: i64 = row.try_get("id")?;
            let parent: i64 = row.try_get("parent")?;
            let detail: String = row.try_get("detail")?;
            let level = depth.get(&parent).map_or(0, |d| d + 1);
            depth.insert(id, level);
            lines.push(format!("{}{detail}", "  ".repeat(level)));
        } else {
            lines.push(row.try_get::<String, _>(0)?);
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use glint_core::RegionName;
    use glint_core::image::query::parse_list_query;

    use super::{ListScope, explain};
    use crate::Db;

    #[tokio::test]
    async fn no_list_reads_a_whole_table_on_sqlite() {
        let path = std::env::temp_dir().join(format!("glint-plans-{}.db", std::process::id()));
        let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("open SQLite");
        let region = RegionName::from_trusted("DFW".into());
        for (is_admin, raw) in [
            (false, "limit=100"),
            (false, "member_status=pending&sort=name:asc"),
            (false, "visibility=all&member_status=all"),
            (false, "visibility=shared&tag=x&os_distro=y"),
            (
                false,
                "visibility=shared&member_status=all&sort=created_at:asc",
            ),
            (false, "visibility=public"),
            (false, "visibility=private"),
            (true, "limit=100"),
            (true, "visibility=all"),
        ] {
            let query = parse_list_query(Some(raw), 25, 1000).expect("query");
            let scope = ListScope {
                region: &region,
                account: "1",
                is_admin,
            };
            let plan = explain(&db, &scope, &query, None).await.expect("plan");
            let scans: Vec<&String> = plan
                .iter()
                .filter(|l| {
                    let l = l.trim_start();
                    l == "SCAN i"
                        || l == "SCAN m"
                        || l.starts_with("SCAN i ")
                        || l.starts_with("SCAN m ")
                })
                .collect();
            assert!(scans.is_empty(), "{raw} (admin {is_admin}): {plan:#?}");
            if raw.contains("visibility=shared") || raw.contains("visibility=private") {
                let own = plan.iter().any(|l| l.contains("images_owner_created"));
                assert!(own, "{raw}: own images not read by owner: {plan:#?}");
            }
        }
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
