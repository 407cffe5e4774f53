//! Identity: password sign-in scoped to an account (`sign_in`), with the lockout after too many
//! failures in a row (`lockout`) and a per-client throttle behind it (`throttle`), the life of
//! tokens (issue, validate, revoke), and Keystone's administration of projects (`projects`),
//! users (`users`) and role assignments (`roles`), each checked by `policy`. Every failure to
//! sign in gives the same answer, whatever its cause, a lockout included.

mod lockout;
mod policy;
mod projects;
mod roles;
mod sign_in;
mod throttle;
mod users;

use std::net::IpAddr;
use std::time::Duration;

use glint_core::error::Kind;
use glint_core::{AccountId, AuthContext, Error, Result, UserId};
use glint_db::{Db, tokens};

pub use self::lockout::LockoutSettings;
pub use self::projects::{ProjectFilter, ProjectSpec, ProjectUpdate};
pub use self::roles::{Assignment, AssignmentFilter};
use self::throttle::{Throttle, ThrottleLimits};
pub use self::users::NewUser;
use crate::clock::Clock;
use crate::secret;
use crate::token_cache::{TokenCache, TokenCacheSettings};
pub use glint_db::users::UserFilter;

/// The one domain Glint has, as Keystone names it.
pub const DEFAULT_DOMAIN_ID: &str = "default";
/// The display name of the one domain.
pub const DEFAULT_DOMAIN_NAME: &str = "Default";

const SIGN_IN_FAILED: &str = "The request you have made requires authentication.";

/// How a sign-in names the user.
#[derive(Debug, Clone)]
pub enum UserRef {
    Id(String),
    /// A name, with the domain it was given in (by id or by name), if any.
    Name {
        name: String,
        domain: Option<DomainRef>,
    },
}

/// A domain as a request names it.
#[derive(Debug, Clone)]
pub enum DomainRef {
    Id(String),
    Name(String),
}

/// The account a token is scoped to, as the request names it.
#[derive(Debug, Clone)]
pub enum ProjectScope {
    Id(String),
    Name {
        name: String,
        domain: Option<DomainRef>,
    },
}

/// A password sign-in request.
#[derive(Debug, Clone)]
pub struct PasswordAuth {
    pub user: UserRef,
    pub password: String,
    pub scope: ProjectScope,
    /// The client's address, for the per-client throttle (`None`: not known).
    pub client: Option<IpAddr>,
}

/// A token just issued: the secret goes to the client once; only its hash is stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub secret: String,
    pub context: AuthContext,
}

/// Signs users in and keeps their tokens.
#[derive(Debug, Clone)]
pub struct IdentityService {
    db: Db,
    token_lifetime: Duration,
    cache: TokenCache,
    lockout: LockoutSettings,
    throttle: Throttle,
    clock: Clock,
}

fn domain_is_default(domain: &Option<DomainRef>) -> bool {
    match domain {
        None => true,
        Some(DomainRef::Id(id)) => id == DEFAULT_DOMAIN_ID,
        Some(DomainRef::Name(name)) => name == DEFAULT_DOMAIN_NAME,
    }
}

fn refused() -> Error {
    Error::Unauthorized(SIGN_IN_FAILED.to_owned())
}

impl IdentityService {
    /// A service issuing tokens that live `token_lifetime`, remembering validated tokens as
    /// `TokenCacheSettings::default()` says and locking users as `LockoutSettings::default()`
    /// says, on the system's clock.
    pub fn new(db: Db, token_lifetime: Duration) -> Self {
        IdentityService {
            db,
            token_lifetime,
            cache: TokenCache::new(TokenCacheSettings::default()),
            lockout: LockoutSettings::default(),
            throttle: Throttle::new(ThrottleLimits::default()),
            clock: Clock::system(),
        }
    }

    /// The same service locking users after failed sign-ins as `settings` says.
    #[must_use]
    pub fn with_lockout(mut self, settings: LockoutSettings) -> Self {
        self.lockout = settings;
        self
    }

    /// The same service reading the time from `clock` (a test's, which it moves forward).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The same service remembering validated tokens as `settings` says (a zero lifetime:
    /// every check reads the store).
    #[must_use]
    pub fn with_token_cache(mut self, settings: TokenCacheSettings) -> Self {
        self.cache = TokenCache::new(settings);
        self
    }

    /// The caller behind a token; `Unauthorized` when it is unknown, expired or revoked. A
    /// token validated within the cache's lifetime is not read again (see `token_cache`).
    pub async fn validate(&self, secret: &str) -> Result<AuthContext> {
        let hash = secret::token_hash(secret);
        if let Some(context) = self.cache.get(&hash) {
            return Ok(context);
        }
        let generation = self.cache.generation();
        let context = tokens::lookup(&self.db, &hash, self.clock.now())
            .await?
            .ok_or_else(refused)?;
        self.cache.put(&hash, &context, generation);
        Ok(context)
    }

    /// Revokes a token; `false` when it was not live. This node forgets it at once.
    pub async fn revoke(&self, secret: &str) -> Result<bool> {
        let hash = secret::token_hash(secret);
        let revoked = tokens::revoke(&self.db, &hash).await;
        self.cache.revoke(&hash);
        revoked
    }

    /// Deletes expired tokens; returns how many.
    pub async fn purge_expired(&self) -> Result<u64> {
        tokens::purge_expired(&self.db, self.clock.now()).await
    }

    /// The caller behind another token (`subject`), for Keystone's validate and check calls:
    /// allowed to the admin and to the token's own user. An unknown, expired or revoked subject
    /// is `NotFound`.
    pub async fn inspect(&self, caller: &AuthContext, subject: &str) -> Result<AuthContext> {
        let found = tokens::lookup(&self.db, &secret::token_hash(subject), self.clock.now())
            .await?
            .ok_or_else(|| Error::not_found(Kind::Token, "given in X-Subject-Token"))?;
        if caller.is_admin() || caller.user_id == found.user_id {
            Ok(found)
        } else {
            Err(Error::Forbidden(
                "You are not authorized to inspect another user's token.".into(),
            ))
        }
    }

    /// Revokes another token (`subject`): allowed to the admin and to the token's own user.
    pub async fn revoke_subject(&self, caller: &AuthContext, subject: &str) -> Result<()> {
        self.inspect(caller, subject).await?;
        self.revoke(subject).await?;
        Ok(())
    }

    /// This node forgets the cached tokens of the user at once (disabled, deleted, new role).
    fn forget_user(&self, id: &UserId) {
        self.cache.forget(|ctx| &ctx.user_id == id);
    }

    /// This node forgets the cached tokens scoped to the account at once (disabled, deleted).
    fn forget_account(&self, id: &AccountId) {
        self.cache.forget(|ctx| &ctx.account_id == id);
    }
}
