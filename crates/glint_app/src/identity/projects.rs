//! Keystone's projects, which are Glint's accounts: a caller reads its own; the admin reads,
//! lists, creates, changes, disables and deletes any. Disabling an account ends every token
//! scoped to it at once (on this node; other nodes within the token cache's lifetime); an
//! account that owns images cannot be deleted.

use glint_core::error::Kind;
use glint_core::{Account, AccountId, AuthContext, Error, Result};
use glint_db::accounts::{self, AccountChanges};

use super::IdentityService;
use super::policy::require_admin;
use crate::directory::{self, AccountSpec};

/// Which projects a list returns.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub name: Option<String>,
    pub enabled: Option<bool>,
}

/// A project to create (Keystone's `POST /v3/projects`); it may use every region.
#[derive(Debug, Clone)]
pub struct ProjectSpec {
    pub name: String,
    pub description: String,
    pub enabled: bool,
}

/// A change to a project; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectUpdate {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

fn parse_id(id: &str) -> Result<AccountId> {
    AccountId::parse(id).map_err(|_| Error::not_found(Kind::Account, id))
}

impl IdentityService {
    /// A project (account) by number: a caller sees its own; the admin sees any. Another
    /// account's number is `Forbidden` whether or not it exists, so nothing leaks.
    pub async fn project(&self, caller: &AuthContext, id: &str) -> Result<Account> {
        if !caller.is_admin() && caller.account_id.as_str() != id {
            return Err(Error::Forbidden(
                "You are not authorized to see another account.".into(),
            ));
        }
        accounts::get(&self.db, &parse_id(id)?)
            .await?
            .ok_or_else(|| Error::not_found(Kind::Account, id))
    }

    /// Every project the filter lets through: for the admin only.
    pub async fn list_projects(
        &self,
        caller: &AuthContext,
        filter: &ProjectFilter,
    ) -> Result<Vec<Account>> {
        require_admin(caller, "list accounts")?;
        accounts::list(&self.db, filter.name.as_deref(), filter.enabled).await
    }

    /// Creates a project with a new account number and every region: for the admin only.
    pub async fn create_project(&self, caller: &AuthContext, spec: ProjectSpec) -> Result<Account> {
        require_admin(caller, "create accounts")?;
        let spec = AccountSpec {
            name: &spec.name,
            number: None,
            regions: None,
            description: &spec.description,
            enabled: spec.enabled,
        };
        let account = directory::create_account(&self.db, spec).await?;
        tracing::info!(account = %account.id, "account created");
        Ok(account)
    }

    /// Changes a project: for the admin only, and never the caller's own account's `enabled`
    /// (it would lock the caller out). Disabling ends the account's tokens.
    pub async fn update_project(
        &self,
        caller: &AuthContext,
        id: &str,
        update: ProjectUpdate,
    ) -> Result<Account> {
        require_admin(caller, "change accounts")?;
        let id = parse_id(id)?;
        if update.enabled == Some(false) && id == caller.account_id {
            return Err(Error::Forbidden(
                "You cannot disable the account you are signed in to.".into(),
            ));
        }
        let changes = AccountChanges {
            name: update
                .name
                .as_deref()
                .map(glint_core::AccountName::parse)
                .transpose()?,
            description: update.description,
            enabled: update.enabled,
            revoke_tokens: update.enabled == Some(false),
        };
        let account = accounts::update(&self.db, &id, &changes)
            .await?
            .ok_or_else(|| Error::not_found(Kind::Account, id.as_str()))?;
        if changes.revoke_tokens {
            self.forget_account(&id);
        }
        Ok(account)
    }

    /// Deletes a project with its users: for the admin only, never the caller's own, and
    /// refused (409, with the count) while it owns images.
    pub async fn delete_project(&self, caller: &AuthContext, id: &str) -> Result<()> {
        require_admin(caller, "delete accounts")?;
        let id = parse_id(id)?;
        if id == caller.account_id {
            return Err(Error::Forbidden(
                "You cannot delete the account you are signed in to.".into(),
            ));
        }
        directory::delete_account(&self.db, &id).await?;
        self.forget_account(&id);
        Ok(())
    }
}
