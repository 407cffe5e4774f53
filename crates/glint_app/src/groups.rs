//! Groups of accounts: an account's named lists of account numbers, which its producers share
//! images with in one call (`ImageService::share_with_group`). Any user of the account reads
//! its groups; changing them needs the `member` role, since adding an account to a group shares
//! the group's images with it. Another account's group is not found, in every call.

use glint_core::error::Kind;
use glint_core::event::EventActor;
use glint_core::group::{AccountGroup, GroupId, MAX_GROUPS_PER_ACCOUNT, NewGroup, account_number};
use glint_core::{AuthContext, Error, Result, Role};
use glint_db::sharing_policies::Scope;
use glint_db::{Db, events::Change, groups};

use crate::Clock;

/// What the refusals of a change say the `member` role is needed for.
const CHANGE: &str = "change groups of accounts";

/// The group use cases.
#[derive(Debug, Clone)]
pub struct GroupService {
    db: Db,
    /// Most members per image (`None`: unlimited), as for direct shares.
    member_quota: Option<u64>,
    clock: Clock,
}

fn not_found(id: &GroupId) -> Error {
    Error::not_found(Kind::Group, id.as_str())
}

impl GroupService {
    /// A service over the store; `member_quota` as `ImageSettings::limits` says it (negative:
    /// unlimited).
    pub fn new(db: Db, member_quota: i64) -> Self {
        GroupService {
            db,
            member_quota: u64::try_from(member_quota).ok(),
            clock: Clock::system(),
        }
    }

    /// The same service on `clock` (a test's).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Creates a group of the caller's account.
    #[tracing::instrument(skip(self, ctx, new), fields(account = %ctx.account_id))]
    pub async fn create(&self, ctx: &AuthContext, new: NewGroup) -> Result<AccountGroup> {
        ctx.require(Role::Member, CHANGE)?;
        let group = AccountGroup {
            id: GroupId::random(&uuid::Uuid::new_v4().to_string()),
            owner: ctx.account_id.clone(),
            name: new.name,
            created_at: self.clock.now(),
            accounts: new.accounts,
        };
        groups::create(&self.db, &group, MAX_GROUPS_PER_ACCOUNT).await?;
        tracing::info!(group = %group.id, "group created");
        Ok(group)
    }

    /// The caller's account's groups, by name.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn list(&self, ctx: &AuthContext) -> Result<Vec<AccountGroup>> {
        groups::list(&self.db, &ctx.account_id).await
    }

    /// One group of the caller's account.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn get(&self, ctx: &AuthContext, id: &GroupId) -> Result<AccountGroup> {
        groups::get(&self.db, &ctx.account_id, id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Renames a group of the caller's account.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn rename(
        &self,
        ctx: &AuthContext,
        id: &GroupId,
        name: &str,
    ) -> Result<AccountGroup> {
        self.get(ctx, id).await?;
        ctx.require(Role::Member, CHANGE)?;
        if !groups::rename(&self.db, &ctx.account_id, id, name).await? {
            return Err(not_found(id));
        }
        self.get(ctx, id).await
    }

    /// Deletes a group of the caller's account that shares no image.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn delete(&self, ctx: &AuthContext, id: &GroupId) -> Result<()> {
        self.get(ctx, id).await?;
        ctx.require(Role::Member, CHANGE)?;
        if !groups::delete(&self.db, &ctx.account_id, id).await? {
            return Err(not_found(id));
        }
        tracing::info!(group = %id, "group deleted");
        Ok(())
    }

    /// Adds an account to a group of the caller's account, which shares the group's images
    /// with it (each within the member quota: a full image refuses the add, writing nothing).
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn add_account(
        &self,
        ctx: &AuthContext,
        id: &GroupId,
        account: &str,
    ) -> Result<AccountGroup> {
        self.get(ctx, id).await?;
        ctx.require(Role::Member, CHANGE)?;
        let account = account_number(account)?;
        let actor = EventActor::from(ctx);
        let change = Change::by(&actor, self.clock.now());
        groups::add_account(
            &self.db,
            &ctx.account_id,
            id,
            &account,
            self.member_quota,
            &change,
        )
        .await?;
        let scope = Scope::Consumer(&account);
        crate::images::accept_trusted_after(&self.db, &self.clock, scope).await;
        self.get(ctx, id).await
    }

    /// Removes an account from a group of the caller's account, which takes back the group's
    /// shares it has not accepted.
    #[tracing::instrument(skip(self, ctx), fields(account = %ctx.account_id))]
    pub async fn remove_account(
        &self,
        ctx: &AuthContext,
        id: &GroupId,
        account: &str,
    ) -> Result<()> {
        self.get(ctx, id).await?;
        ctx.require(Role::Member, CHANGE)?;
        let actor = EventActor::from(ctx);
        let change = Change::by(&actor, self.clock.now());
        groups::remove_account(&self.db, &ctx.account_id, id, account, &change).await?;
        Ok(())
    }
}
