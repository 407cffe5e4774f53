//! Changes to existing users: name, enabled flag, password and role, and deletion. Each change
//! is one write transaction that also revokes the user's tokens when the caller asks, so that
//! no token outlives the change that should end it; a role change is a compare-and-set, so two
//! changes at the same time cannot both win.

use glint_core::error::Kind;
use glint_core::{Error, Result, Role, User, UserId, Username};

use super::{COLUMNS, from_row, role_column};
use crate::sql::{self, Value};
use crate::{Db, WriteTx, is_unique_violation};

/// What to change in a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<Username>,
    pub enabled: Option<bool>,
    pub password_hash: Option<String>,
    /// Forget the failed sign-ins (enabling a user unlocks it, as in Keystone).
    pub clear_failures: bool,
    /// Revoke every token of the user in the same transaction.
    pub revoke_tokens: bool,
}

impl UserChanges {
    fn assignments(&self) -> (Vec<String>, Vec<Value>) {
        let mut sets = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if let Some(name) = &self.name {
            values.push(name.as_str().into());
            sets.push(format!("name = ${}", values.len() + 1));
        }
        if let Some(enabled) = self.enabled {
            values.push(i64::from(enabled).into());
            sets.push(format!("enabled = ${}", values.len() + 1));
        }
        if let Some(hash) = &self.password_hash {
            values.push(hash.as_str().into());
            sets.push(format!("password_hash = ${}", values.len() + 1));
        }
        if self.clear_failures {
            sets.push("failed_auth_count = 0, failed_auth_at = 0".to_owned());
        }
        (sets, values)
    }
}

async fn revoke_tokens(tx: &mut WriteTx, id: &UserId) -> Result<()> {
    sql::query("UPDATE tokens SET revoked = 1 WHERE user_id = $1 AND revoked = 0")
        .bind(id.as_str())
        .execute(tx)
        .await?;
    Ok(())
}

async fn read(tx: &mut WriteTx, id: &UserId) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = sql::query(sql).bind(id.as_str()).fetch_optional(tx).await?;
    row.as_ref()
        .map(|r| from_row(r).map(|u| u.user))
        .transpose()
}

/// Applies `changes` to the user; the user as it is now, `None` when there is no such user;
/// `Conflict` when the new name is taken.
pub async fn update(db: &Db, id: &UserId, changes: &UserChanges) -> Result<Option<User>> {
    let mut tx = db.begin_write().await?;
    let (sets, values) = changes.assignments();
    if !sets.is_empty() {
        let sql = format!("UPDATE users SET {} WHERE id = $1", sets.join(", "));
        let mut query = sql::query(sql).bind(id.as_str());
        for value in values {
            query = query.bind(value);
        }
        let done = query.execute(&mut tx).await.map_err(|e| {
            match (&changes.name, is_unique_violation(&e)) {
                (Some(name), true) => Error::conflict(Kind::User, name.as_str()),
                _ => Error::from(e),
            }
        })?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
    }
    if changes.revoke_tokens {
        revoke_tokens(&mut tx, id).await?;
    }
    let user = read(&mut tx, id).await?;
    tx.commit().await?;
    Ok(user)
}

/// Sets the user's role to `to` if it is `from` now (compare-and-set); whether it was. With
/// `revoke_tokens`, the user's tokens are revoked in the same transaction.
pub async fn set_role(
    db: &Db,
    id: &UserId,
    from: Option<Role>,
    to: Option<Role>,
    revoke: bool,
) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    let done = sql::query("UPDATE users SET role = $3 WHERE id = $1 AND role = $2")
        .bind(id.as_str())
        .bind(role_column(from))
        .bind(role_column(to))
        .execute(&mut tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    if revoke {
        revoke_tokens(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Deletes the user and, with it, its tokens and its read marks of events; whether there was
/// such a user.
pub async fn delete(db: &Db, id: &UserId) -> Result<bool> {
    let mut tx = db.begin_write().await?;
    for statement in [
        "DELETE FROM tokens WHERE user_id = $1",
        "DELETE FROM share_event_reads WHERE user_id = $1",
    ] {
        sql::query(statement)
            .bind(id.as_str())
            .execute(&mut tx)
            .await?;
    }
    let done = sql::query("DELETE FROM users WHERE id = $1")
        .bind(id.as_str())
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}
