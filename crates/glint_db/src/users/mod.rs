//! Users: each belongs to one account and holds at most one role in it ('' in the role column:
//! none); passwords are kept only as argon2id hashes computed by the app layer. Each user's row
//! also counts its failed sign-ins since the last successful one, for the lockout (the rule
//! itself is the app layer's). Changes that end a user's tokens revoke them in the same
//! transaction (`changes`).

use glint_core::error::Kind;
use glint_core::{AccountId, Error, Result, Role, Timestamp, User, UserId, Username};

use crate::sql::{self, Row};
use crate::{Db, is_unique_violation};

const COLUMNS: &str = "id, name, account_id, role, enabled, password_hash, created_at, \
                       failed_auth_count, failed_auth_at";

/// A user with the stored password hash and failed sign-ins, for sign-in.
#[derive(Debug, Clone)]
pub struct UserWithPassword {
    pub user: User,
    pub password_hash: String,
    pub failed_sign_ins: FailedSignIns,
}

/// The failed sign-ins of a user since its last successful one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedSignIns {
    /// How many.
    pub count: i64,
    /// When the last one happened (the epoch when there was none).
    pub last_at: Timestamp,
}

/// The stored form of a role held or not.
pub(crate) fn role_column(role: Option<Role>) -> &'static str {
    role.map_or("", Role::as_str)
}

/// A stored role: '' is none.
pub(crate) fn parse_role(stored: &str) -> Result<Option<Role>> {
    if stored.is_empty() {
        return Ok(None);
    }
    stored
        .parse::<Role>()
        .map(Some)
        .map_err(|e| Error::Internal(format!("stored role: {e}")))
}

fn from_row(row: &Row) -> Result<UserWithPassword> {
    let role: String = row.try_get("role")?;
    Ok(UserWithPassword {
        user: User {
            id: UserId::from_trusted(row.try_get("id")?),
            name: Username::from_trusted(row.try_get("name")?),
            account_id: AccountId::from_trusted(row.try_get("account_id")?),
            role: parse_role(&role)?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
            created_at: Timestamp::from_micros(row.try_get("created_at")?),
        },
        password_hash: row.try_get("password_hash")?,
        failed_sign_ins: FailedSignIns {
            count: row.try_get("failed_auth_count")?,
            last_at: Timestamp::from_micros(row.try_get("failed_auth_at")?),
        },
    })
}

/// Creates a user; `Conflict` if the username is taken, `NotFound` (an account) when its
/// account is gone.
pub async fn create(db: &Db, user: &User, password_hash: &str) -> Result<()> {
    let _turn = db.write_turn().await;
    sql::query(
        "INSERT INTO users (id, name, account_id, role, enabled, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user.id.as_str())
    .bind(user.name.as_str())
    .bind(user.account_id.as_str())
    .bind(role_column(user.role))
    .bind(i64::from(user.enabled))
    .bind(password_hash)
    .bind(user.created_at.micros())
    .execute(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Error::conflict(Kind::User, user.name.as_str())
        } else if e.is_foreign_key_violation() {
            Error::not_found(Kind::Account, user.account_id.as_str())
        } else {
            Error::from(e)
        }
    })?;
    Ok(())
}

/// The user with this name.
pub async fn find_by_name(db: &Db, name: &str) -> Result<Option<UserWithPassword>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE name = $1");
    let row = sql::query(sql).bind(name).fetch_optional(db).await?;
    row.as_ref().map(from_row).transpose()
}

/// The user with this id.
pub async fn get(db: &Db, id: &str) -> Result<Option<UserWithPassword>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = sql::query(sql).bind(id).fetch_optional(db).await?;
    row.as_ref().map(from_row).transpose()
}

/// The users of an account, by name.
pub async fn list_for_account(db: &Db, account: &AccountId) -> Result<Vec<User>> {
    let filter = UserFilter {
        account: Some(account.clone()),
        ..UserFilter::default()
    };
    Ok(list(db, &filter)
        .await?
        .into_iter()
        .map(|u| u.user)
        .collect())
}

/// Which users a list returns: every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub account: Option<AccountId>,
    pub name: Option<String>,
    pub enabled: Option<bool>,
}

/// The users the filter lets through, by name, with their failed sign-ins.
pub async fn list(db: &Db, filter: &UserFilter) -> Result<Vec<UserWithPassword>> {
    let mut conditions = Vec::new();
    let mut values: Vec<sql::Value> = Vec::new();
    if let Some(account) = &filter.account {
        values.push(account.as_str().into());
        conditions.push(format!("account_id = ${}", values.len()));
    }
    if let Some(name) = &filter.name {
        values.push(name.as_str().into());
        conditions.push(format!("name = ${}", values.len()));
    }
    if let Some(enabled) = filter.enabled {
        values.push(i64::from(enabled).into());
        conditions.push(format!("enabled = ${}", values.len()));
    }
    let mut sql = format!("SELECT {COLUMNS} FROM users");
    if !conditions.is_empty() {
        sql = format!("{sql} WHERE {}", conditions.join(" AND "));
    }
    let mut query = sql::query(format!("{sql} ORDER BY name"));
    for value in values {
        query = query.bind(value);
    }
    let rows = query.fetch_all(db).await?;
    rows.iter().map(from_row).collect()
}

/// Counts a failed sign-in of the user at `at`, in one statement, so that failures at the same
/// time on any number of nodes all count. A count of at least `threshold` whose last failure was
/// at or before `served_before` (a lockout that has ended) starts again at one.
pub async fn record_failed_sign_in(
    db: &Db,
    id: &UserId,
    at: Timestamp,
    threshold: i64,
    served_before: Timestamp,
) -> Result<()> {
    let _turn = db.write_turn().await;
    sql::query(
        "UPDATE users SET \
             failed_auth_count = CASE WHEN failed_auth_count >= $2 AND failed_auth_at <= $3 \
                 THEN 1 ELSE failed_auth_count + 1 END, \
             failed_auth_at = $4 \
         WHERE id = $1",
    )
    .bind(id.as_str())
    .bind(threshold)
    .bind(served_before.micros())
    .bind(at.micros())
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets the user's failed sign-ins (after a successful one, or when an admin unlocks it);
/// whether there were any.
pub async fn clear_failed_sign_ins(db: &Db, id: &UserId) -> Result<bool> {
    let _turn = db.write_turn().await;
    let done = sql::query(
        "UPDATE users SET failed_auth_count = 0, failed_auth_at = 0 \
         WHERE id = $1 AND failed_auth_count <> 0",
    )
    .bind(id.as_str())
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

mod changes;
pub use changes::{UserChanges, delete, set_role, update};
