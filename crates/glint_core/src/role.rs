//! Roles within an account and their implication chain: admin ⇒ manager ⇒ member ⇒ reader.
//! A user holds one granted role; tokens and policy checks work on the effective set.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A role, ordered from least to most powerful, so `a >= b` means "a implies b".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Sees images and members.
    Reader,
    /// Creates, changes and uploads images; shares them.
    Member,
    /// Everything a member does, plus accepting and rejecting shares for the account.
    Manager,
    /// The cloud operator: everything in every account.
    Admin,
}

impl Role {
    /// Every role, least powerful first.
    pub const ALL: [Role; 4] = [Role::Reader, Role::Member, Role::Manager, Role::Admin];

    /// The wire name (`reader`, `member`, `manager`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Member => "member",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// A stable id for the role, as Keystone gives roles ids.
    pub fn id(self) -> &'static str {
        match self {
            Role::Reader => "glint-role-reader",
            Role::Member => "glint-role-member",
            Role::Manager => "glint-role-manager",
            Role::Admin => "glint-role-admin",
        }
    }

    /// This role and every role it implies, most powerful first.
    pub fn effective(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().rev().filter(move |r| *r <= self)
    }

    /// Whether holding `self` grants `needed`.
    pub fn implies(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "unknown role '{s}': use reader, member, manager or admin"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_roles_follow_the_implication_chain() {
        let names: Vec<_> = Role::Manager.effective().map(Role::as_str).collect();
        assert_eq!(names, ["manager", "member", "reader"]);
        let names: Vec<_> = Role::Reader.effective().map(Role::as_str).collect();
        assert_eq!(names, ["reader"]);
        assert_eq!(Role::Admin.effective().count(), 4);
    }

    #[test]
    fn implication_is_by_power() {
        assert!(Role::Admin.implies(Role::Manager));
        assert!(Role::Manager.implies(Role::Member));
        assert!(!Role::Member.implies(Role::Manager));
        assert!(!Role::Reader.implies(Role::Member));
    }

    #[test]
    fn parses_wire_names_only() {
        assert_eq!("manager".parse::<Role>().ok(), Some(Role::Manager));
        assert!("Manager".parse::<Role>().is_err());
        assert!("owner".parse::<Role>().is_err());
    }
}
