//! Keystone's roles and role assignments over Glint's model, in which a user belongs to one
//! account and holds at most one role in it: the user's one assignment is (user, its account,
//! its role). Granting the role a user holds is a no-op; granting a role to a user with none
//! gives it; granting a second role, or any role in another account, is refused (409), since
//! Glint cannot hold it; revoking the held role leaves the user with none (it cannot sign in,
//! and its tokens end). With `effective`, an assignment lists the roles its role implies too.

use glint_core::error::Kind;
use glint_core::{AccountId, AccountName, AuthContext, Error, Result, Role, User};
use glint_db::users::{self, UserFilter};

use super::IdentityService;
use super::policy::{changeable, may_assign, not_self, readable, require_manager};

/// One role a user holds in its account; `implied_by` is the role held when this one is only
/// implied by it (effective lists).
#[derive(Debug, Clone)]
pub struct Assignment {
    pub user: User,
    pub account_name: AccountName,
    pub role: Role,
    pub implied_by: Option<Role>,
}

/// Keystone's filters on `GET /v3/role_assignments`.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub user_id: Option<String>,
    pub project_id: Option<String>,
    pub role_id: Option<String>,
    /// List implied roles too, each as its own assignment.
    pub effective: bool,
    /// A filter on something Glint has none of (groups, domain or system scopes): the list
    /// is empty.
    pub matches_nothing: bool,
}

/// The role with this id (`glint-role-member`…).
fn role_by_id(id: &str) -> Result<Role> {
    Role::ALL
        .into_iter()
        .find(|r| r.id() == id)
        .ok_or_else(|| Error::not_found(Kind::Role, id))
}

impl IdentityService {
    /// Every role, least powerful first (optionally only the one named `name`).
    pub fn roles(&self, name: Option<&str>) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| name.is_none_or(|n| n == r.as_str()))
            .collect()
    }

    /// The roles the caller may grant (the panel's choices): every role for the admin, all but
    /// `admin` for anyone else.
    pub fn assignable_roles(&self, caller: &AuthContext) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|r| may_assign(caller, *r).is_ok())
            .collect()
    }

    /// The role with this id.
    pub fn role(&self, id: &str) -> Result<Role> {
        role_by_id(id)
    }

    /// The user and role of an assignment path, checked: the project must be one the caller
    /// sees, the user one it may change (or read, when `change` is false), and the user's own
    /// account must be the project.
    async fn assignment_target(
        &self,
        caller: &AuthContext,
        (project, user, role): (&str, &str, &str),
        change: bool,
    ) -> Result<(User, Role)> {
        let account = self.project(caller, project).await?;
        let user = self.stored_user(user).await?;
        let user = if change {
            changeable(caller, user, "grant or revoke roles")?
        } else {
            readable(caller, user)?
        };
        let role = role_by_id(role)?;
        if user.account_id != account.id {
            return Err(Error::StateConflict(format!(
                "A Glint user holds roles only in its own account ({}), never in another.",
                user.account_id
            )));
        }
        Ok((user, role))
    }

    /// Grants a role (Keystone's `PUT /v3/projects/{p}/users/{u}/roles/{r}`).
    pub async fn grant_role(&self, caller: &AuthContext, path: (&str, &str, &str)) -> Result<()> {
        let (user, role) = self.assignment_target(caller, path, true).await?;
        may_assign(caller, role)?;
        let mut held = user.role;
        for _ in 0..2 {
            match held {
                Some(r) if r == role => return Ok(()),
                Some(r) => {
                    return Err(Error::StateConflict(format!(
                        "User {} holds the '{r}' role; a Glint user holds one role: revoke it \
                         before granting '{role}'.",
                        user.name
                    )));
                }
                None if users::set_role(&self.db, &user.id, None, Some(role), false).await? => {
                    tracing::info!(user = %user.name, %role, "role granted");
                    return Ok(());
                }
                None => held = self.stored_user(user.id.as_str()).await?.role,
            }
        }
        Err(Error::StateConflict(
            "The user's role changed while granting; try again.".into(),
        ))
    }

    /// Revokes the role the user holds (Keystone's `DELETE` of the assignment): it then holds
    /// none, and its tokens end. Nobody revokes its own role.
    pub async fn revoke_role(&self, caller: &AuthContext, path: (&str, &str, &str)) -> Result<()> {
        let (user, role) = self.assignment_target(caller, path, true).await?;
        may_assign(caller, role)?;
        not_self(caller, &user, "revoke the role of")?;
        if !users::set_role(&self.db, &user.id, Some(role), None, true).await? {
            return Err(Error::not_found(Kind::RoleAssignment, role.id()));
        }
        self.forget_user(&user.id);
        tracing::info!(user = %user.name, %role, "role revoked");
        Ok(())
    }

    /// Succeeds when the user holds the role in the project (Keystone's `HEAD` of the
    /// assignment); `NotFound` otherwise.
    pub async fn check_role(&self, caller: &AuthContext, path: (&str, &str, &str)) -> Result<()> {
        let (user, role) = self.assignment_target(caller, path, false).await?;
        match user.role {
            Some(held) if held == role => Ok(()),
            _ => Err(Error::not_found(Kind::RoleAssignment, role.id())),
        }
    }

    /// The roles the user holds in the project (none or one).
    pub async fn project_user_roles(
        &self,
        caller: &AuthContext,
        project: &str,
        user: &str,
    ) -> Result<Vec<Role>> {
        let (user, _) = self
            .assignment_target(caller, (project, user, Role::Reader.id()), false)
            .await?;
        Ok(user.role.into_iter().collect())
    }

    /// Replaces the role of a user the caller administers in one step (the panel's role
    /// change): its tokens end, so the new role applies at once.
    pub async fn set_role(&self, caller: &AuthContext, user: &str, role: Role) -> Result<User> {
        let user = changeable(caller, self.stored_user(user).await?, "change roles")?;
        may_assign(caller, role)?;
        if let Some(held) = user.role {
            may_assign(caller, held)?;
        }
        if user.role == Some(role) {
            return Ok(user);
        }
        not_self(caller, &user, "change the role of")?;
        if !users::set_role(&self.db, &user.id, user.role, Some(role), true).await? {
            return Err(Error::StateConflict(
                "The user's role changed meanwhile; look again and retry.".into(),
            ));
        }
        self.forget_user(&user.id);
        tracing::info!(user = %user.name, %role, "role set");
        self.stored_user(user.id.as_str()).await
    }

    /// The role assignments the filter lets through among the users the caller administers:
    /// every user for the admin, its own account's for a manager; 403 for anyone else.
    pub async fn role_assignments(
        &self,
        caller: &AuthContext,
        filter: &AssignmentFilter,
    ) -> Result<Vec<Assignment>> {
        require_manager(caller, "list role assignments")?;
        let role = filter.role_id.as_deref().map(role_by_id).transpose();
        let project = filter
            .project_id
            .as_deref()
            .map(AccountId::parse)
            .transpose();
        let (Ok(role), Ok(project)) = (role, project) else {
            return Ok(Vec::new());
        };
        if filter.matches_nothing {
            return Ok(Vec::new());
        }
        let users = self
            .list_users(
                caller,
                UserFilter {
                    account: project,
                    ..UserFilter::default()
                },
            )
            .await?;
        let mut names = std::collections::HashMap::new();
        let mut found = Vec::new();
        for user in users {
            let Some(held) = user.role else { continue };
            if filter
                .user_id
                .as_deref()
                .is_some_and(|id| id != user.id.as_str())
            {
                continue;
            }
            if !names.contains_key(&user.account_id) {
                let account = glint_db::accounts::get(&self.db, &user.account_id).await?;
                let name = account.map(|a| a.name).ok_or_else(|| {
                    Error::Internal(format!("user {} without its account", user.id))
                })?;
                names.insert(user.account_id.clone(), name);
            }
            let account_name = names[&user.account_id].clone();
            found.extend(expand(&user, held, &account_name, filter.effective, role));
        }
        Ok(found)
    }
}

/// The assignments of `user`, who holds `held`: that role, and with `effective` the roles it
/// implies, those that are `wanted` (any, when `None`).
fn expand(
    user: &User,
    held: Role,
    account_name: &AccountName,
    effective: bool,
    wanted: Option<Role>,
) -> Vec<Assignment> {
    let roles: Vec<Role> = if effective {
        held.effective().collect()
    } else {
        vec![held]
    };
    roles
        .into_iter()
        .filter(|r| wanted.is_none_or(|w| w == *r))
        .map(|r| Assignment {
            user: user.clone(),
            account_name: account_name.clone(),
            role: r,
            implied_by: (r != held).then_some(held),
        })
        .collect()
}
