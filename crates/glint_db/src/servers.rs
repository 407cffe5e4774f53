//! Server records: insert, read, list for an account, status and image changes, and whether an
//! image still backs a live server (then its data must be kept when the image is deleted).

use glint_core::compute::{Server, ServerStatus};
use glint_core::error::Kind;
use glint_core::image::ImageId;
use glint_core::{AccountId, Error, RegionName, Result, Timestamp, UserId};

use crate::Db;
use crate::sql::{self, Row};

const COLUMNS: &str = "id, region, account_id, user_id, name, image_id, flavor_id, status, \
    task_state, networks, created_at, updated_at, launched_at";

fn from_row(row: &Row) -> Result<Server> {
    let text = |c: &str| row.try_get::<String, _>(c).map_err(Error::from);
    let status: String = text("status")?;
    Ok(Server {
        id: text("id")?,
        region: RegionName::from_trusted(text("region")?),
        account_id: AccountId::from_trusted(text("account_id")?),
        user_id: UserId::from_trusted(text("user_id")?),
        name: text("name")?,
        image_id: ImageId::from_trusted(text("image_id")?),
        flavor_id: text("flavor_id")?,
        status: status
            .parse()
            .map_err(|e: Error| Error::Internal(format!("stored server status: {e}")))?,
        task_state: row.try_get("task_state")?,
        networks: text("networks")?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
        updated_at: Timestamp::from_micros(row.try_get("updated_at")?),
        launched_at: row
            .try_get::<Option<i64>, _>("launched_at")?
            .map(Timestamp::from_micros),
    })
}

/// Stores a new server.
pub async fn insert(db: &Db, s: &Server) -> Result<()> {
    let _turn = db.write_turn().await;
    sql::query(
        "INSERT INTO servers (id, region, account_id, user_id, name, image_id, flavor_id, status, \
         task_state, networks, created_at, updated_at, launched_at, deleted) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0)",
    )
    .bind(&s.id)
    .bind(s.region.as_str())
    .bind(s.account_id.as_str())
    .bind(s.user_id.as_str())
    .bind(&s.name)
    .bind(s.image_id.as_str())
    .bind(&s.flavor_id)
    .bind(s.status.as_str())
    .bind(s.task_state.as_deref())
    .bind(&s.networks)
    .bind(s.created_at.micros())
    .bind(s.updated_at.micros())
    .bind(s.launched_at.map(Timestamp::micros))
    .execute(db)
    .await?;
    Ok(())
}

/// A live server by id.
pub async fn get(db: &Db, id: &str) -> Result<Option<Server>> {
    let sql = format!("SELECT {COLUMNS} FROM servers WHERE id = $1 AND deleted = 0");
    let row = sql::query(sql).bind(id).fetch_optional(db).await?;
    row.as_ref().map(from_row).transpose()
}

/// The live servers of an account in a region (every account's for `None`), newest first.
pub async fn list(
    db: &Db,
    region: &RegionName,
    account: Option<&AccountId>,
) -> Result<Vec<Server>> {
    let rows = match account {
        Some(account) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM servers WHERE region = $1 AND account_id = $2 \
                 AND deleted = 0 ORDER BY created_at DESC, id DESC"
            );
            sql::query(sql)
                .bind(region.as_str())
                .bind(account.as_str())
                .fetch_all(db)
                .await
        }
        None => {
            let sql = format!(
                "SELECT {COLUMNS} FROM servers WHERE region = $1 AND deleted = 0 \
                 ORDER BY created_at DESC, id DESC"
            );
            sql::query(sql).bind(region.as_str()).fetch_all(db).await
        }
    }?;
    rows.iter().map(from_row).collect()
}

/// The live servers of an account, in every region, whose image is deprecated (newest first).
pub async fn on_deprecated_images(db: &Db, account: &AccountId) -> Result<Vec<Server>> {
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("s.{c}")).collect();
    let sql = format!(
        "SELECT {} FROM servers s JOIN image_properties p \
           ON p.image_id = s.image_id AND p.name = $1 AND p.value = 'true' \
         WHERE s.account_id = $2 AND s.deleted = 0 ORDER BY s.created_at DESC, s.id DESC",
        columns.join(", ")
    );
    let rows = sql::query(sql)
        .bind(glint_core::image::deprecation::DEPRECATED)
        .bind(account.as_str())
        .fetch_all(db)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Moves a live server from `from` to `to`, with a task state and (for rebuilds) a new image.
/// `StateConflict` when it is not in `from` (another task runs).
pub async fn transition(
    db: &Db,
    id: &str,
    from: ServerStatus,
    to: ServerStatus,
    task_state: Option<&str>,
    image: Option<&ImageId>,
) -> Result<()> {
    let _turn = db.write_turn().await;
    let now = Timestamp::now().micros();
    let launched = (to == ServerStatus::Active).then_some(now);
    let done = sql::query(
        "UPDATE servers SET status = $1, task_state = $2, updated_at = $3, \
         image_id = COALESCE($4, image_id), launched_at = COALESCE($5, launched_at) \
         WHERE id = $6 AND status = $7 AND deleted = 0",
    )
    .bind(to.as_str())
    .bind(task_state)
    .bind(now)
    .bind(image.map(ImageId::as_str))
    .bind(launched)
    .bind(id)
    .bind(from.as_str())
    .execute(db)
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::StateConflict(format!(
            "Cannot '{}' server {id} while it is not {}",
            to.as_str().to_lowercase(),
            from.as_str()
        )))
    }
}

/// Sets the task state of a live server in any status.
pub async fn set_task(db: &Db, id: &str, task_state: Option<&str>) -> Result<()> {
    let _turn = db.write_turn().await;
    sql::query("UPDATE servers SET task_state = $1, updated_at = $2 WHERE id = $3 AND deleted = 0")
        .bind(task_state)
        .bind(Timestamp::now().micros())
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks a server deleted; `NotFound` if it was gone.
pub async fn delete(db: &Db, id: &str) -> Result<()> {
    let _turn = db.write_turn().await;
    let now = Timestamp::now().micros();
    let done = sql::query(
        "UPDATE servers SET status = 'DELETED', deleted = 1, deleted_at = $1, updated_at = $1 \
         WHERE id = $2 AND deleted = 0",
    )
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::not_found(Kind::Server, id))
    }
}

/// Whether a live server was built from the image (its data is then kept after deletion).
pub async fn image_in_use(db: &Db, image: &ImageId) -> Result<bool> {
    let row = sql::query("SELECT id FROM servers WHERE image_id = $1 AND deleted = 0 LIMIT 1")
        .bind(image.as_str())
        .fetch_optional(db)
        .await?;
    Ok(row.is_some())
}
