//! Import tasks (`image_tasks`) and the import lock they hold on their image, Glance's
//! `os_glance_import_task` property: a task is stored in the transaction that takes the lock,
//! and ends in the transaction that drops it, so a lock never names a task that has ended.
//! When a task may take a lock over, and who reads which task, are `glint_core::task`'s rules.

use glint_core::task::{self, ImageTask, LOCK_PROPERTY, TaskStatus};
use glint_core::{Error, Result, Timestamp};
use serde_json::Value;

use crate::sql::{self, Row};
use crate::{Db, is_unique_violation};

pub(crate) const COLUMNS: &str = "id, task_type, status, owner, image_id, request_id, user_id, input, \
                       result, message, created_at, updated_at, expires_at";

/// How a task ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// The import finished; Glance's result `{"image_id"}`.
    Success(Value),
    /// The import failed, and why, for the user.
    Failure(String),
}

fn json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("stored task JSON: {e}")))
}

pub(crate) fn from_row(row: &Row) -> Result<ImageTask> {
    let status: String = row.try_get("status")?;
    let input: String = row.try_get("input")?;
    let result: Option<String> = row.try_get("result")?;
    Ok(ImageTask {
        id: row.try_get("id")?,
        task_type: row.try_get("task_type")?,
        status: status.parse()?,
        owner: row.try_get("owner")?,
        image_id: row.try_get("image_id")?,
        request_id: row.try_get("request_id")?,
        user_id: row.try_get("user_id")?,
        input: json(&input)?,
        result: result.as_deref().map(json).transpose()?,
        message: row.try_get("message")?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
        updated_at: Timestamp::from_micros(row.try_get("updated_at")?),
        expires_at: row
            .try_get::<Option<i64>, _>("expires_at")?
            .map(Timestamp::from_micros),
    })
}

fn prior_operation(image_id: &str) -> Error {
    Error::StateConflict(format!(
        "New operation on image '{image_id}' is not permitted as prior operation is still in \
         progress"
    ))
}

/// Stores the new `task` and gives it its image's import lock, in one transaction. `stale` is
/// the task whose lock it takes over (its lock expired), which then fails; `None` when the
/// image holds no lock. Another import that took the lock first makes this a 409, Glance's.
/// Tasks of the image past their expiry go at the same time.
pub async fn start(db: &Db, task: &ImageTask, stale: Option<&str>) -> Result<()> {
    let now = Timestamp::now();
    let mut tx = db.begin_write().await?;
    let locked = match stale {
        Some(old) => {
            let moved = sql::query(
                "UPDATE image_properties SET value = $1 \
                 WHERE image_id = $2 AND name = $3 AND value = $4",
            )
            .bind(task.id.as_str())
            .bind(task.image_id.as_str())
            .bind(LOCK_PROPERTY)
            .bind(old)
            .execute(&mut tx)
            .await?;
            end_in(
                &mut tx,
                old,
                &Ending::Failure("Expired lock preempted".into()),
                now,
            )
            .await?;
            moved.rows_affected() == 1
        }
        None => match sql::query(
            "INSERT INTO image_properties (image_id, name, value) VALUES ($1, $2, $3)",
        )
        .bind(task.image_id.as_str())
        .bind(LOCK_PROPERTY)
        .bind(task.id.as_str())
        .execute(&mut tx)
        .await
        {
            Ok(_) => true,
            Err(e) if is_unique_violation(&e) => false,
            Err(e) => return Err(e.into()),
        },
    };
    if !locked {
        return Err(prior_operation(&task.image_id));
    }
    sql::query("DELETE FROM image_tasks WHERE image_id = $1 AND expires_at < $2")
        .bind(task.image_id.as_str())
        .bind(now.micros())
        .execute(&mut tx)
        .await?;
    bind_columns(
        sql::query(format!(
            "INSERT INTO image_tasks ({COLUMNS}, region) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
             (SELECT region FROM images WHERE id = $5))"
        )),
        task,
    )
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a pending task to `processing`. Returns whether it was pending.
pub async fn begin_processing(db: &Db, id: &str) -> Result<bool> {
    let _turn = db.write_turn().await;
    let done = sql::query(
        "UPDATE image_tasks SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(TaskStatus::Processing.as_str())
    .bind(Timestamp::now().micros())
    .bind(id)
    .bind(TaskStatus::Pending.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the task `id` of `image_id` and drops the image's lock if the task still holds it, in
/// one transaction. Returns whether the task was still running (an ended task stays as it is).
pub async fn finish(db: &Db, id: &str, image_id: &str, ending: &Ending) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let ended = end_in(&mut tx, id, ending, Timestamp::now()).await?;
    sql::query("DELETE FROM image_properties WHERE image_id = $1 AND name = $2 AND value = $3")
        .bind(image_id)
        .bind(LOCK_PROPERTY)
        .bind(id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Ends the task holding the import lock of `image_id`, if any, as `finish` does (an import
/// cut off by a restart). Returns whether there was one still running.
pub async fn finish_lock_holder(db: &Db, image_id: &str, ending: &Ending) -> Result<bool> {
    let holder = sql::query("SELECT value FROM image_properties WHERE image_id = $1 AND name = $2")
        .bind(image_id)
        .bind(LOCK_PROPERTY)
        .fetch_optional(db)
        .await?;
    match holder {
        Some(row) => finish(db, &row.try_get::<String, _>("value")?, image_id, ending).await,
        None => Ok(false),
    }
}

pub(crate) async fn end_in(
    tx: &mut crate::WriteTx,
    id: &str,
    ending: &Ending,
    now: Timestamp,
) -> Result<bool> {
    let (status, result, message) = match ending {
        Ending::Success(result) => (TaskStatus::Success, Some(result.to_string()), ""),
        Ending::Failure(why) => (TaskStatus::Failure, None, why.as_str()),
    };
    let done = sql::query(
        "UPDATE image_tasks SET status = $1, result = $2, message = $3, updated_at = $4, \
         expires_at = $5 WHERE id = $6 AND status IN ($7, $8)",
    )
    .bind(status.as_str())
    .bind(result)
    .bind(message)
    .bind(now.micros())
    .bind(task::expiry_from(now).micros())
    .bind(id)
    .bind(TaskStatus::Pending.as_str())
    .bind(TaskStatus::Processing.as_str())
    .execute(tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The task `id`, whatever its status.
pub async fn get(db: &Db, id: &str) -> Result<Option<ImageTask>> {
    sql::query(format!("SELECT {COLUMNS} FROM image_tasks WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The import tasks (`api_image_import`) of `image_id` not past their expiry at `now`, newest
/// first; only those of `owner` when given.
pub async fn of_image(
    db: &Db,
    image_id: &str,
    owner: Option<&str>,
    now: Timestamp,
) -> Result<Vec<ImageTask>> {
    let by_owner = if owner.is_some() {
        " AND owner = $3"
    } else {
        ""
    };
    let mut query = sql::query(format!(
        "SELECT {COLUMNS} FROM image_tasks WHERE image_id = $1 AND task_type = '{}' \
         AND (expires_at IS NULL OR expires_at >= $2){by_owner} \
         ORDER BY created_at DESC, id DESC",
        task::IMPORT_TASK_TYPE
    ))
    .bind(image_id)
    .bind(now.micros());
    if let Some(owner) = owner {
        query = query.bind(owner);
    }
    query.fetch_all(db).await?.iter().map(from_row).collect()
}

/// `query` with `task`'s values bound to `$1`…`$13`, in the order of [`COLUMNS`].
pub(crate) fn bind_columns(query: sql::Query, task: &ImageTask) -> sql::Query {
    query
        .bind(task.id.as_str())
        .bind(task.task_type.as_str())
        .bind(task.status.as_str())
        .bind(task.owner.as_str())
        .bind(task.image_id.as_str())
        .bind(task.request_id.as_str())
        .bind(task.user_id.as_str())
        .bind(task.input.to_string())
        .bind(task.result.as_ref().map(Value::to_string))
        .bind(task.message.as_str())
        .bind(task.created_at.micros())
        .bind(task.updated_at.micros())
        .bind(task.expires_at.map(Timestamp::micros))
}
