//! The store operations behind both ways of administering identities, the `glint` admin
//! commands (`AdminService`, the operator, no caller) and the Identity API and panel
//! (`IdentityService`, with a caller whose rights it checks first): creating accounts and users,
//! changing a user, deleting an account. Nothing here checks who asks.

use glint_core::error::Kind;
use glint_core::{
    Account, AccountId, AccountName, Error, RegionName, Result, Role, Timestamp, User, UserId,
    Username,
};
use glint_db::accounts::{self, Deleted, NewAccount};
use glint_db::users::{self, UserChanges};
use glint_db::{Db, regions};

use crate::{password, secret};

/// An account to create: without `number`, a new 6–8 digit number is drawn; without
/// `regions`, the account may use every region.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccountSpec<'a> {
    pub name: &'a str,
    pub number: Option<&'a str>,
    pub regions: Option<Vec<RegionName>>,
    pub description: &'a str,
    pub enabled: bool,
}

/// Creates the account `spec` describes.
pub(crate) async fn create_account(db: &Db, spec: AccountSpec<'_>) -> Result<Account> {
    let name = AccountName::parse(spec.name)?;
    let regions = match spec.regions {
        Some(list) => list,
        None => regions::list(db)
            .await?
            .into_iter()
            .map(|r| r.name)
            .collect(),
    };
    let create = |id| {
        let new = NewAccount {
            id,
            name: &name,
            description: spec.description,
            enabled: spec.enabled,
        };
        async move { accounts::create_with(db, &new, &regions).await }
    };
    if let Some(number) = spec.number {
        return create(&AccountId::parse(number)?).await;
    }
    if accounts::find_by_name(db, name.as_str()).await?.is_some() {
        return Err(Error::conflict(Kind::Account, name.as_str()));
    }
    for _ in 0..20 {
        let id = AccountId::parse(&secret::random_in(100_000, 99_999_999)?.to_string())?;
        if accounts::get(db, &id).await?.is_none() {
            return create(&id).await;
        }
    }
    Err(Error::Internal(
        "could not draw a free account number".into(),
    ))
}

/// Finds an account by number or by name.
pub(crate) async fn find_account(db: &Db, name_or_number: &str) -> Result<Account> {
    let by_number = match AccountId::parse(name_or_number) {
        Ok(id) => accounts::get(db, &id).await?,
        Err(_) => None,
    };
    let found = match by_number {
        Some(a) => Some(a),
        None => accounts::find_by_name(db, name_or_number).await?,
    };
    found.ok_or_else(|| Error::not_found(Kind::Account, name_or_number))
}

/// The refusal of an empty password.
pub(crate) fn check_password(password: &str) -> Result<()> {
    if password.is_empty() {
        return Err(Error::InvalidInput("the password must not be empty".into()));
    }
    Ok(())
}

/// A user to create.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UserSpec<'a> {
    pub name: &'a str,
    pub account: &'a AccountId,
    /// The role it holds (none: it cannot sign in until one is granted).
    pub role: Option<Role>,
    pub enabled: bool,
}

/// Creates the user `spec` describes with a password (never empty); `Conflict` when the name
/// is taken.
pub(crate) async fn create_user(db: &Db, spec: UserSpec<'_>, password: String) -> Result<User> {
    let name = Username::parse(spec.name)?;
    check_password(&password)?;
    if users::find_by_name(db, name.as_str()).await?.is_some() {
        return Err(Error::conflict(Kind::User, name.as_str()));
    }
    let user = User {
        id: UserId::parse(&uuid::Uuid::new_v4().simple().to_string())?,
        name,
        account_id: spec.account.clone(),
        role: spec.role,
        enabled: spec.enabled,
        created_at: Timestamp::now(),
    };
    let hash = password::hash(password).await?;
    users::create(db, &user, &hash).await?;
    Ok(user)
}

/// A change to a user as an operator or a manager asks it; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub password: Option<String>,
}

impl UserUpdate {
    /// Whether the update disables the user or replaces its password: its tokens must end.
    pub(crate) fn ends_tokens(&self) -> bool {
        self.enabled == Some(false) || self.password.is_some()
    }
}

/// Applies `update` to the user with `id`, as Keystone does: disabling it or setting its
/// password revokes its tokens; enabling it forgets its failed sign-ins (an unlock).
pub(crate) async fn update_user(db: &Db, id: &UserId, update: UserUpdate) -> Result<User> {
    let ends_tokens = update.ends_tokens();
    let password_hash = match update.password {
        Some(p) => {
            check_password(&p)?;
            Some(password::hash(p).await?)
        }
        None => None,
    };
    let changes = UserChanges {
        name: update.name.as_deref().map(Username::parse).transpose()?,
        enabled: update.enabled,
        password_hash,
        clear_failures: update.enabled == Some(true),
        revoke_tokens: ends_tokens,
    };
    let user = users::update(db, id, &changes)
        .await?
        .ok_or_else(|| Error::not_found(Kind::User, id.as_str()))?;
    tracing::info!(user = %user.name, enabled = user.enabled, "user changed");
    Ok(user)
}

/// Deletes the user with `id` and its tokens.
pub(crate) async fn delete_user(db: &Db, id: &UserId) -> Result<()> {
    if !users::delete(db, id).await? {
        return Err(Error::not_found(Kind::User, id.as_str()));
    }
    tracing::info!(user = %id, "user deleted");
    Ok(())
}

/// Deletes the account with its users and their tokens; refused (409, with the count) while it
/// owns images.
pub(crate) async fn delete_account(db: &Db, id: &AccountId) -> Result<()> {
    match accounts::delete(db, id).await? {
        Deleted::Done => {
            tracing::info!(account = %id, "account deleted");
            Ok(())
        }
        Deleted::NotFound => Err(Error::not_found(Kind::Account, id.as_str())),
        Deleted::OwnsImages(count) => Err(Error::StateConflict(format!(
            "Account {id} owns {count} image{}; delete {} first.",
            if count == 1 { "" } else { "s" },
            if count == 1 { "it" } else { "them" },
        ))),
    }
}
