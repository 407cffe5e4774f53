//! Changing one image atomically: the image is read with its row locked inside one write
//! transaction, the caller's change is applied to what was read, and only what changed is
//! written (the fields, and the tags and properties that were added, changed or removed).
//! Concurrent changes to one image therefore serialize instead of overwriting each other: on
//! PostgreSQL through `SELECT … FOR UPDATE`, on SQLite through the database's write lock, which
//! `BEGIN IMMEDIATE` takes before the read.

use glint_core::error::Kind;
use glint_core::image::{Image, ImageId};
use glint_core::{Error, Result};

use super::{load_details, row};
use crate::events::{self, Recording};
use crate::sql;
use crate::{Db, WriteTx};

/// Applies `change` to the current image `id` and stores the result, all in one transaction
/// holding the image's row. `change` edits the image in place and returns whether there is
/// anything to write; an error from it leaves the image as it was. Returns the image as stored.
/// `NotFound` if there is no such image (or it is deleted).
pub async fn modify<F>(db: &Db, id: &ImageId, change: F) -> Result<Image>
where
    F: FnOnce(&mut Image) -> Result<bool>,
{
    modify_telling(db, id, change, |_, _| None).await
}

/// `modify`, which also records what `tell` makes of the change (given the image before and
/// after it) for the image's live shares when it writes one: a deactivation or a deprecation
/// the consumers hear of, in the same transaction.
pub async fn modify_telling<'r, F, T>(db: &Db, id: &ImageId, change: F, tell: T) -> Result<Image>
where
    F: FnOnce(&mut Image) -> Result<bool>,
    T: FnOnce(&Image, &Image) -> Option<Recording<'r>>,
{
    let mut tx = db.begin_write().await?;
    let lock = if tx.is_sqlite() { "" } else { " FOR UPDATE" };
    let read = format!(
        "SELECT {} FROM images i WHERE i.id = $1 AND i.deleted = 0{lock}",
        row::select_list()
    );
    let Some(row) = sql::query(read)
        .bind(id.as_str())
        .fetch_optional(&mut tx)
        .await?
    else {
        return Err(Error::not_found(Kind::Image, id.as_str()));
    };
    let mut read = [row::from_row(&row)?];
    load_details(&mut tx, &mut read).await?;
    let [before] = read;
    let mut after = before.clone();
    if !change(&mut after)? {
        return Ok(before);
    }
    if after.id != before.id || after.region != before.region {
        return Err(Error::Internal(
            "an image change may not move the image".into(),
        ));
    }
    write_fields(&mut tx, &after).await?;
    write_detail_changes(&mut tx, &before, &after).await?;
    if let Some(told) = tell(&before, &after) {
        events::record(&mut tx, &told).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Writes the image's own columns; the upload claim stays only while it receives data.
async fn write_fields(tx: &mut WriteTx, image: &Image) -> Result<()> {
    let status = row::param("status")?;
    let sql = format!(
        "UPDATE images SET {}, \
         upload_node = CASE WHEN {status} IN ('saving', 'uploading', 'importing') THEN upload_node END, \
         upload_heartbeat = CASE WHEN {status} IN ('saving', 'uploading', 'importing') THEN upload_heartbeat END \
         WHERE id = {} AND deleted = 0",
        row::assignments(),
        row::param("id")?
    );
    let done = row::bind(sql::query(sql), image).execute(tx).await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::Internal(format!(
            "the locked image {} was not there to update",
            image.id
        )))
    }
}

/// Writes the difference between the tags and properties of `before` and `after`.
async fn write_detail_changes(tx: &mut WriteTx, before: &Image, after: &Image) -> Result<()> {
    let id = &after.id;
    for tag in before.tags.difference(&after.tags) {
        sql::query("DELETE FROM image_tags WHERE image_id = $1 AND value = $2")
            .bind(id.as_str())
            .bind(tag.as_str())
            .execute(&mut *tx)
            .await?;
    }
    for tag in after.tags.difference(&before.tags) {
        insert_tag(tx, id, tag).await?;
    }
    for name in before.properties.keys() {
        if !after.properties.contains_key(name) {
            sql::query("DELETE FROM image_properties WHERE image_id = $1 AND name = $2")
                .bind(id.as_str())
                .bind(name.as_str())
                .execute(&mut *tx)
                .await?;
        }
    }
    for (name, value) in &after.properties {
        match before.properties.get(name) {
            None => insert_property(tx, id, name, value).await?,
            Some(old) if old != value => {
                sql::query(
                    "UPDATE image_properties SET value = $3 WHERE image_id = $1 AND name = $2",
                )
                .bind(id.as_str())
                .bind(name.as_str())
                .bind(value.as_str())
                .execute(&mut *tx)
                .await?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Adds one tag row.
pub(super) async fn insert_tag(tx: &mut WriteTx, id: &ImageId, tag: &str) -> Result<()> {
    sql::query("INSERT INTO image_tags (image_id, value) VALUES ($1, $2)")
        .bind(id.as_str())
        .bind(tag)
        .execute(tx)
        .await?;
    Ok(())
}

/// Adds one property row.
pub(super) async fn insert_property(
    tx: &mut WriteTx,
    id: &ImageId,
    name: &str,
    value: &str,
) -> Result<()> {
    sql::query("INSERT INTO image_properties (image_id, name, value) VALUES ($1, $2, $3)")
        .bind(id.as_str())
        .bind(name)
        .bind(value)
        .execute(tx)
        .await?;
    Ok(())
}
