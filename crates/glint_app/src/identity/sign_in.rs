//! Password sign-in: the throttle first (a client that keeps failing for a user is refused
//! before any work), then the one read of the user with its failed sign-ins, the password check
//! (always, even for an unknown or locked user, so that the time taken tells nothing), the
//! lockout, whether the user and account are enabled and the user holds a role, the scope, and
//! the token. A locked user gets the same `Unauthorized` as a wrong
//! password, right password included. A wrong password is counted in the store by one
//! statement; a right one clears the count only when there is one, so a normal sign-in costs no
//! statement more than before.

use std::net::IpAddr;

use glint_core::identity::{Account, User};
use glint_core::{AccountId, AuthContext, Error, Result, Role, Timestamp};
use glint_db::tokens::NewToken;
use glint_db::users::FailedSignIns;
use glint_db::{accounts, tokens, users};

use super::throttle::user_key;
use super::{IdentityService, IssuedToken, PasswordAuth, ProjectScope, UserRef};
use super::{domain_is_default, refused};
use crate::{password, secret};

impl IdentityService {
    /// Checks the password and the scope, and issues a token. Wrong password, unknown user,
    /// unknown account, a user of another account, a disabled user or account, a user with no
    /// role and a locked user all give the same `Unauthorized`; a client that failed too often
    /// for this user gets `TooManyRequests`.
    #[tracing::instrument(skip(self, auth))]
    pub async fn sign_in(&self, auth: PasswordAuth) -> Result<IssuedToken> {
        let (user, client) = (auth.user.clone(), auth.client);
        self.throttled(&user, client, self.authenticate(auth)).await
    }

    /// Runs `attempt` (a check of a password) behind the per-client throttle: refused before
    /// any work when this client failed too often for this user; its `Unauthorized` counts as
    /// a failure, its success clears this client's count.
    pub(super) async fn throttled<T>(
        &self,
        user: &UserRef,
        client: Option<IpAddr>,
        attempt: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let who = user_key(user);
        if let Err(wait) = self.throttle.check(&who, client, self.clock.instant()) {
            tracing::info!(user = %who, ?client, "sign-in throttled");
            let whole_seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(Error::TooManyRequests {
                retry_after_secs: whole_seconds.max(1),
            });
        }
        match attempt.await {
            Ok(done) => {
                self.throttle.succeed(&who, client);
                Ok(done)
            }
            Err(Error::Unauthorized(message)) => {
                self.throttle.fail(&who, client, self.clock.instant());
                Err(Error::Unauthorized(message))
            }
            Err(e) => Err(e),
        }
    }

    async fn authenticate(&self, auth: PasswordAuth) -> Result<IssuedToken> {
        let user = self.check_password(&auth.user, auth.password).await?;
        let account = self.scope_account(&auth.scope).await?;
        let role = match user.role {
            Some(role) if account.id == user.account_id && account.enabled => role,
            _ => return Err(refused()),
        };
        self.issue(user, role, account, self.clock.now()).await
    }

    /// The enabled user whose password this is: the one read of the user, the password check
    /// (always, even for an unknown or locked user, so that the time taken tells nothing), the
    /// lockout and its count. Every failure is the same `Unauthorized`.
    pub(super) async fn check_password(&self, user: &UserRef, password: String) -> Result<User> {
        let found = match user {
            UserRef::Id(id) => users::get(&self.db, id).await?,
            UserRef::Name { name, domain } if domain_is_default(domain) => {
                users::find_by_name(&self.db, name).await?
            }
            UserRef::Name { .. } => None,
        };
        let (found, stored) = match found {
            Some(u) => {
                let stored = u.password_hash;
                (Some((u.user, u.failed_sign_ins)), Some(stored))
            }
            None => (None, None),
        };
        let verified = password::verify(password, stored).await?;
        let (user, failures) = found.ok_or_else(refused)?;
        let now = self.clock.now();
        if self.lockout.locks(&failures, now) {
            tracing::info!(user = %user.name, "sign-in refused: the user is locked");
            return Err(refused());
        }
        if !verified {
            self.count_failure(&user, &failures, now).await?;
            return Err(refused());
        }
        if failures.count != 0 {
            users::clear_failed_sign_ins(&self.db, &user.id).await?;
        }
        if !user.enabled {
            tracing::info!(user = %user.name, "sign-in refused: the user is disabled");
            return Err(refused());
        }
        Ok(user)
    }

    /// Counts a wrong password against the user, when the lockout is on.
    async fn count_failure(
        &self,
        user: &User,
        failures: &FailedSignIns,
        now: Timestamp,
    ) -> Result<()> {
        if !self.lockout.enabled() {
            return Ok(());
        }
        users::record_failed_sign_in(
            &self.db,
            &user.id,
            now,
            self.lockout.threshold(),
            self.lockout.served_before(now),
        )
        .await?;
        if failures.count + 1 == self.lockout.threshold() {
            tracing::warn!(user = %user.name, "user locked after failed sign-ins");
        }
        Ok(())
    }

    /// The account a sign-in asks for, if it exists (in the Default domain).
    async fn scope_account(&self, scope: &ProjectScope) -> Result<Account> {
        let account = match scope {
            ProjectScope::Id(id) => match AccountId::parse(id) {
                Ok(id) => accounts::get(&self.db, &id).await?,
                Err(_) => None,
            },
            ProjectScope::Name { name, domain } if domain_is_default(domain) => {
                accounts::find_by_name(&self.db, name).await?
            }
            ProjectScope::Name { .. } => None,
        };
        account.ok_or_else(refused)
    }

    /// Stores a new token for `user` in `account`, issued `now`.
    async fn issue(
        &self,
        user: User,
        role: Role,
        account: Account,
        now: Timestamp,
    ) -> Result<IssuedToken> {
        let secret = secret::random_url_safe(32)?;
        let audit_id = secret::random_url_safe(16)?;
        let issued_at = now;
        let lifetime = i64::try_from(self.token_lifetime.as_secs()).unwrap_or(i64::MAX);
        let expires_at = issued_at.plus_seconds(lifetime);
        let token = NewToken {
            hash: &secret::token_hash(&secret),
            user_id: &user.id,
            account_id: &account.id,
            audit_id: &audit_id,
            issued_at,
            expires_at,
        };
        // A user or account deleted while it signed in is the sign-in's one refusal.
        tokens::insert(&self.db, &token)
            .await
            .map_err(|e| match e {
                Error::NotFound { .. } => refused(),
                other => other,
            })?;
        tracing::info!(user = %user.name, account = %account.id, "token issued");
        Ok(IssuedToken {
            secret,
            context: AuthContext {
                user_id: user.id,
                username: user.name,
                account_id: account.id,
                account_name: account.name,
                role,
                regions: account.regions,
                issued_at,
                expires_at,
                audit_id,
            },
        })
    }
}
