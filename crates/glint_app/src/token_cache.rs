//! This node's short memory of validated tokens: a token checked against the store is trusted
//! for a few seconds without asking again, never beyond its own expiry, and forgotten at once
//! when it is revoked on this node, or when its user or account is disabled, deleted or changes
//! role on this node. Other nodes notice a revocation (or a changed grant) after
//! at most the cache's lifetime. Bounded in size; a lifetime of zero turns it off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use glint_core::{AuthContext, Timestamp};

/// How long a validated token is trusted without the store, and how many are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCacheSettings {
    pub lifetime: Duration,
    pub capacity: usize,
}

impl Default for TokenCacheSettings {
    fn default() -> Self {
        TokenCacheSettings {
            lifetime: Duration::from_secs(5),
            capacity: 10_000,
        }
    }
}

struct Entry {
    context: AuthContext,
    until: Instant,
}

#[derive(Default)]
struct State {
    entries: HashMap<String, Entry>,
    /// Bumped by every revocation, so that a check that read the store before a revocation
    /// cannot put the revoked token back.
    generation: u64,
}

/// Validated tokens by the SHA-256 of their secret; cheap to clone (shared).
#[derive(Clone, Default)]
pub(crate) struct TokenCache {
    settings: TokenCacheSettings,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(settings: TokenCacheSettings) -> Self {
        TokenCache {
            settings,
            state: Arc::default(),
        }
    }

    fn enabled(&self) -> bool {
        !self.settings.lifetime.is_zero() && self.settings.capacity > 0
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters: every entry is checked again on use.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The caller behind `hash` if it was validated within the lifetime and has not expired.
    pub(crate) fn get(&self, hash: &str) -> Option<AuthContext> {
        if !self.enabled() {
            return None;
        }
        let mut state = self.lock();
        let entry = state.entries.get(hash)?;
        if entry.until > Instant::now() && entry.context.expires_at > Timestamp::now() {
            return Some(entry.context.clone());
        }
        state.entries.remove(hash);
        None
    }

    /// The revocation generation to pass to `put` after reading the store.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Remembers a token just validated by the store, unless a revocation happened on this
    /// node since `generation` was read or the cache is full of live entries.
    pub(crate) fn put(&self, hash: &str, context: &AuthContext, generation: u64) {
        if !self.enabled() {
            return;
        }
        let now = Instant::now();
        let mut state = self.lock();
        if state.generation != generation {
            return;
        }
        if state.entries.len() >= self.settings.capacity {
            let wall = Timestamp::now();
            state
                .entries
                .retain(|_, e| e.until > now && e.context.expires_at > wall);
            if state.entries.len() >= self.settings.capacity {
                return;
            }
        }
        state.entries.insert(
            hash.to_owned(),
            Entry {
                context: context.clone(),
                until: now + self.settings.lifetime,
            },
        );
    }

    /// Forgets `hash` and makes every check still in flight unable to remember its token.
    pub(crate) fn revoke(&self, hash: &str) {
        let mut state = self.lock();
        state.generation += 1;
        state.entries.remove(hash);
    }

    /// Forgets every token whose caller `matches` (a user disabled, deleted or given another
    /// role; an account disabled), and makes every check still in flight unable to remember
    /// one: the change applies on this node at once.
    pub(crate) fn forget(&self, matches: impl Fn(&AuthContext) -> bool) {
        let mut state = self.lock();
        state.generation += 1;
        state.entries.retain(|_, e| !matches(&e.context));
    }
}

#[cfg(test)]
mod tests {
    use glint_core::{AccountId, AccountName, Role, UserId, Username};

    use super::*;

    fn context(expires_in_secs: i64) -> AuthContext {
        let now = Timestamp::now();
        AuthContext {
            user_id: UserId::from_trusted("u".into()),
            username: Username::from_trusted("alice".into()),
            account_id: AccountId::from_trusted("1".into()),
            account_name: AccountName::from_trusted("acme".into()),
            role: Role::Member,
            regions: Vec::new(),
            issued_at: now,
            expires_at: now.plus_seconds(expires_in_secs),
            audit_id: "a".into(),
        }
    }

    fn cache(lifetime: Duration, capacity: usize) -> TokenCache {
        TokenCache::new(TokenCacheSettings { lifetime, capacity })
    }

    #[test]
    fn remembers_until_revoked() {
        let c = cache(Duration::from_secs(60), 10);
        let g = c.generation();
        c.put("h", &context(60), g);
        assert!(c.get("h").is_some());
        c.revoke("h");
        assert!(c.get("h").is_none());
    }

    #[test]
    fn a_check_in_flight_during_a_revocation_is_not_remembered() {
        let c = cache(Duration::from_secs(60), 10);
        let g = c.generation();
        c.revoke("h");
        c.put("h", &context(60), g);
        assert!(c.get("h").is_none());
    }

    #[test]
    fn never_beyond_the_token_or_its_own_lifetime() {
        let c = cache(Duration::from_secs(60), 10);
        c.put("expired", &context(0), c.generation());
        assert!(c.get("expired").is_none());
        let short = cache(Duration::from_millis(1), 10);
        short.put("h", &context(60), short.generation());
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.get("h").is_none());
    }

    #[test]
    fn forgetting_a_user_drops_only_its_tokens_and_checks_in_flight() {
        let c = cache(Duration::from_secs(60), 10);
        let mut other = context(60);
        other.user_id = UserId::from_trusted("v".into());
        c.put("mine", &context(60), c.generation());
        c.put("theirs", &other, c.generation());
        let in_flight = c.generation();
        c.forget(|ctx| ctx.user_id.as_str() == "u");
        assert!(c.get("mine").is_none());
        assert!(c.get("theirs").is_some());
        c.put("mine", &context(60), in_flight);
        assert!(c.get("mine").is_none());
    }

    #[test]
    fn bounded_and_can_be_turned_off() {
        let c = cache(Duration::from_secs(60), 2);
        for h in ["a", "b", "c"] {
            c.put(h, &context(60), c.generation());
        }
        assert!(c.get("a").is_some() && c.get("b").is_some());
        assert!(c.get("c").is_none());
        let off = cache(Duration::ZERO, 10);
        off.put("a", &context(60), off.generation());
        assert!(off.get("a").is_none());
    }
}
