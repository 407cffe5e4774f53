//! Fan-out: turns share events into deliveries. Each endpoint keeps a cursor, the id of the last
//! event it was given; the events after it that concern its account (as producer or consumer,
//! in a region the account may use, of a type the endpoint wants) become its deliveries, and
//! the cursor moves on, in one transaction. Event ids grow in commit order and every id up to
//! the newest committed one is settled, so a cursor never passes over an event still to come.
//! Several nodes may fan out together: on PostgreSQL the endpoint's row is locked (and skipped
//! by the others), and a delivery is unique per endpoint and event besides.

use glint_core::event::EventKind;
use glint_core::webhook::{WebhookId, event_types_from_stored};
use glint_core::{Result, Timestamp};

use crate::Db;
use crate::sql::{self, Value};

/// Rows per insert statement.
const ROWS_PER_INSERT: usize = 100;

/// An event to deliver to an endpoint.
struct Due {
    event_id: i64,
    kind: String,
    image_id: String,
}

/// Fans out the events committed since each endpoint's cursor, at most `batch` per endpoint
/// per call; `new_id` makes each delivery's id. Returns how many deliveries were made.
pub async fn fan_out(
    db: &Db,
    batch: u32,
    now: Timestamp,
    new_id: &(dyn Fn() -> String + Sync),
) -> Result<u64> {
    let behind = sql::query(
        "SELECT id FROM webhook_endpoints \
         WHERE event_cursor < (SELECT COALESCE(MAX(id), 0) FROM share_events) ORDER BY id",
    )
    .fetch_all(db)
    .await?;
    let mut made = 0;
    for row in &behind {
        let id = WebhookId::from_trusted(row.try_get("id")?);
        made += fan_out_endpoint(db, &id, batch, now, new_id).await?;
    }
    Ok(made)
}

/// Fans out one endpoint's events, unless another node is doing it (PostgreSQL).
async fn fan_out_endpoint(
    db: &Db,
    id: &WebhookId,
    batch: u32,
    now: Timestamp,
    new_id: &(dyn Fn() -> String + Sync),
) -> Result<u64> {
    let mut tx = db.begin_write().await?;
    let lock = if tx.is_sqlite() {
        ""
    } else {
        " FOR UPDATE SKIP LOCKED"
    };
    let sql = format!(
        "SELECT account_id, event_types, event_cursor FROM webhook_endpoints WHERE id = $1{lock}"
    );
    let Some(endpoint) = sql::query(sql)
        .bind(id.as_str())
        .fetch_optional(&mut tx)
        .await?
    else {
        return Ok(0);
    };
    let account: String = endpoint.try_get("account_id")?;
    let kinds = event_types_from_stored(&endpoint.try_get::<String, _>("event_types")?)?;
    let cursor: i64 = endpoint.try_get("event_cursor")?;
    let newest: i64 = sql::query("SELECT COALESCE(MAX(id), 0) AS newest FROM share_events")
        .fetch_one(&mut tx)
        .await?
        .try_get("newest")?;
    let due = events_after(&mut tx, &account, &kinds, cursor, newest, batch).await?;
    // A full batch may leave events behind it: the cursor stops at its last one.
    let moved_to = match due.last() {
        Some(last) if due.len() >= batch as usize => last.event_id,
        _ => newest,
    };
    let mut made = 0;
    for chunk in due.chunks(ROWS_PER_INSERT) {
        made += insert(&mut tx, id, chunk, now, new_id).await?;
    }
    sql::query("UPDATE webhook_endpoints SET event_cursor = $1 WHERE id = $2")
        .bind(moved_to)
        .bind(id.as_str())
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(made)
}

/// The events after `cursor` up to `newest` that concern `account` in a region it may use, of
/// `kinds` (any kind when empty), oldest first, at most `batch`.
async fn events_after(
    tx: &mut crate::WriteTx,
    account: &str,
    kinds: &[EventKind],
    cursor: i64,
    newest: i64,
    batch: u32,
) -> Result<Vec<Due>> {
    let of_kind = if kinds.is_empty() {
        String::new()
    } else {
        let params: Vec<String> = (4..4 + kinds.len()).map(|n| format!("${n}")).collect();
        format!(" AND e.kind IN ({})", params.join(", "))
    };
    let sql = format!(
        "SELECT e.id, e.kind, e.image_id FROM share_events e \
         WHERE e.id > $1 AND e.id <= $2 AND {} \
         AND e.region IN (SELECT region FROM account_regions WHERE account_id = $3){of_kind} \
         ORDER BY e.id LIMIT {batch}",
        EventKind::concerns_sql("$3")
    );
    let mut select = sql::query(sql).bind(cursor).bind(newest).bind(account);
    for kind in kinds {
        select = select.bind(kind.as_str());
    }
    let rows = select.fetch_all(&mut *tx).await?;
    rows.iter()
        .map(|row| {
            Ok(Due {
                event_id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                image_id: row.try_get("image_id")?,
            })
        })
        .collect()
}

/// Inserts the deliveries of `due` to endpoint `id`, due at once.
async fn insert(
    tx: &mut crate::WriteTx,
    id: &WebhookId,
    due: &[Due],
    now: Timestamp,
    new_id: &(dyn Fn() -> String + Sync),
) -> Result<u64> {
    const PER_ROW: usize = 5;
    // $1 is the time; each row's values follow.
    let rows: Vec<String> = (0..due.len())
        .map(|i| {
            let p: Vec<String> = (0..PER_ROW)
                .map(|k| format!("${}", i * PER_ROW + k + 2))
                .collect();
            format!("({}, 'pending', 0, $1, $1)", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, image_id, state, \
         attempts, created_at, next_attempt_at) VALUES {} \
         ON CONFLICT (endpoint_id, event_id) DO NOTHING",
        rows.join(", ")
    );
    let mut insert = sql::query(sql).bind(now.micros());
    for event in due {
        let values: [Value; PER_ROW] = [
            new_id().into(),
            id.as_str().into(),
            event.event_id.into(),
            event.kind.as_str().into(),
            event.image_id.as_str().into(),
        ];
        for value in values {
            insert = insert.bind(value);
        }
    }
    Ok(insert.execute(&mut *tx).await?.rows_affected())
}
