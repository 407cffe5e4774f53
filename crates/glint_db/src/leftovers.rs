//! Whether stored data still has an owner, for the sweep of leftovers: the data of an image is
//! needed while the image lives or a live server was built from it (servers are rebuilt from
//! their image even after it was deleted), staged data while its image waits for the import,
//! and a server's disk while the server lives.

use std::collections::HashMap;

use crate::Db;
use crate::sql::{self, Value};
use glint_core::Result;

/// What a piece of stored data belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// `images/<image id>`.
    ImageData,
    /// `staging/<image id>`.
    StagedData,
    /// `disks/<server id>`.
    ServerDisk,
}

/// Who needs a piece of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Something live needs it: keep it.
    Live,
    /// Its owner was deleted and nothing live needs it: remove it.
    Deleted,
    /// No record names it at all (a record may be on its way, or the data is foreign).
    Unknown,
}

/// The owner of each of `ids` (of one kind of data); ids with no record are `Unknown`.
pub async fn owners(db: &Db, kind: DataKind, ids: &[String]) -> Result<HashMap<String, Owner>> {
    let mut found: HashMap<String, Owner> =
        ids.iter().map(|id| (id.clone(), Owner::Unknown)).collect();
    if ids.is_empty() {
        return Ok(found);
    }
    let list = (1..=ids.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let statement = match kind {
        DataKind::ImageData => format!(
            "SELECT i.id, CASE WHEN i.deleted = 0 OR EXISTS (SELECT 1 FROM servers s \
             WHERE s.image_id = i.id AND s.deleted = 0) THEN 1 ELSE 0 END AS live \
             FROM images i WHERE i.id IN ({list})"
        ),
        // Staged data waits for its import while the image is `uploading` (or `importing`);
        // an image that moved on (imported, or back to `queued` after a failed stage) no
        // longer needs it.
        DataKind::StagedData => format!(
            "SELECT id, CASE WHEN deleted = 0 AND status IN ('uploading', 'importing') \
             THEN 1 ELSE 0 END AS live FROM images WHERE id IN ({list})"
        ),
        DataKind::ServerDisk => format!(
            "SELECT id, CASE WHEN deleted = 0 THEN 1 ELSE 0 END AS live \
             FROM servers WHERE id IN ({list})"
        ),
    };
    let mut query = sql::query(statement);
    for id in ids {
        query = query.bind(Value::from(id));
    }
    for row in query.fetch_all(db).await? {
        let id: String = row.try_get("id")?;
        let live: i64 = row.try_get("live")?;
        found.insert(
            id,
            if live == 1 {
                Owner::Live
            } else {
                Owner::Deleted
            },
        );
    }
    if kind == DataKind::ImageData {
        // A server may name an image that has no record (it never had one here): its data is
        // still what the server is rebuilt from.
        for id in servers_using(db, ids, &list).await? {
            found.insert(id, Owner::Live);
        }
    }
    Ok(found)
}

async fn servers_using(db: &Db, ids: &[String], list: &str) -> Result<Vec<String>> {
    let mut query = sql::query(format!(
        "SELECT DISTINCT image_id FROM servers WHERE deleted = 0 AND image_id IN ({list})"
    ));
    for id in ids {
        query = query.bind(Value::from(id));
    }
    let mut used = Vec::new();
    for row in query.fetch_all(db).await? {
        used.push(row.try_get("image_id")?);
    }
    Ok(used)
}
