//! Bulk loading: many image and member rows in a few multi-row statements and one transaction
//! per call, for data migrations and for filling a store to measure it at scale. No quota or
//! duplicate checks run here; the caller hands in consistent rows.

use std::time::{Duration, Instant};

use glint_core::Result;
use glint_core::image::{Image, ImageMember, ImageStatus};

use crate::images::row;
use crate::sql::{self, Query};
use crate::{Backend, Db, WriteTx};

/// Rows per statement. PostgreSQL takes 1,000 image rows of 20 parameters (the row's columns
/// and `deleted`; its limit is 65,535 parameters).
/// SQLite finds each numbered parameter by a linear search, so binding costs grow with the
/// square of a statement's parameters: short statements are faster there.
fn rows_per_statement(db: &Db) -> usize {
    match db.backend() {
        Backend::Sqlite => 25,
        Backend::Postgres => 1_000,
    }
}

/// `($1, …, $n), ($n+1, …)`: the VALUES list for `rows` rows of `columns` columns.
fn values(rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(row * columns + column + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// Binds an image's row: its columns, then whether it is deleted.
fn bind_image(query: Query, image: &Image) -> Query {
    let deleted = image.status == ImageStatus::Deleted;
    row::bind(query, image).bind(i64::from(deleted))
}

async fn insert_text_rows<const N: usize>(
    tx: &mut WriteTx,
    rows_per_statement: usize,
    table: &str,
    columns: &str,
    rows: &[[&str; N]],
) -> Result<()> {
    for chunk in rows.chunks(rows_per_statement) {
        let sql = format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            values(chunk.len(), N)
        );
        let mut query = sql::query(sql);
        for row in chunk {
            for value in row {
                query = query.bind(*value);
            }
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Stores `images` with their tags and properties, in one transaction. An image whose status is
/// `deleted` is stored as a deleted row. Fails (and stores nothing) if an id is already used.
pub async fn insert_images(db: &Db, images: &[Image]) -> Result<()> {
    let per = rows_per_statement(db);
    let mut tx = db.begin_write().await?;
    for chunk in images.chunks(per) {
        let sql = format!(
            "INSERT INTO images ({}, deleted) VALUES {}",
            row::insert_list(),
            values(chunk.len(), row::COLUMNS.len() + 1)
        );
        let mut query = sql::query(sql);
        for image in chunk {
            query = bind_image(query, image);
        }
        query.execute(&mut tx).await?;
    }
    let tags: Vec<[&str; 2]> = images
        .iter()
        .flat_map(|i| i.tags.iter().map(|t| [i.id.as_str(), t.as_str()]))
        .collect();
    insert_text_rows(&mut tx, per, "image_tags", "image_id, value", &tags).await?;
    let properties: Vec<[&str; 3]> = images
        .iter()
        .flat_map(|i| {
            i.properties
                .iter()
                .map(|(k, v)| [i.id.as_str(), k.as_str(), v.as_str()])
        })
        .collect();
    insert_text_rows(
        &mut tx,
        per,
        "image_properties",
        "image_id, name, value",
        &properties,
    )
    .await?;
    Ok(tx.commit().await?)
}

/// Stores `members` (live shares of existing images), in one transaction. Fails (and stores
/// nothing) if an (image, member) pair is already stored.
pub async fn insert_members(db: &Db, members: &[ImageMember]) -> Result<()> {
    let per = rows_per_statement(db);
    let mut tx = db.begin_write().await?;
    for chunk in members.chunks(per) {
        let sql = format!(
            "INSERT INTO image_members (image_id, member, status, created_at, updated_at, deleted) \
             VALUES {}",
            values(chunk.len(), 6)
        );
        let mut query = sql::query(sql);
        for member in chunk {
            query = query
                .bind(member.image_id.as_str())
                .bind(member.member_id.as_str())
                .bind(member.status.as_str())
                .bind(member.created_at.micros())
                .bind(member.updated_at.micros())
                .bind(0_i64);
        }
        query.execute(&mut tx).await?;
    }
    Ok(tx.commit().await?)
}

/// Refreshes the planner's statistics after a bulk load (PostgreSQL's `ANALYZE`; autovacuum
/// would do it later). SQLite keeps no statistics unless asked, and Glint never asks, so it is
/// left as a running SQLite store would be. Returns how long it took.
pub async fn refresh_statistics(db: &Db) -> Result<Duration> {
    let started = Instant::now();
    if db.backend() == Backend::Postgres {
        sql::query("ANALYZE images, image_members")
            .execute(db)
            .await?;
    }
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::values;

    #[test]
    fn numbers_the_parameters_row_by_row() {
        assert_eq!(values(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values(1, 1), "($1)");
    }
}
