//! Identity: password sign-in scoped to an account, and the life of tokens (issue, validate,
//! revoke). Every failure to sign in gives the same answer, whatever its cause.

use std::time::Duration;

use glint_core::error::Kind;
use glint_core::{Account, AccountId, AuthContext, Error, Result, Timestamp};
use glint_db::tokens::NewToken;
use glint_db::{Db, accounts, tokens, users};

use crate::token_cache::{TokenCache, TokenCacheSettings};
use crate::{password, secret};

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
    /// `TokenCacheSettings::default()` says.
    pub fn new(db: Db, token_lifetime: Duration) -> Self {
        IdentityService {
            db,
            token_lifetime,
            cache: TokenCache::new(TokenCacheSettings::default()),
        }
    }

    /// The same service remembering validated tokens as `settings` says (a zero lifetime:
    /// every check reads the store).
    #[must_use]
    pub fn with_token_cache(mut self, settings: TokenCacheSettings) -> Self {
        self.cache = TokenCache::new(settings);
        self
    }

    /// Checks the password and the scope, and issues a token. Wrong password, unknown user,
    /// unknown account and a user of another account all give the same `Unauthorized`.
    #[tracing::instrument(skip(self, auth))]
    pub async fn sign_in(&self, auth: PasswordAuth) -> Result<IssuedToken> {
        let found = match &auth.user {
            UserRef::Id(id) => users::get(&self.db, id).await?,
            UserRef::Name { name, domain } if domain_is_default(domain) => {
                users::find_by_name(&self.db, name).await?
            }
            UserRef::Name { .. } => None,
        };
        let (user, stored) = match found {
            Some(u) => (Some(u.user), Some(u.password_hash)),
            None => (None, None),
        };
        if !password::verify(auth.password, stored).await? {
            return Err(refused());
        }
        let user = user.ok_or_else(refused)?;
        let account = match &auth.scope {
            ProjectScope::Id(id) => match AccountId::parse(id) {
                Ok(id) => accounts::get(&self.db, &id).await?,
                Err(_) => None,
            },
            ProjectScope::Name { name, domain } if domain_is_default(domain) => {
                accounts::find_by_name(&self.db, name).await?
            }
            ProjectScope::Name { .. } => None,
        };
        let account = account.ok_or_else(refused)?;
        if account.id != user.account_id {
            return Err(refused());
        }
        let secret = secret::random_url_safe(32)?;
        let audit_id = secret::random_url_safe(16)?;
        let issued_at = Timestamp::now();
        let lifetime = i64::try_from(self.token_lifetime.as_secs()).unwrap_or(i64::MAX);
        let expires_at = issued_at.plus_seconds(lifetime);
        tokens::insert(
            &self.db,
            &NewToken {
                hash: &secret::token_hash(&secret),
                user_id: &user.id,
                account_id: &account.id,
                audit_id: &audit_id,
                issued_at,
                expires_at,
            },
        )
        .await?;
        tracing::info!(user = %user.name, account = %account.id, "token issued");
        Ok(IssuedToken {
            secret,
            context: AuthContext {
                user_id: user.id,
                username: user.name,
                account_id: account.id,
                account_name: account.name,
                role: user.role,
                regions: account.regions,
                issued_at,
                expires_at,
                audit_id,
            },
        })
    }

    /// The caller behind a token; `Unauthorized` when it is unknown, expired or revoked. A
    /// token validated within the cache's lifetime is not read again (see `token_cache`).
    pub async fn validate(&self, secret: &str) -> Result<AuthContext> {
        let hash = secret::token_hash(secret);
        if let Some(context) = self.cache.get(&hash) {
            return Ok(context);
        }
        let generation = self.cache.generation();
        let context = tokens::lookup(&self.db, &hash, Timestamp::now())
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
        tokens::purge_expired(&self.db, Timestamp::now()).await
    }

    /// The caller behind another token (`subject`), for Keystone's validate and check calls:
    /// allowed to the admin and to the token's own user. An unknown, expired or revoked subject
    /// is `NotFound`.
    pub async fn inspect(&self, caller: &AuthContext, subject: &str) -> Result<AuthContext> {
        let found = tokens::lookup(&self.db, &secret::token_hash(subject), Timestamp::now())
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

    /// A project (account) by number: a caller sees its own; the admin sees any. Another
    /// account's number is `Forbidden` whether or not it exists, so nothing leaks.
    pub async fn project(&self, caller: &AuthContext, id: &str) -> Result<Account> {
        if !caller.is_admin() && caller.account_id.as_str() != id {
            return Err(Error::Forbidden(
                "You are not authorized to see another account.".into(),
            ));
        }
        let found = match AccountId::parse(id) {
            Ok(id) => accounts::get(&self.db, &id).await?,
            Err(_) => None,
        };
        found.ok_or_else(|| Error::not_found(Kind::Account, id))
    }

    /// Every project, optionally only the one named `name`: for the admin only.
    pub async fn list_projects(
        &self,
        caller: &AuthContext,
        name: Option<&str>,
    ) -> Result<Vec<Account>> {
        if !caller.is_admin() {
            return Err(Error::Forbidden(
                "You are not authorized to list accounts.".into(),
            ));
        }
        accounts::list(&self.db, name).await
    }
}
