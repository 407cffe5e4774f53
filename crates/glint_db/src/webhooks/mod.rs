//! Webhook endpoints and their deliveries. Endpoints belong to one account and every read or
//! change names that account, so another account's endpoint is never found. Events reach
//! endpoints by fan-out (`fan_out`: each endpoint's cursor follows the share events' ids, which
//! grow in commit order) and leave by claims (`deliveries`: one node at a time per delivery,
//! stale claims taken over), in event order per image.

pub mod deliveries;
pub mod fan_out;

use glint_core::webhook::{Webhook, WebhookId, event_types_from_stored, stored_event_types};
use glint_core::{AccountId, Error, Result, Timestamp, UserId, Username};

use crate::Db;
use crate::sql::{self, Row};

/// An endpoint to register, with its signing secret.
#[derive(Debug, Clone)]
pub struct NewEndpoint<'a> {
    pub webhook: &'a Webhook,
    pub secret: &'a str,
}

const COLUMNS: &str = "id, account_id, url, event_types, description, created_by, \
                       created_by_name, created_at";

fn from_row(row: &Row) -> Result<Webhook> {
    let types: String = row.try_get("event_types")?;
    Ok(Webhook {
        id: WebhookId::from_trusted(row.try_get("id")?),
        account: AccountId::from_trusted(row.try_get("account_id")?),
        url: row.try_get("url")?,
        event_types: event_types_from_stored(&types)?,
        description: row.try_get("description")?,
        created_by: UserId::from_trusted(row.try_get("created_by")?),
        created_by_name: Username::from_trusted(row.try_get("created_by_name")?),
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
    })
}

/// Registers an endpoint unless its account already has `max_per_account`; its cursor starts at
/// the newest event, so only events after its registration are sent to it.
pub async fn create(db: &Db, new: &NewEndpoint<'_>, max_per_account: u32) -> Result<()> {
    let hook = new.webhook;
    let mut tx = db.begin_write().await?;
    if !tx.is_sqlite() {
        // Registrations of one account take turns, so that the count below holds.
        sql::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(hook.account.as_str())
            .fetch_optional(&mut tx)
            .await?;
    }
    let count: i64 =
        sql::query("SELECT COUNT(*) AS n FROM webhook_endpoints WHERE account_id = $1")
            .bind(hook.account.as_str())
            .fetch_one(&mut tx)
            .await?
            .try_get("n")?;
    if count >= i64::from(max_per_account) {
        return Err(Error::InvalidInput(format!(
            "This account has {count} webhook endpoints, the most it may have; delete one first."
        )));
    }
    sql::query(
        "INSERT INTO webhook_endpoints (id, account_id, url, secret, event_types, description, \
         created_by, created_by_name, created_at, event_cursor) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE(MAX(id), 0) FROM share_events",
    )
    .bind(hook.id.as_str())
    .bind(hook.account.as_str())
    .bind(hook.url.as_str())
    .bind(new.secret)
    .bind(stored_event_types(&hook.event_types))
    .bind(hook.description.as_str())
    .bind(hook.created_by.as_str())
    .bind(hook.created_by_name.as_str())
    .bind(hook.created_at.micros())
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The endpoints of `account`, oldest first.
pub async fn list(db: &Db, account: &AccountId) -> Result<Vec<Webhook>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM webhook_endpoints WHERE account_id = $1 ORDER BY created_at, id"
    );
    let rows = sql::query(sql).bind(account.as_str()).fetch_all(db).await?;
    rows.iter().map(from_row).collect()
}

/// The endpoint `id` of `account` (`None` for another account's, or none).
pub async fn get(db: &Db, account: &AccountId, id: &WebhookId) -> Result<Option<Webhook>> {
    let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1 AND account_id = $2");
    sql::query(sql)
        .bind(id.as_str())
        .bind(account.as_str())
        .fetch_optional(db)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Deletes the endpoint `id` of `account` with its deliveries and their log; false when it has
/// no such endpoint. A delivery in flight on some node is not recorded when it ends.
pub async fn delete(db: &Db, account: &AccountId, id: &WebhookId) -> Result<bool> {
    let _turn = db.write_turn().await;
    let done = sql::query("DELETE FROM webhook_endpoints WHERE id = $1 AND account_id = $2")
        .bind(id.as_str())
        .bind(account.as_str())
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
