//! Image members (shares): one row per (image, consumer), soft-deleted on removal so that a
//! re-share revives the row as a new `pending` share. Every change is one write transaction
//! that also records the change's share event, so concurrent clients never see a lost update
//! or a duplicate row, and no change goes untold. Adds live in `add`, scheduled removals in
//! `schedule`, the other changes in `changes`.

mod add;
mod changes;
mod policy;
mod schedule;

pub use add::add;
pub use changes::{EndedShare, Reminder, expire_pending, remind, remove, set_status};
pub use policy::{accept_automatically, accept_with_override};
pub use schedule::{cancel_removal, removal_of, removals_for, remove_due, schedule_removal};

use std::sync::LazyLock;

use glint_core::image::{Image, ImageId, ImageMember};
use glint_core::{Error, Result, Timestamp};

use crate::Db;
use crate::images::row;
use crate::sql::{self, Row};

/// The member columns, in the order `read_at` reads them.
const COLUMNS: [&str; 5] = ["image_id", "member", "status", "created_at", "updated_at"];

/// The member columns as a select list, each prefixed by `alias` (`""` or `"m."`); built once
/// per alias (member calls are hot).
fn select_list(alias: &str) -> &'static str {
    static PLAIN: LazyLock<String> = LazyLock::new(|| columns_with(""));
    static ALIASED: LazyLock<String> = LazyLock::new(|| columns_with("m."));
    if alias.is_empty() { &PLAIN } else { &ALIASED }
}

fn columns_with(alias: &str) -> String {
    let columns: Vec<String> = COLUMNS.iter().map(|c| format!("{alias}{c}")).collect();
    columns.join(", ")
}

/// Reads a member from a row holding `COLUMNS` from position `at` on.
fn read_at(row: &Row, at: usize) -> Result<ImageMember> {
    let status: String = row.try_get(at + 2)?;
    Ok(ImageMember {
        image_id: ImageId::from_trusted(row.try_get(at)?),
        member_id: row.try_get(at + 1)?,
        status: status
            .parse()
            .map_err(|e: Error| Error::Internal(format!("stored member status: {e}")))?,
        created_at: Timestamp::from_micros(row.try_get(at + 3)?),
        updated_at: Timestamp::from_micros(row.try_get(at + 4)?),
    })
}

fn from_row(row: &Row) -> Result<ImageMember> {
    read_at(row, 0)
}

/// The live members of an image, oldest first.
pub async fn list(db: &Db, image: &ImageId) -> Result<Vec<ImageMember>> {
    let sql = format!(
        "SELECT {} FROM image_members WHERE image_id = $1 AND deleted = 0 \
         ORDER BY created_at, member",
        select_list("")
    );
    let rows = sql::query(sql).bind(image.as_str()).fetch_all(db).await?;
    rows.iter().map(from_row).collect()
}

/// One live member of an image.
pub async fn get(db: &Db, image: &ImageId, member: &str) -> Result<Option<ImageMember>> {
    let sql = format!(
        "SELECT {} FROM image_members WHERE image_id = $1 AND member = $2 AND deleted = 0",
        select_list("")
    );
    let row = sql::query(sql)
        .bind(image.as_str())
        .bind(member)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The image with this id, unless deleted, without its tags and properties, and `member`'s
/// live share of it if any: what a sharing decision needs, in one round trip.
pub async fn image_with_share(
    db: &Db,
    image: &str,
    member: &str,
) -> Result<Option<(Image, Option<ImageMember>)>> {
    let sql = format!(
        "SELECT {}, {} \
         FROM images i LEFT JOIN image_members m \
           ON m.image_id = i.id AND m.member = $2 AND m.deleted = 0 \
         WHERE i.id = $1 AND i.deleted = 0",
        row::select_list(),
        select_list("m.")
    );
    let row = sql::query(sql)
        .bind(image)
        .bind(member)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let found = row::from_row(&row)?;
    let share_at = row::COLUMNS.len();
    let share = match row.try_get::<Option<String>, _>(share_at)? {
        None => None,
        Some(_) => Some(read_at(&row, share_at)?),
    };
    Ok(Some((found, share)))
}
