//! Accounts, users and regions as the domain sees them, and `AuthContext`: who is calling, in
//! which account, with which role. Every authorization decision starts from an `AuthContext`.

use crate::{AccountId, AccountName, Error, RegionName, Role, Timestamp, UserId, Username};

/// An account (the APIs' project).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: AccountName,
    /// The regions this account may use, sorted by name.
    pub regions: Vec<RegionName>,
    /// A disabled account cannot sign in, and tokens scoped to it stop working.
    pub enabled: bool,
    /// Free text (Keystone's project description).
    pub description: String,
    pub created_at: Timestamp,
}

/// A user of an account, with at most one granted role in it (none: it cannot sign in until
/// one is granted, as a Keystone user without a role assignment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub name: Username,
    pub account_id: AccountId,
    pub role: Option<Role>,
    /// A disabled user cannot sign in, and its tokens stop working.
    pub enabled: bool,
    pub created_at: Timestamp,
}

/// A region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub name: RegionName,
    pub created_at: Timestamp,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthContext {
    pub user_id: UserId,
    pub username: Username,
    pub account_id: AccountId,
    pub account_name: AccountName,
    /// The role granted to the user; the effective roles are those it implies.
    pub role: Role,
    /// The regions the account may use.
    pub regions: Vec<RegionName>,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    /// Keystone's audit id of the token, for logs.
    pub audit_id: String,
}

impl AuthContext {
    /// Whether the caller is the cloud operator.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller acts for the given account (or is admin).
    pub fn acts_for(&self, account: &AccountId) -> bool {
        self.is_admin() || &self.account_id == account
    }

    /// Whether the caller's account may use the region.
    pub fn may_use_region(&self, region: &RegionName) -> bool {
        self.regions.iter().any(|r| r == region)
    }

    /// Succeeds when the caller holds `needed` (directly or implied); otherwise a 403-style error
    /// that names the role, so the user knows whom to ask.
    pub fn require(&self, needed: Role, to: &str) -> Result<(), Error> {
        if self.role.implies(needed) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "You need the '{needed}' role in your account to {to}; you have '{}'.",
                self.role
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(role: Role) -> AuthContext {
        AuthContext {
            user_id: UserId::from_trusted("u1".into()),
            username: Username::from_trusted("alice".into()),
            account_id: AccountId::from_trusted("554433".into()),
            account_name: AccountName::from_trusted("acme".into()),
            role,
            regions: vec![RegionName::from_trusted("DFW".into())],
            issued_at: Timestamp::from_micros(0),
            expires_at: Timestamp::from_micros(1),
            audit_id: "a".into(),
        }
    }

    #[test]
    fn require_names_the_missing_role() {
        let err = ctx(Role::Member)
            .require(Role::Manager, "accept shared images")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "You need the 'manager' role in your account to accept shared images; you have 'member'."
            )
        );
        assert!(ctx(Role::Admin).require(Role::Manager, "x").is_ok());
    }

    #[test]
    fn regions_and_accounts() {
        let c = ctx(Role::Member);
        assert!(c.may_use_region(&RegionName::from_trusted("DFW".into())));
        assert!(!c.may_use_region(&RegionName::from_trusted("LON".into())));
        assert!(c.acts_for(&AccountId::from_trusted("554433".into())));
        assert!(!c.acts_for(&AccountId::from_trusted("1".into())));
        assert!(ctx(Role::Admin).acts_for(&AccountId::from_trusted("1".into())));
    }
}
