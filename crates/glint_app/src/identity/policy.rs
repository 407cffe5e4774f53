//! Who may administer which identities, Glint's roles read as Keystone's personas: the `admin`
//! (the cloud operator) administers every project, user and role assignment; an account's
//! `manager` administers the users of its own account and their roles, except the `admin`
//! role and the users who hold it; everyone else reads only itself. A user that the caller may
//! not administer is not found, whether or not it exists, so nothing leaks across accounts.

use glint_core::error::Kind;
use glint_core::{AuthContext, Error, Result, Role, User};

/// Succeeds for the cloud operator; otherwise 403 naming the role needed.
pub(super) fn require_admin(caller: &AuthContext, to: &str) -> Result<()> {
    caller.require(Role::Admin, to)
}

/// Succeeds for a caller that may administer users at all (an admin, or a manager of its
/// account); otherwise 403 naming the role needed.
pub(super) fn require_manager(caller: &AuthContext, to: &str) -> Result<()> {
    caller.require(Role::Manager, to)
}

/// Whether the caller may administer `user`.
pub(super) fn manages(caller: &AuthContext, user: &User) -> bool {
    caller.is_admin()
        || (caller.role.implies(Role::Manager)
            && caller.account_id == user.account_id
            && user.role != Some(Role::Admin))
}

/// `user` when the caller may administer it, or read it because it is the caller; otherwise
/// `NotFound`, as for a user that does not exist.
pub(super) fn readable(caller: &AuthContext, user: User) -> Result<User> {
    if caller.user_id == user.id || manages(caller, &user) {
        Ok(user)
    } else {
        Err(Error::not_found(Kind::User, user.id.as_str()))
    }
}

/// `user` when the caller may change it; a user it may only read (itself, without the
/// manager role) is 403, any other `NotFound`.
pub(super) fn changeable(caller: &AuthContext, user: User, to: &str) -> Result<User> {
    if manages(caller, &user) {
        return Ok(user);
    }
    let user = readable(caller, user)?;
    require_manager(caller, to)?;
    Ok(user)
}

/// Refuses a change that would lock the caller itself out (disable, delete, drop its role).
pub(super) fn not_self(caller: &AuthContext, user: &User, what: &str) -> Result<()> {
    if caller.user_id == user.id {
        return Err(Error::Forbidden(format!("You cannot {what} yourself.")));
    }
    Ok(())
}

/// Succeeds when the caller may grant or take away `role`: the `admin` role is the operator's
/// alone to give.
pub(super) fn may_assign(caller: &AuthContext, role: Role) -> Result<()> {
    if role == Role::Admin {
        return require_admin(caller, "grant or revoke the 'admin' role");
    }
    Ok(())
}
