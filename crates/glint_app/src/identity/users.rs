//! Keystone's users: an admin administers every user; a manager the users of its own account
//! (see `policy`); every user reads itself and changes its own password with the original one.
//! Disabling a user, setting its password or deleting it ends its tokens at once on this node.

use std::net::IpAddr;

use glint_core::error::Kind;
use glint_core::{AccountId, AuthContext, Error, Result, Role, User};
use glint_db::users::{self, UserFilter, UserWithPassword};

use super::policy::{changeable, may_assign, not_self, readable, require_manager};
use super::{IdentityService, UserRef};
use crate::directory::{self, UserUpdate};

/// A user to create (Keystone's `POST /v3/users`, or the panel's Add User).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub password: Option<String>,
    /// The account the user belongs to (Keystone's `default_project_id`).
    pub account: Option<String>,
    pub enabled: bool,
    /// The role granted at once (the panel); Keystone's create grants none.
    pub role: Option<Role>,
}

/// The refusal of a new user's account that does not exist.
fn gone_account(account: &(impl std::fmt::Display + ?Sized)) -> Error {
    Error::InvalidInput(format!("default_project_id {account} is not an account."))
}

impl IdentityService {
    /// A user the caller may read: itself, or a user it administers.
    pub async fn user(&self, caller: &AuthContext, id: &str) -> Result<User> {
        readable(caller, self.stored_user(id).await?)
    }

    /// The users the caller administers that the filter lets through, by name: every user for
    /// the admin, those of its own account for a manager (none when the filter names another
    /// account); 403 for anyone else.
    pub async fn list_users(
        &self,
        caller: &AuthContext,
        mut filter: UserFilter,
    ) -> Result<Vec<User>> {
        require_manager(caller, "list users")?;
        if !caller.is_admin() {
            if filter
                .account
                .as_ref()
                .is_some_and(|a| a != &caller.account_id)
            {
                return Ok(Vec::new());
            }
            filter.account = Some(caller.account_id.clone());
        }
        // `enabled` is matched as the user is seen (a locked user reads as disabled).
        let enabled = filter.enabled.take();
        let found = users::list(&self.db, &filter).await?;
        Ok(found
            .into_iter()
            .map(|u| self.as_seen(u))
            .filter(|u| enabled.is_none_or(|e| u.enabled == e))
            .filter(|u| readable(caller, u.clone()).is_ok())
            .collect())
    }

    /// Creates a user in an account the caller administers, holding `new.role` (none from the
    /// API, as in Keystone).
    pub async fn create_user(&self, caller: &AuthContext, new: NewUser) -> Result<User> {
        require_manager(caller, "create users")?;
        let account = self
            .account_for_new_user(caller, new.account.as_deref())
            .await?;
        if let Some(role) = new.role {
            may_assign(caller, role)?;
        }
        let password = new.password.ok_or_else(|| {
            Error::InvalidInput("Glint users sign in with a password: give one.".into())
        })?;
        let spec = directory::UserSpec {
            name: &new.name,
            account: &account,
            role: new.role,
            enabled: new.enabled,
        };
        let user = directory::create_user(&self.db, spec, password)
            .await
            .map_err(|e| match e {
                // The account was deleted while the user was being created.
                Error::NotFound {
                    kind: Kind::Account,
                    ..
                } => gone_account(&account),
                other => other,
            })?;
        tracing::info!(user = %user.name, account = %account, "user created");
        Ok(user)
    }

    /// The account a new user goes to: given, and the caller's own unless it is the admin.
    async fn account_for_new_user(
        &self,
        caller: &AuthContext,
        account: Option<&str>,
    ) -> Result<AccountId> {
        let Some(account) = account else {
            return Err(Error::InvalidInput(
                "Glint users belong to one account: give it as default_project_id.".into(),
            ));
        };
        if !caller.is_admin() && account != caller.account_id.as_str() {
            return Err(Error::Forbidden(
                "You may create users only in your own account.".into(),
            ));
        }
        let found = match AccountId::parse(account) {
            Ok(id) => glint_db::accounts::get(&self.db, &id).await?,
            Err(_) => None,
        };
        found.map(|a| a.id).ok_or_else(|| gone_account(account))
    }

    /// Changes a user the caller administers. A user's account cannot change; nobody disables
    /// itself. Disabling or a new password ends the user's tokens; enabling unlocks it.
    pub async fn update_user(
        &self,
        caller: &AuthContext,
        id: &str,
        account: Option<&str>,
        update: UserUpdate,
    ) -> Result<User> {
        let user = changeable(caller, self.stored_user(id).await?, "change users")?;
        if account.is_some_and(|a| a != user.account_id.as_str()) {
            return Err(Error::InvalidInput(
                "A Glint user stays in the account it was created in (default_project_id).".into(),
            ));
        }
        if update.enabled == Some(false) {
            not_self(caller, &user, "disable")?;
        }
        let ends_tokens = update.ends_tokens();
        directory::update_user(&self.db, &user.id, update).await?;
        if ends_tokens {
            self.forget_user(&user.id);
        }
        self.stored_user(user.id.as_str()).await
    }

    /// Deletes a user the caller administers (never itself), with its tokens.
    pub async fn delete_user(&self, caller: &AuthContext, id: &str) -> Result<()> {
        let user = changeable(caller, self.stored_user(id).await?, "delete users")?;
        not_self(caller, &user, "delete")?;
        directory::delete_user(&self.db, &user.id).await?;
        self.forget_user(&user.id);
        Ok(())
    }

    /// Keystone's self-service password change: no token needed, the original password is the
    /// proof. It meets the sign-in's throttle and lockout, and every failure is the sign-in's
    /// one `Unauthorized`. The user's tokens end, as Keystone's do.
    pub async fn change_password(
        &self,
        id: &str,
        original: String,
        new: String,
        client: Option<IpAddr>,
    ) -> Result<()> {
        directory::check_password(&new)?;
        let who = UserRef::Id(id.to_owned());
        let user = self
            .throttled(&who, client, self.check_password(&who, original))
            .await?;
        let update = UserUpdate {
            password: Some(new),
            ..UserUpdate::default()
        };
        directory::update_user(&self.db, &user.id, update).await?;
        self.forget_user(&user.id);
        tracing::info!(user = %user.name, "password changed by its user");
        Ok(())
    }

    /// The stored user with this id, whoever asks, as `as_seen` shows it.
    pub(super) async fn stored_user(&self, id: &str) -> Result<User> {
        users::get(&self.db, id)
            .await?
            .map(|u| self.as_seen(u))
            .ok_or_else(|| Error::not_found(Kind::User, id))
    }

    /// A user as those who administer it see it: one locked out by failed sign-ins reads as
    /// disabled, so that setting it enabled (which clients send only when it changes) unlocks
    /// it, as Keystone's `openstack user set --enable` does.
    fn as_seen(&self, found: UserWithPassword) -> User {
        let mut user = found.user;
        if self.lockout.locks(&found.failed_sign_ins, self.clock.now()) {
            user.enabled = false;
        }
        user
    }
}
