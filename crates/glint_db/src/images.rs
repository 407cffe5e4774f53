//! Image records with their tags and custom properties: insert, read, upload claims and soft
//! deletion. Changes to an existing image go through `modify` (one locked read-and-write);
//! listing with the API's filters lives in `image_list`.

mod modify;
pub(crate) mod row;

pub use modify::{modify, modify_telling};

use std::collections::HashMap;
use std::sync::LazyLock;

use glint_core::error::Kind;
use glint_core::event::EventKind;
use glint_core::image::{Image, ImageId, ImageStatus};
use glint_core::{Error, RegionName, Result, Timestamp};

use crate::events::{self, Change, Recording};
use crate::sql::{self, On};
use crate::{Db, WriteTx, is_unique_violation};

/// The image columns every read of an image selects, over the images table aliased `i`
/// (`i.id, i.region, …`), for statements outside the store such as the benchmarks' floor.
pub fn select_list() -> &'static str {
    row::select_list()
}

/// Fills in the tags and properties of `images`: one query for the whole batch (a tag is a
/// row without a name).
pub(crate) async fn load_details<'a>(on: impl Into<On<'a>>, images: &mut [Image]) -> Result<()> {
    if images.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (1..=images.len()).map(|n| format!("${n}")).collect();
    let list = placeholders.join(", ");
    let index: HashMap<String, usize> = images
        .iter()
        .enumerate()
        .map(|(n, i)| (i.id.as_str().to_owned(), n))
        .collect();
    let sql = format!(
        "SELECT image_id, 't' AS kind, value AS name, value FROM image_tags \
         WHERE image_id IN ({list}) \
         UNION ALL SELECT image_id, 'p' AS kind, name, value FROM image_properties \
         WHERE image_id IN ({list})"
    );
    let mut details = sql::query(sql);
    for image in images.iter() {
        details = details.bind(image.id.as_str().to_owned());
    }
    for row in details.fetch_all(on).await? {
        let id: String = row.try_get("image_id")?;
        let Some(&n) = index.get(&id) else { continue };
        let kind: String = row.try_get("kind")?;
        let value: String = row.try_get("value")?;
        if kind == "t" {
            images[n].tags.insert(value);
        } else {
            let name: String = row.try_get("name")?;
            images[n].properties.insert(name, value);
        }
    }
    Ok(())
}

/// Writes a new image's tags and properties.
async fn write_details(tx: &mut WriteTx, image: &Image) -> Result<()> {
    for tag in &image.tags {
        modify::insert_tag(tx, &image.id, tag).await?;
    }
    for (name, value) in &image.properties {
        modify::insert_property(tx, &image.id, name, value).await?;
    }
    Ok(())
}

/// Stores a new image; `Conflict` if the id was ever used.
pub async fn insert(db: &Db, image: &Image) -> Result<()> {
    let mut tx = db.begin_write().await?;
    static INSERT: LazyLock<String> = LazyLock::new(|| {
        format!(
            "INSERT INTO images ({}) VALUES ({})",
            row::insert_list(),
            row::params()
        )
    });
    row::bind(sql::query(INSERT.as_str()), image)
        .execute(&mut tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::conflict(Kind::Image, image.id.as_str())
            } else {
                Error::from(e)
            }
        })?;
    write_details(&mut tx, image).await?;
    Ok(tx.commit().await?)
}

/// The image with this id, unless deleted.
pub async fn get(db: &Db, id: &str) -> Result<Option<Image>> {
    read_one(db, id, " AND i.deleted = 0").await
}

/// The image `id` whose row also meets `condition`, with its tags and properties.
async fn read_one(db: &Db, id: &str, condition: &str) -> Result<Option<Image>> {
    let sql = format!(
        "SELECT {} FROM images i WHERE i.id = $1{condition}",
        row::select_list()
    );
    let row = sql::query(sql).bind(id).fetch_optional(db).await?;
    let Some(row) = row else { return Ok(None) };
    let mut images = [row::from_row(&row)?];
    load_details(db, &mut images).await?;
    let [image] = images;
    Ok(Some(image))
}

/// Marks an image deleted, with its members, telling each consumer and the producer. Returns
/// false if it was already gone.
pub async fn delete(db: &Db, id: &ImageId, change: &Change<'_>) -> Result<bool> {
    let now = change.at.micros();
    let mut tx = db.begin_write().await?;
    let done = sql::query(
        "UPDATE images SET status = 'deleted', deleted = 1, deleted_at = $1, updated_at = $1 \
         WHERE id = $2 AND deleted = 0",
    )
    .bind(now)
    .bind(id.as_str())
    .execute(&mut tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    if !tx.is_sqlite() {
        sql::query(
            "SELECT member FROM image_members WHERE image_id = $1 AND deleted = 0 FOR UPDATE",
        )
        .bind(id.as_str())
        .fetch_all(&mut tx)
        .await?;
    }
    let deleted = Recording::new(EventKind::Deleted, id, change.actor, change.at);
    events::record(&mut tx, &deleted).await?;
    sql::query(
        "UPDATE image_members SET deleted = 1, updated_at = $1 WHERE image_id = $2 AND deleted = 0",
    )
    .bind(now)
    .bind(id.as_str())
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Moves an image from `from` to the data-receiving status `to` for `node`, or takes over an
/// upload in `to` whose node has not said it is alive since `stale_before` (its node died).
/// Returns whether this node now receives the data.
pub async fn begin_upload(
    db: &Db,
    id: &ImageId,
    from: ImageStatus,
    to: ImageStatus,
    node: &str,
    stale_before: Timestamp,
) -> Result<bool> {
    let _turn = db.write_turn().await;
    let now = Timestamp::now().micros();
    let done = sql::query(
        "UPDATE images SET status = $1, upload_node = $2, upload_heartbeat = $3, updated_at = $3 \
         WHERE id = $4 AND deleted = 0 \
         AND (status = $5 OR (status = $1 AND COALESCE(upload_heartbeat, 0) < $6))",
    )
    .bind(to.as_str())
    .bind(node)
    .bind(now)
    .bind(id.as_str())
    .bind(from.as_str())
    .bind(stale_before.micros())
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that `node` is still receiving the image's data.
pub async fn upload_heartbeat(db: &Db, id: &ImageId, node: &str) -> Result<()> {
    let _turn = db.write_turn().await;
    sql::query(
        "UPDATE images SET upload_heartbeat = $1 WHERE id = $2 AND upload_node = $3 \
         AND status IN ('saving', 'uploading', 'importing')",
    )
    .bind(Timestamp::now().micros())
    .bind(id.as_str())
    .bind(node)
    .execute(db)
    .await?;
    Ok(())
}

/// Puts every image that `node` was receiving data for back to `queued` (after that node
/// restarted, those uploads are dead). Returns those images' ids and regions.
pub async fn abandon_uploads(db: &Db, node: &str) -> Result<Vec<(ImageId, RegionName)>> {
    let _turn = db.write_turn().await;
    let rows = sql::query(
        "SELECT id, region FROM images WHERE upload_node = $1 AND deleted = 0 \
         AND status IN ('saving', 'uploading', 'importing')",
    )
    .bind(node)
    .fetch_all(db)
    .await?;
    let mut abandoned = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = row.try_get("id")?;
        let region: String = row.try_get("region")?;
        sql::query(
            "UPDATE images SET status = 'queued', size = NULL, virtual_size = NULL, \
             upload_node = NULL, upload_heartbeat = NULL, updated_at = $1 \
             WHERE id = $2 AND upload_node = $3 AND status IN ('saving', 'uploading', 'importing')",
        )
        .bind(Timestamp::now().micros())
        .bind(&id)
        .bind(node)
        .execute(db)
        .await?;
        abandoned.push((ImageId::from_trusted(id), RegionName::from_trusted(region)));
    }
    Ok(abandoned)
}

/// Clears the record of which node receives the image's data.
pub async fn end_upload(db: &Db, id: &ImageId) -> Result<()> {
    let _turn = db.write_turn().await;
    sql::query("UPDATE images SET upload_node = NULL, upload_heartbeat = NULL WHERE id = $1")
        .bind(id.as_str())
        .execute(db)
        .await?;
    Ok(())
}

/// An image by id, deleted or not (servers keep using images deleted after they were built).
pub async fn get_any(db: &Db, id: &str) -> Result<Option<Image>> {
    read_one(db, id, "").await
}
