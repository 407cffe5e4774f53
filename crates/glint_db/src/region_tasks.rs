//! The tasks of a region as the tasks API (`/v2/tasks`) reads them: every task, whatever made
//! it, filtered, sorted on one column with `created_at` and `id` breaking ties, and paged by
//! a marker (keyset, so a page never skips or repeats a task as others are added); the
//! legacy `import` tasks it records, which take no image lock; and the sweep of tasks past
//! their expiry, as Glance's list does it.

use glint_core::legacy_task::query::TaskQuery;
use glint_core::task::{ImageTask, TaskStatus};
use glint_core::{RegionName, Result, Timestamp};

use crate::Db;
use crate::sql::{self, Row};
use crate::tasks::{COLUMNS, Ending, bind_columns, end_in, from_row};

/// Stores a new legacy import `task` of `region`.
pub async fn insert(db: &Db, task: &ImageTask, region: &RegionName) -> Result<()> {
    let _turn = db.write_turn().await;
    bind_columns(
        sql::query(format!(
            "INSERT INTO image_tasks ({COLUMNS}, region) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        )),
        task,
    )
    .bind(region.as_str())
    .execute(db)
    .await?;
    Ok(())
}

/// Ends the task `id` (one that holds no image lock). Returns whether it was still running.
pub async fn end(db: &Db, id: &str, ending: &Ending) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let ended = end_in(&mut tx, id, ending, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Ends every running task of `task_type` importing into `image_id` (cut off by a restart).
pub async fn end_running_of_image(
    db: &Db,
    image_id: &str,
    task_type: &str,
    ending: &Ending,
) -> Result<()> {
    let running = sql::query(
        "SELECT id FROM image_tasks WHERE image_id = $1 AND task_type = $2 \
         AND status IN ($3, $4)",
    )
    .bind(image_id)
    .bind(task_type)
    .bind(TaskStatus::Pending.as_str())
    .bind(TaskStatus::Processing.as_str())
    .fetch_all(db)
    .await?;
    for row in running {
        end(db, &row.try_get::<String, _>("id")?, ending).await?;
    }
    Ok(())
}

/// The task `id` of `region`, unless it is past its expiry at `now`.
pub async fn get(
    db: &Db,
    region: &RegionName,
    id: &str,
    now: Timestamp,
) -> Result<Option<ImageTask>> {
    sql::query(format!(
        "SELECT {COLUMNS} FROM image_tasks WHERE id = $1 AND region = $2 \
         AND (expires_at IS NULL OR expires_at >= $3)"
    ))
    .bind(id)
    .bind(region.as_str())
    .bind(now.micros())
    .fetch_optional(db)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Removes the tasks past their expiry at `now`. Returns how many.
pub async fn sweep_expired(db: &Db, now: Timestamp) -> Result<u64> {
    let _turn = db.write_turn().await;
    let done = sql::query("DELETE FROM image_tasks WHERE expires_at < $1")
        .bind(now.micros())
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// The sort expression of a column (an unset expiry sorts first).
fn sort_expression(column: &str) -> String {
    if column == "expires_at" {
        "COALESCE(expires_at, 0)".into()
    } else {
        column.into()
    }
}

/// The value of `row`'s sort column, bound as the marker's.
fn marker_value(task: &ImageTask, column: &str) -> sql::Value {
    match column {
        "created_at" => task.created_at.micros().into(),
        "updated_at" => task.updated_at.micros().into(),
        "expires_at" => task.expires_at.map_or(0, Timestamp::micros).into(),
        "id" => task.id.clone().into(),
        "task_type" => task.task_type.clone().into(),
        "status" => task.status.as_str().to_owned().into(),
        "owner" => task.owner.clone().into(),
        "image_id" => task.image_id.clone().into(),
        "request_id" => task.request_id.clone().into(),
        _ => task.user_id.clone().into(),
    }
}

/// A page of the tasks of `region` not past their expiry at `now`, as `query` asks, after
/// the task `marker` (already found in the region).
pub async fn list(
    db: &Db,
    region: &RegionName,
    query: &TaskQuery,
    marker: Option<&ImageTask>,
    now: Timestamp,
) -> Result<Vec<ImageTask>> {
    let key = sort_expression(query.sort_key.column);
    let (dir, cmp) = if query.ascending {
        ("ASC", ">")
    } else {
        ("DESC", "<")
    };
    let mut text = format!(
        "SELECT {COLUMNS} FROM image_tasks WHERE region = $1 \
         AND (expires_at IS NULL OR expires_at >= $2)"
    );
    let mut values: Vec<sql::Value> = vec![region.as_str().to_owned().into(), now.micros().into()];
    let next = |value: sql::Value, values: &mut Vec<sql::Value>| {
        values.push(value);
        format!("${}", values.len())
    };
    if let Some(status) = query.status {
        let p = next(status.as_str().to_owned().into(), &mut values);
        text.push_str(&format!(" AND status = {p}"));
    }
    if let Some(task_type) = &query.task_type {
        let p = next(task_type.clone().into(), &mut values);
        text.push_str(&format!(" AND task_type = {p}"));
    }
    if let Some(marker) = marker {
        let k = next(marker_value(marker, query.sort_key.column), &mut values);
        let c = next(marker.created_at.micros().into(), &mut values);
        let i = next(marker.id.clone().into(), &mut values);
        text.push_str(&format!(
            " AND ({key}, created_at, id) {cmp} ({k}, {c}, {i})"
        ));
    }
    let limit = next(i64::from(query.limit).into(), &mut values);
    text.push_str(&format!(
        " ORDER BY {key} {dir}, created_at {dir}, id {dir} LIMIT {limit}"
    ));
    let mut statement = sql::query(text);
    for value in values {
        statement = statement.bind(value);
    }
    let rows: Vec<Row> = statement.fetch_all(db).await?;
    rows.iter().map(from_row).collect()
}
