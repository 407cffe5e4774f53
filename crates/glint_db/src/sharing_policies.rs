//! Sharing policies: a consumer account's mode, content rules and SSH key allow-list (one row)
//! and its trusted producers (one row each, so that the sweep can join them); the pending
//! shares a trusting policy may accept by itself; and the shares a policy judges.

use glint_core::sharing_policy::{ContentRules, PolicyMode, SharingPolicy};
use glint_core::{Error, Result, Timestamp};

use crate::Db;
use crate::sql::{self, Row};

fn stored(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("stored sharing policy {what}: {e}"))
}

/// The policy's own row (its trusted producers left empty), or `None`: one indexed read, for
/// the hot paths that need only the mode and the rules.
pub async fn rules_of(db: &Db, account: &str) -> Result<Option<SharingPolicy>> {
    let row = sql::query(
        "SELECT mode, rules, allowed_ssh_keys, updated_at, updated_by FROM sharing_policies \
         WHERE account_id = $1",
    )
    .bind(account)
    .fetch_optional(db)
    .await?;
    row.map(|row| from_row(&row)).transpose()
}

fn from_row(row: &Row) -> Result<SharingPolicy> {
    let mode: String = row.try_get("mode")?;
    let rules: String = row.try_get("rules")?;
    let keys: String = row.try_get("allowed_ssh_keys")?;
    let rules: serde_json::Value = serde_json::from_str(&rules).map_err(|e| stored("rules", e))?;
    Ok(SharingPolicy {
        mode: mode.parse::<PolicyMode>().map_err(|e| stored("mode", e))?,
        trusted_producers: Vec::new(),
        rules: ContentRules::from_json(&rules).map_err(|e| stored("rules", e))?,
        allowed_ssh_keys: serde_json::from_str(&keys).map_err(|e| stored("keys", e))?,
        updated: Some((
            Timestamp::from_micros(row.try_get("updated_at")?),
            row.try_get("updated_by")?,
        )),
    })
}

/// The whole policy of `account`, trusted producers included, or `None`.
pub async fn get(db: &Db, account: &str) -> Result<Option<SharingPolicy>> {
    let Some(mut policy) = rules_of(db, account).await? else {
        return Ok(None);
    };
    let rows = sql::query(
        "SELECT producer FROM trusted_producers WHERE account_id = $1 ORDER BY producer",
    )
    .bind(account)
    .fetch_all(db)
    .await?;
    policy.trusted_producers = rows
        .iter()
        .map(|r| r.try_get("producer"))
        .collect::<std::result::Result<_, _>>()?;
    Ok(Some(policy))
}

/// Sets the policy of `account` (replacing any), as set by `by` at `at`.
pub async fn put(
    db: &Db,
    account: &str,
    policy: &SharingPolicy,
    at: Timestamp,
    by: &str,
) -> Result<()> {
    let keys = serde_json::to_string(&policy.allowed_ssh_keys).map_err(|e| stored("keys", e))?;
    let mut tx = db.begin_write().await?;
    sql::query(
        "INSERT INTO sharing_policies \
         (account_id, mode, rules, allowed_ssh_keys, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (account_id) DO UPDATE SET mode = excluded.mode, rules = excluded.rules, \
         allowed_ssh_keys = excluded.allowed_ssh_keys, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(account)
    .bind(policy.mode.as_str())
    .bind(policy.rules.to_json().to_string())
    .bind(keys)
    .bind(at.micros())
    .bind(by)
    .execute(&mut tx)
    .await?;
    sql::query("DELETE FROM trusted_producers WHERE account_id = $1")
        .bind(account)
        .execute(&mut tx)
        .await?;
    for producer in &policy.trusted_producers {
        sql::query("INSERT INTO trusted_producers (account_id, producer) VALUES ($1, $2)")
            .bind(account)
            .bind(producer.as_str())
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Drops the policy of `account`; false if it had none.
pub async fn delete(db: &Db, account: &str) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    sql::query("DELETE FROM trusted_producers WHERE account_id = $1")
        .bind(account)
        .execute(&mut tx)
        .await?;
    let gone = sql::query("DELETE FROM sharing_policies WHERE account_id = $1")
        .bind(account)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(gone.rows_affected() > 0)
}

/// Which pending shares to look for.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// One share: (image, consumer).
    Share(&'a str, &'a str),
    /// Every pending share of an image.
    Image(&'a str),
    /// Every pending share offered to a consumer.
    Consumer(&'a str),
    /// Every pending share anywhere.
    All,
}

/// A pending share that its consumer's policy may accept by itself: the consumer trusts the
/// image's owner, the policy is not off, and the image's trust report is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trusting {
    pub image_id: String,
    pub consumer: String,
    pub producer: String,
    /// The trust report, as stored (JSON).
    pub report: String,
}

/// The pending shares in `scope` that a trusting policy may accept, at most `limit`.
pub async fn trusting(db: &Db, scope: Scope<'_>, limit: u32) -> Result<Vec<Trusting>> {
    let (filter, args): (&str, Vec<&str>) = match scope {
        Scope::Share(image, member) => {
            ("AND m.image_id = $1 AND m.member = $2", vec![image, member])
        }
        Scope::Image(image) => ("AND m.image_id = $1", vec![image]),
        Scope::Consumer(member) => ("AND m.member = $1", vec![member]),
        Scope::All => ("", vec![]),
    };
    let sql = format!(
        "SELECT m.image_id, m.member, i.owner, r.report FROM image_members m \
         JOIN images i ON i.id = m.image_id \
         JOIN trusted_producers t ON t.account_id = m.member AND t.producer = i.owner \
         JOIN sharing_policies p ON p.account_id = m.member AND p.mode <> 'off' \
         JOIN trust_reports r ON r.image_id = m.image_id AND r.state = 'done' \
         WHERE m.status = 'pending' AND m.deleted = 0 {filter} \
         ORDER BY m.image_id, m.member LIMIT {limit}"
    );
    let mut query = sql::query(sql);
    for arg in args {
        query = query.bind(arg);
    }
    let rows = query.fetch_all(db).await?;
    rows.iter()
        .map(|row| {
            Ok(Trusting {
                image_id: row.try_get(0)?,
                consumer: row.try_get(1)?,
                producer: row.try_get(2)?,
                report: row.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
            })
        })
        .collect()
}

/// A live share to judge: the image, the share's status and override, and the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedShare {
    pub image_id: String,
    pub image_name: Option<String>,
    pub region: String,
    pub producer: String,
    pub status: String,
    pub overridden_at: Option<Timestamp>,
    /// The trust report (JSON) once written.
    pub report: Option<String>,
}

/// The live pending and accepted shares offered to `consumer`, of images not deleted.
pub async fn shares_to(db: &Db, consumer: &str) -> Result<Vec<JudgedShare>> {
    let rows = sql::query(
        "SELECT m.image_id, i.name, i.region, i.owner, m.status, m.override_at, \
         CASE WHEN r.state = 'done' THEN r.report END AS report \
         FROM image_members m JOIN images i ON i.id = m.image_id \
         LEFT JOIN trust_reports r ON r.image_id = m.image_id \
         WHERE m.member = $1 AND m.deleted = 0 AND m.status IN ('pending', 'accepted') \
         AND i.deleted = 0 ORDER BY i.region, i.name, m.image_id",
    )
    .bind(consumer)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(JudgedShare {
                image_id: row.try_get(0)?,
                image_name: row.try_get(1)?,
                region: row.try_get(2)?,
                producer: row.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                status: row.try_get(4)?,
                overridden_at: row
                    .try_get::<Option<i64>, _>(5)?
                    .map(Timestamp::from_micros),
                report: row.try_get(6)?,
            })
        })
        .collect()
}

/// When the live share of `image` with `member` was accepted against the policy by a
/// manager's override; `None` if it was not (or there is no live share).
pub async fn override_of(db: &Db, image: &str, member: &str) -> Result<Option<Timestamp>> {
    let row = sql::query(
        "SELECT override_at FROM image_members WHERE image_id = $1 AND member = $2 AND deleted = 0",
    )
    .bind(image)
    .bind(member)
    .fetch_optional(db)
    .await?;
    Ok(match row {
        Some(row) => row
            .try_get::<Option<i64>, _>(0)?
            .map(Timestamp::from_micros),
        None => None,
    })
}
