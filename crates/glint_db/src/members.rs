//! Image members (shares): one row per (image, consumer), soft-deleted on removal so that a
//! re-share revives the row as a new `pending` share. Every change is one write transaction (on
//! SQLite an add is one statement), so concurrent clients never see a lost update or a
//! duplicate row.

use glint_core::error::Kind;
use glint_core::image::{Image, ImageId, ImageMember, MemberStatus};
use glint_core::{Error, Result, Timestamp};

use crate::images::row;
use crate::sql::{self, Row};
use crate::{Backend, Db, is_unique_violation};

/// The member columns, in the order `read_at` reads them.
const COLUMNS: [&str; 5] = ["image_id", "member", "status", "created_at", "updated_at"];

/// The member columns as a select list, each prefixed by `alias` (`""` or `"m."`).
fn select_list(alias: &str) -> String {
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

/// Adds `member` to the image as a new `pending` share. The quota (`None`: unlimited) is
/// checked before the duplicate check, as the reference does: `QuotaExceeded`, then `Conflict`.
pub async fn add(
    db: &Db,
    image: &ImageId,
    member: &str,
    quota: Option<u64>,
) -> Result<ImageMember> {
    let now = Timestamp::now();
    if db.backend() == Backend::Sqlite {
        return add_in_one_statement(db, image, member, quota, now).await;
    }
    let mut tx = db.begin_write().await?;
    // Serialize adds to one image, so the quota and duplicate checks below see every earlier
    // add. SQLite's write transaction already holds the database's write lock.
    if db.backend() == Backend::Postgres {
        sql::query("SELECT id FROM images WHERE id = $1 FOR UPDATE")
            .bind(image.as_str())
            .fetch_optional(&mut tx)
            .await?;
    }
    let (live, existing) = shares_of(&mut tx, image, member).await?;
    if quota.is_some_and(|q| live + 1 > q) {
        return Err(Error::QuotaExceeded(format!(
            "Image member limit exceeded for image {image}: the limit is {}",
            quota.unwrap_or_default()
        )));
    }
    let sql = match existing {
        Some(0) => {
            return Err(Error::StateConflict(format!(
                "Member {member} is duplicated for image {image}"
            )));
        }
        Some(_) => {
            "UPDATE image_members SET status = $3, created_at = $4, updated_at = $4, deleted = 0 \
             WHERE image_id = $1 AND member = $2"
        }
        None => {
            "INSERT INTO image_members (image_id, member, status, created_at, updated_at, deleted) \
             VALUES ($1, $2, $3, $4, $4, 0)"
        }
    };
    sql::query(sql)
        .bind(image.as_str())
        .bind(member)
        .bind(MemberStatus::Pending.as_str())
        .bind(now.micros())
        .execute(&mut tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::StateConflict(format!("Member {member} is duplicated for image {image}"))
            } else {
                Error::from(e)
            }
        })?;
    tx.commit().await?;
    Ok(pending(image, member, now))
}

/// How many live shares the image has, and whether `member` has one (`Some(0)`), had one
/// that was removed (`Some(1)`) or never had one (`None`).
async fn shares_of(
    tx: &mut crate::WriteTx,
    image: &ImageId,
    member: &str,
) -> Result<(u64, Option<i64>)> {
    let rows = sql::query("SELECT member, deleted FROM image_members WHERE image_id = $1")
        .bind(image.as_str())
        .fetch_all(&mut *tx)
        .await?;
    let mut live = 0_u64;
    let mut existing: Option<i64> = None;
    for row in &rows {
        let deleted: i64 = row.try_get("deleted")?;
        let name: String = row.try_get("member")?;
        if deleted == 0 {
            live += 1;
        }
        if name == member {
            existing = Some(deleted);
        }
    }
    Ok((live, existing))
}

fn pending(image: &ImageId, member: &str, now: Timestamp) -> ImageMember {
    ImageMember {
        image_id: image.clone(),
        member_id: member.to_owned(),
        status: MemberStatus::Pending,
        created_at: now,
        updated_at: now,
    }
}

/// `add` on SQLite: one statement inserts the share (or revives a removed one) only while the
/// quota allows and the member is not live already. A statement runs under the database's
/// write lock, so its checks and its write cannot interleave with another add; when it writes
/// nothing, a read of the image's shares says which check refused it.
async fn add_in_one_statement(
    db: &Db,
    image: &ImageId,
    member: &str,
    quota: Option<u64>,
    now: Timestamp,
) -> Result<ImageMember> {
    let _turn = db.write_turn().await;
    let limit = quota.map_or(i64::MAX, |q| i64::try_from(q).unwrap_or(i64::MAX));
    let written = sql::query(
        "INSERT INTO image_members \
         (image_id, member, status, created_at, updated_at, deleted, image_created_at) \
         SELECT $1, $2, $3, $4, $4, 0, i.created_at FROM images i WHERE i.id = $1 \
         AND (SELECT COUNT(*) FROM image_members WHERE image_id = $1 AND deleted = 0) < $5 \
         ON CONFLICT (image_id, member) DO UPDATE SET status = excluded.status, \
         created_at = excluded.created_at, updated_at = excluded.updated_at, deleted = 0 \
         WHERE image_members.deleted <> 0",
    )
    .bind(image.as_str())
    .bind(member)
    .bind(MemberStatus::Pending.as_str())
    .bind(now.micros())
    .bind(limit)
    .execute(db)
    .await?;
    if written.rows_affected() == 1 {
        return Ok(pending(image, member, now));
    }
    let live: i64 =
        sql::query("SELECT COUNT(*) AS n FROM image_members WHERE image_id = $1 AND deleted = 0")
            .bind(image.as_str())
            .fetch_one(db)
            .await?
            .try_get("n")?;
    if live >= limit {
        return Err(Error::QuotaExceeded(format!(
            "Image member limit exceeded for image {image}: the limit is {}",
            quota.unwrap_or_default()
        )));
    }
    Err(Error::StateConflict(format!(
        "Member {member} is duplicated for image {image}"
    )))
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

/// Sets a live member's status; `NotFound` if there is no such live member.
pub async fn set_status(
    db: &Db,
    image: &ImageId,
    member: &str,
    status: MemberStatus,
) -> Result<ImageMember> {
    let _turn = db.write_turn().await;
    let sql = format!(
        "UPDATE image_members SET status = $1, updated_at = $2 \
         WHERE image_id = $3 AND member = $4 AND deleted = 0 RETURNING {}",
        select_list("")
    );
    let row = sql::query(sql)
        .bind(status.as_str())
        .bind(Timestamp::now().micros())
        .bind(image.as_str())
        .bind(member)
        .fetch_optional(db)
        .await?;
    match row {
        Some(row) => from_row(&row),
        None => Err(Error::not_found(Kind::Member, member)),
    }
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

/// Removes a live member; `NotFound` if there is none.
pub async fn remove(db: &Db, image: &ImageId, member: &str) -> Result<()> {
    let _turn = db.write_turn().await;
    let done = sql::query(
        "UPDATE image_members SET deleted = 1, updated_at = $1 \
         WHERE image_id = $2 AND member = $3 AND deleted = 0",
    )
    .bind(Timestamp::now().micros())
    .bind(image.as_str())
    .bind(member)
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::not_found(Kind::Member, member));
    }
    Ok(())
}
