//! Administration: regions, accounts and users, as the `glint` admin commands and the first
//! start (bootstrap) need them: listing, changing, disabling and deleting users and accounts,
//! and unlocking a user locked out by failed sign-ins. The operator needs no caller; the same
//! operations with a caller's rights checked are `IdentityService`'s.

use glint_core::error::Kind;
use glint_core::{Account, AccountId, Error, Region, RegionName, Result, Role, User};
use glint_db::{Db, accounts, regions, users};

use crate::directory::{self, AccountSpec, UserUpdate};
use crate::secret;

/// The bootstrap administrator's account, user and the role it holds.
pub const ADMIN_ACCOUNT: &str = "admin";
/// The bootstrap administrator's username.
pub const ADMIN_USER: &str = "admin";

/// What the first start did.
#[derive(Debug, Clone, Default)]
pub struct BootstrapReport {
    /// Regions that did not exist before.
    pub created_regions: Vec<RegionName>,
    /// The admin account's number, when it was created now.
    pub created_admin_account: Option<AccountId>,
    /// The password generated for the admin user, when it was created now without one given.
    pub generated_admin_password: Option<String>,
    /// Whether the admin user was created now.
    pub created_admin_user: bool,
}

/// Creates and changes regions, accounts and users.
#[derive(Debug, Clone)]
pub struct AdminService {
    db: Db,
}

impl AdminService {
    /// A service over the store.
    pub fn new(db: Db) -> Self {
        AdminService { db }
    }

    /// Creates a region.
    pub async fn create_region(&self, name: &str) -> Result<Region> {
        regions::create(&self.db, &RegionName::parse(name)?).await
    }

    /// Every region.
    pub async fn list_regions(&self) -> Result<Vec<Region>> {
        regions::list(&self.db).await
    }

    /// Creates an account. Without `number`, a new 6–8 digit number is drawn; without `regions`,
    /// the account may use every region.
    pub async fn create_account(
        &self,
        name: &str,
        number: Option<&str>,
        regions: Option<&[String]>,
    ) -> Result<Account> {
        let spec = AccountSpec {
            name,
            number,
            regions: regions.map(parse_regions).transpose()?,
            description: "",
            enabled: true,
        };
        directory::create_account(&self.db, spec).await
    }

    /// Every account.
    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        accounts::list(&self.db, None, None).await
    }

    /// Finds an account by number or by name.
    pub async fn find_account(&self, name_or_number: &str) -> Result<Account> {
        directory::find_account(&self.db, name_or_number).await
    }

    /// Replaces the regions an account may use.
    pub async fn set_account_regions(&self, account: &str, regions: &[String]) -> Result<Account> {
        let account = self.find_account(account).await?;
        accounts::set_regions(&self.db, &account.id, &parse_regions(regions)?).await
    }

    /// Creates a user of an account with a role and a password (never empty).
    pub async fn create_user(
        &self,
        username: &str,
        account: &str,
        role: Role,
        password: String,
    ) -> Result<User> {
        directory::check_password(&password)?;
        let account = self.find_account(account).await?;
        let spec = directory::UserSpec {
            name: username,
            account: &account.id,
            role: Some(role),
            enabled: true,
        };
        directory::create_user(&self.db, spec, password).await
    }

    /// Unlocks the user named `username` of `account` (name or number): its failed sign-ins
    /// are forgotten, so its right password works at once. `NotFound` when the account has no
    /// such user.
    pub async fn unlock_user(&self, username: &str, account: &str) -> Result<User> {
        let account = self.find_account(account).await?;
        let found = users::find_by_name(&self.db, username)
            .await?
            .filter(|u| u.user.account_id == account.id)
            .ok_or_else(|| Error::not_found(Kind::User, username))?;
        users::clear_failed_sign_ins(&self.db, &found.user.id).await?;
        tracing::info!(user = %found.user.name, account = %account.id, "user unlocked");
        Ok(found.user)
    }

    /// Sets the user with this id enabled again, as Keystone's `PATCH /v3/users/{id}` with
    /// `"enabled": true` does: its failed sign-ins are forgotten, so a user locked out by them
    /// may sign in at once.
    pub async fn enable_user(&self, id: &str) -> Result<User> {
        let found = users::get(&self.db, id)
            .await?
            .ok_or_else(|| Error::not_found(Kind::User, id))?;
        let update = UserUpdate {
            enabled: Some(true),
            ..UserUpdate::default()
        };
        directory::update_user(&self.db, &found.user.id, update).await
    }

    /// The users of every account, or of one (name or number), by name.
    pub async fn list_users(&self, account: Option<&str>) -> Result<Vec<User>> {
        let account = match account {
            Some(a) => Some(self.find_account(a).await?.id),
            None => None,
        };
        let filter = users::UserFilter {
            account,
            ..users::UserFilter::default()
        };
        let found = users::list(&self.db, &filter).await?;
        Ok(found.into_iter().map(|u| u.user).collect())
    }

    /// Changes the user named `username`: disabling it or setting its password revokes its
    /// tokens, enabling it unlocks it.
    pub async fn set_user(&self, username: &str, update: UserUpdate) -> Result<User> {
        let found = users::find_by_name(&self.db, username)
            .await?
            .ok_or_else(|| Error::not_found(Kind::User, username))?;
        directory::update_user(&self.db, &found.user.id, update).await
    }

    /// Deletes the user named `username` and its tokens.
    pub async fn delete_user(&self, username: &str) -> Result<User> {
        let found = users::find_by_name(&self.db, username)
            .await?
            .ok_or_else(|| Error::not_found(Kind::User, username))?;
        directory::delete_user(&self.db, &found.user.id).await?;
        Ok(found.user)
    }

    /// Enables or disables an account (name or number); disabling revokes every token scoped
    /// to it.
    pub async fn set_account_enabled(&self, account: &str, enabled: bool) -> Result<Account> {
        let account = self.find_account(account).await?;
        let changes = accounts::AccountChanges {
            enabled: Some(enabled),
            revoke_tokens: !enabled,
            ..accounts::AccountChanges::default()
        };
        accounts::update(&self.db, &account.id, &changes)
            .await?
            .ok_or_else(|| Error::not_found(Kind::Account, account.id.as_str()))
    }

    /// Deletes an account (name or number) with its users; refused while it owns images.
    pub async fn delete_account(&self, account: &str) -> Result<Account> {
        let account = self.find_account(account).await?;
        directory::delete_account(&self.db, &account.id).await?;
        Ok(account)
    }

    /// Creates the regions among `names` that do not exist; returns those it created.
    pub async fn ensure_regions(&self, names: &[String]) -> Result<Vec<RegionName>> {
        let mut created = Vec::new();
        for name in parse_regions(names)? {
            if regions::ensure(&self.db, &name).await? {
                created.push(name);
            }
        }
        Ok(created)
    }

    /// Makes sure the configured regions and the admin account and user exist. The admin's
    /// password is `admin_password` if given, otherwise generated and returned once.
    pub async fn bootstrap(
        &self,
        region_names: &[String],
        admin_password: Option<String>,
    ) -> Result<BootstrapReport> {
        let mut report = BootstrapReport {
            created_regions: self.ensure_regions(region_names).await?,
            ..BootstrapReport::default()
        };
        let admin = match accounts::find_by_name(&self.db, ADMIN_ACCOUNT).await? {
            Some(account) => account,
            None => {
                let account = self.create_account(ADMIN_ACCOUNT, None, None).await?;
                report.created_admin_account = Some(account.id.clone());
                account
            }
        };
        if users::find_by_name(&self.db, ADMIN_USER).await?.is_none() {
            let password = match admin_password {
                Some(p) if !p.is_empty() => p,
                _ => {
                    let generated = secret::random_url_safe(18)?;
                    report.generated_admin_password = Some(generated.clone());
                    generated
                }
            };
            self.create_user(ADMIN_USER, admin.id.as_str(), Role::Admin, password)
                .await?;
            report.created_admin_user = true;
        }
        Ok(report)
    }
}

fn parse_regions(names: &[String]) -> Result<Vec<RegionName>> {
    names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .map(RegionName::parse)
        .collect()
}
