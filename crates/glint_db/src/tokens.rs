//! Tokens: stored only as SHA-256 hashes of the secret the client holds, with their subject,
//! scope and lifetime. A token is valid on every node that shares the database.

use glint_core::{AccountId, AccountName, AuthContext, Result, Role, Timestamp, UserId, Username};

use crate::Db;
use crate::sql;

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// Hex SHA-256 of the secret.
    pub hash: &'a str,
    pub user_id: &'a UserId,
    pub account_id: &'a AccountId,
    pub audit_id: &'a str,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Stores a newly issued token; `NotFound` when its user or account was deleted meanwhile.
///
/// On PostgreSQL the statement first takes a key-share lock on the account row, before the
/// foreign-key checks lock the user row: an account deletion locks the account first too, so
/// the two wait for each other in one order and never deadlock (a deadlock would abort the
/// sign-in with a 500). A token whose account is already gone inserts no row.
pub async fn insert(db: &Db, token: &NewToken<'_>) -> Result<()> {
    let _turn = db.write_turn().await;
    let lock = match db.backend() {
        crate::Backend::Sqlite => "",
        crate::Backend::Postgres => " FOR KEY SHARE",
    };
    let done = sql::query(format!(
        "WITH account AS (SELECT id FROM accounts WHERE id = $3{lock}) \
         INSERT INTO tokens (hash, user_id, account_id, audit_id, issued_at, expires_at, revoked) \
         SELECT $1, $2, account.id, $4, $5, $6, 0 FROM account"
    ))
    .bind(token.hash)
    .bind(token.user_id.as_str())
    .bind(token.account_id.as_str())
    .bind(token.audit_id)
    .bind(token.issued_at.micros())
    .bind(token.expires_at.micros())
    .execute(db)
    .await
    .map_err(|e| {
        if e.is_foreign_key_violation() {
            glint_core::Error::not_found(glint_core::error::Kind::User, token.user_id.as_str())
        } else {
            glint_core::Error::from(e)
        }
    })?;
    if done.rows_affected() == 0 {
        return Err(glint_core::Error::not_found(
            glint_core::error::Kind::Account,
            token.account_id.as_str(),
        ));
    }
    Ok(())
}

/// The caller behind a token hash, if the token exists, is not revoked and has not expired at
/// `now`, and its user and account are enabled and the user holds a role. The role and regions
/// are read as they are now, so a changed grant applies at once.
/// One round trip: a row per region of the account (one row with no region if it has none).
pub async fn lookup(db: &Db, hash: &str, now: Timestamp) -> Result<Option<AuthContext>> {
    let rows = sql::query(
        "SELECT t.user_id, u.name AS username, t.account_id, a.name AS account_name, u.role, \
                t.issued_at, t.expires_at, t.audit_id, r.region \
         FROM tokens t \
         JOIN users u ON u.id = t.user_id \
         JOIN accounts a ON a.id = t.account_id \
         LEFT JOIN account_regions r ON r.account_id = t.account_id \
         WHERE t.hash = $1 AND t.revoked = 0 AND t.expires_at > $2 \
           AND u.enabled = 1 AND a.enabled = 1 AND u.role <> '' \
         ORDER BY r.region",
    )
    .bind(hash)
    .bind(now.micros())
    .fetch_all(db)
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let regions = rows
        .iter()
        .filter_map(|r| r.try_get::<Option<String>, _>("region").transpose())
        .map(|r| r.map(glint_core::RegionName::from_trusted))
        .collect::<Result<Vec<_>, _>>()?;
    let role: String = row.try_get("role")?;
    Ok(Some(AuthContext {
        user_id: UserId::from_trusted(row.try_get("user_id")?),
        username: Username::from_trusted(row.try_get("username")?),
        account_name: AccountName::from_trusted(row.try_get("account_name")?),
        account_id: AccountId::from_trusted(row.try_get("account_id")?),
        role: role
            .parse::<Role>()
            .map_err(|e| glint_core::Error::Internal(format!("stored role: {e}")))?,
        regions,
        issued_at: Timestamp::from_micros(row.try_get("issued_at")?),
        expires_at: Timestamp::from_micros(row.try_get("expires_at")?),
        audit_id: row.try_get("audit_id")?,
    }))
}

/// Revokes a token; returns whether a live token was revoked.
pub async fn revoke(db: &Db, hash: &str) -> Result<bool> {
    let _turn = db.write_turn().await;
    let done = sql::query("UPDATE tokens SET revoked = 1 WHERE hash = $1 AND revoked = 0")
        .bind(hash)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes tokens that expired before `now`; returns how many.
pub async fn purge_expired(db: &Db, now: Timestamp) -> Result<u64> {
    let _turn = db.write_turn().await;
    let done = sql::query("DELETE FROM tokens WHERE expires_at <= $1")
        .bind(now.micros())
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
