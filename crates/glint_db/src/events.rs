//! Share events: written inside the transaction of the change they record (one per live share
//! the change concerns), read back as a feed per account, and marked read per user (a user's
//! own changes count as read for it). Writers of events hold one advisory lock on PostgreSQL
//! from their event to their commit (SQLite writes one transaction at a time anyway), so event
//! ids grow in commit order and a poller that asks for the events after the last id it saw
//! never misses one committed later with a lower id.

use glint_core::event::{EventActor, EventId, EventKind, EventQuery, ShareEvent};
use glint_core::image::ImageId;
use glint_core::{Error, RegionName, Result, Timestamp, UserId, Username};

use crate::sql::{self, Row, Value};
use crate::{Db, WriteTx};

/// The advisory lock every writer of events holds until it commits (PostgreSQL).
const EVENT_WRITERS_LOCK: i64 = 0x676c_696e_7465_7631;

/// Who makes a change, and when: what every recorded event of the change says.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// `None` for a change the service makes by itself (an expiry).
    pub actor: Option<&'a EventActor>,
    pub at: Timestamp,
}

impl<'a> Change<'a> {
    /// A change `actor` makes at `at`.
    pub fn by(actor: &'a EventActor, at: Timestamp) -> Self {
        Change {
            actor: Some(actor),
            at,
        }
    }

    /// A change the service makes by itself at `at`.
    pub fn by_service(at: Timestamp) -> Self {
        Change { actor: None, at }
    }
}

/// An event to record for the live shares of an image.
#[derive(Debug, Clone)]
pub struct Recording<'a> {
    pub kind: EventKind,
    pub image: &'a ImageId,
    /// Only this consumer's share; `None`: every live share of the image.
    pub consumer: Option<&'a str>,
    pub actor: Option<&'a EventActor>,
    pub at: Timestamp,
    /// A JSON object of numbers that go with the kind, if any.
    pub detail: Option<serde_json::Map<String, serde_json::Value>>,
}

impl<'a> Recording<'a> {
    /// An event of `kind` for every live share of `image`, made by `actor` at `at`.
    pub fn new(
        kind: EventKind,
        image: &'a ImageId,
        actor: Option<&'a EventActor>,
        at: Timestamp,
    ) -> Self {
        Recording {
            kind,
            image,
            consumer: None,
            actor,
            at,
            detail: None,
        }
    }

    /// The same, for one consumer's share only.
    pub fn for_consumer(mut self, consumer: &'a str) -> Self {
        self.consumer = Some(consumer);
        self
    }

    /// With numbers that go with the kind.
    pub fn with_detail(mut self, detail: serde_json::Map<String, serde_json::Value>) -> Self {
        self.detail = Some(detail);
        self
    }
}

/// Writes the event for each live share of the image that `recording` names (none when it has
/// none; a deleted image has none). Call it as the transaction's last statement before the commit:
/// on PostgreSQL it takes the event writers' lock, held until the transaction ends. Returns how
/// many events were written.
pub async fn record(tx: &mut WriteTx, recording: &Recording<'_>) -> Result<u64> {
    if !tx.is_sqlite() {
        sql::query("SELECT pg_advisory_xact_lock($1)")
            .bind(EVENT_WRITERS_LOCK)
            .fetch_optional(&mut *tx)
            .await?;
    }
    // One share: no ORDER BY, which SQLite would sort through a temporary B-tree even for its
    // single row.
    let which = if recording.consumer.is_some() {
        " AND m.member = $7"
    } else {
        " ORDER BY m.member"
    };
    let sql = format!(
        "INSERT INTO share_events (kind, created_at, image_id, image_name, region, producer, \
         consumer, actor_user_id, actor_user_name, detail) \
         SELECT $1, $2, i.id, i.name, i.region, COALESCE(i.owner, ''), m.member, $3, $4, $5 \
         FROM images i JOIN image_members m ON m.image_id = i.id AND m.deleted = 0 \
         WHERE i.id = $6{which}"
    );
    let detail = match &recording.detail {
        Some(detail) => Some(
            serde_json::to_string(detail)
                .map_err(|e| Error::Internal(format!("event detail: {e}")))?,
        ),
        None => None,
    };
    let mut insert = sql::query(sql)
        .bind(recording.kind.as_str())
        .bind(recording.at.micros())
        .bind(recording.actor.map(|a| a.user_id.as_str()))
        .bind(recording.actor.map(|a| a.user_name.as_str()))
        .bind(detail)
        .bind(recording.image.as_str());
    if let Some(consumer) = recording.consumer {
        insert = insert.bind(consumer);
    }
    Ok(insert.execute(tx).await?.rows_affected())
}

const COLUMNS: &str = "e.id, e.kind, e.created_at, e.image_id, e.image_name, e.region, \
                       e.producer, e.consumer, e.actor_user_id, e.actor_user_name, e.detail";

fn from_row(row: &Row) -> Result<ShareEvent> {
    let kind: String = row.try_get(1)?;
    let detail: Option<String> = row.try_get(10)?;
    let detail = match detail {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| Error::Internal(format!("stored event detail: {e}")))?,
        None => serde_json::Map::new(),
    };
    let actor = match (
        row.try_get::<Option<String>, _>(8)?,
        row.try_get::<Option<String>, _>(9)?,
    ) {
        (Some(id), Some(name)) => Some(EventActor {
            user_id: UserId::from_trusted(id),
            user_name: Username::from_trusted(name),
        }),
        _ => None,
    };
    Ok(ShareEvent {
        id: EventId::from_stored(row.try_get(0)?),
        kind: kind
            .parse()
            .map_err(|e: Error| Error::Internal(format!("stored event kind: {e}")))?,
        created_at: Timestamp::from_micros(row.try_get(2)?),
        image_id: ImageId::from_trusted(row.try_get(3)?),
        image_name: row.try_get(4)?,
        region: RegionName::from_trusted(row.try_get(5)?),
        producer: row.try_get(6)?,
        consumer: row.try_get(7)?,
        actor,
        detail,
    })
}

/// The event `id`, if there is one.
pub async fn get(db: &Db, id: EventId) -> Result<Option<ShareEvent>> {
    let sql = format!("SELECT {COLUMNS} FROM share_events e WHERE e.id = $1");
    sql::query(sql)
        .bind(id.get())
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The conditions of `query` after `WHERE`, and their arguments from `$first` on.
fn conditions(query: &EventQuery, first: usize) -> (String, Vec<Value>) {
    let mut clauses = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let next = |value: Value, args: &mut Vec<Value>| {
        args.push(value);
        format!("${}", first + args.len() - 1)
    };
    if let Some(account) = &query.account {
        let p = next(account.as_str().into(), &mut args);
        clauses.push(EventKind::concerns_sql(&p));
    }
    match query.regions.as_deref() {
        None => {}
        Some([]) => clauses.push("1 = 0".into()),
        Some(regions) => {
            let names: Vec<String> = regions
                .iter()
                .map(|r| next(r.as_str().into(), &mut args))
                .collect();
            clauses.push(format!("e.region IN ({})", names.join(", ")));
        }
    }
    if let Some(image) = &query.image {
        let p = next(image.as_str().into(), &mut args);
        clauses.push(format!("e.image_id = {p}"));
    }
    if !query.kinds.is_empty() {
        let names: Vec<String> = query
            .kinds
            .iter()
            .map(|k| next(k.as_str().into(), &mut args))
            .collect();
        clauses.push(format!("e.kind IN ({})", names.join(", ")));
    }
    if let Some(before) = query.before {
        let p = next(before.get().into(), &mut args);
        clauses.push(format!("e.id < {p}"));
    }
    if let Some(after) = query.after {
        let p = next(after.get().into(), &mut args);
        clauses.push(format!("e.id > {p}"));
    }
    if clauses.is_empty() {
        clauses.push("1 = 1".into());
    }
    (clauses.join(" AND "), args)
}

/// Whether `reader` has read `event`: it marked it read, or it made the change itself (a user's
/// own actions are not news to it; other users of its account still see them unread).
fn is_read(event: &ShareEvent, marked: bool, reader: &UserId) -> bool {
    marked || event.actor.as_ref().is_some_and(|a| a.user_id == *reader)
}

/// The events `query` asks for, newest first, each with whether `reader` has read it.
pub async fn list(db: &Db, query: &EventQuery, reader: &UserId) -> Result<Vec<(ShareEvent, bool)>> {
    let (conditions, args) = conditions(query, 2);
    let sql = format!(
        "SELECT {COLUMNS}, r.event_id FROM share_events e \
         LEFT JOIN share_event_reads r ON r.event_id = e.id AND r.user_id = $1 \
         WHERE {conditions} ORDER BY e.id DESC LIMIT {}",
        query.limit
    );
    let mut select = sql::query(sql).bind(reader.as_str());
    for arg in args {
        select = select.bind(arg);
    }
    let rows = select.fetch_all(db).await?;
    rows.iter()
        .map(|row| {
            let marked: Option<i64> = row.try_get(11)?;
            let event = from_row(row)?;
            let read = is_read(&event, marked.is_some(), reader);
            Ok((event, read))
        })
        .collect()
}

/// How many of the events `scope` selects `reader` has not read (as `is_read` tells), counting
/// up to `cap`.
pub async fn unread(db: &Db, scope: &EventQuery, reader: &UserId, cap: u32) -> Result<u32> {
    let (conditions, args) = conditions(scope, 2);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT e.id FROM share_events e WHERE {conditions} \
         AND (e.actor_user_id IS NULL OR e.actor_user_id <> $1) \
         AND NOT EXISTS (SELECT 1 FROM share_event_reads r \
         WHERE r.event_id = e.id AND r.user_id = $1) ORDER BY e.id DESC LIMIT {cap}) unread"
    );
    let mut select = sql::query(sql).bind(reader.as_str());
    for arg in args {
        select = select.bind(arg);
    }
    let n: i64 = select.fetch_one(db).await?.try_get("n")?;
    Ok(u32::try_from(n).unwrap_or(cap))
}

/// Marks events read for `reader`: those of `ids` that `scope` selects (every one it selects
/// when `ids` is `None`); others are ignored. Returns how many were newly marked.
pub async fn mark_read(
    db: &Db,
    scope: &EventQuery,
    reader: &UserId,
    ids: Option<&[EventId]>,
) -> Result<u64> {
    let (mut conditions, mut args) = conditions(scope, 2);
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(0);
        }
        let first = 2 + args.len();
        let params: Vec<String> = (first..first + ids.len())
            .map(|n| format!("${n}"))
            .collect();
        conditions.push_str(&format!(" AND e.id IN ({})", params.join(", ")));
        args.extend(ids.iter().map(|id| Value::from(id.get())));
    }
    let _turn = db.write_turn().await;
    let sql = format!(
        "INSERT INTO share_event_reads (user_id, event_id) \
         SELECT $1, e.id FROM share_events e WHERE {conditions} \
         ON CONFLICT (user_id, event_id) DO NOTHING"
    );
    let mut insert = sql::query(sql).bind(reader.as_str());
    for arg in args {
        insert = insert.bind(arg);
    }
    Ok(insert.execute(db).await?.rows_affected())
}
