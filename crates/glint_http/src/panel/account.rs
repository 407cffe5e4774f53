//! The Account page: every user changes its own password there (`IdentityService::
//! change_password`, with the current one); a manager also sees its account's users with their
//! roles, adds users with a role, changes a user's role and removes users (the identity
//! service decides who may; a caller it refuses simply gets no Users section).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use glint_app::identity::{NewUser, UserFilter};
use glint_core::{Error, Role, User};
use serde::Deserialize;

use super::cookies::{self, SESSION, SIGNED_IN};
use super::reply::{Flash, PanelError, Reply, page};
use super::session::{Session, secure};
use super::views::Chrome;
use crate::extract::ClientAddress;
use crate::router::AppState;

const HERE: &str = "/account";

/// A row of the Users table.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub name: String,
    pub role: String,
    pub enabled: bool,
    pub is_self: bool,
    pub role_url: String,
    pub remove_url: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub(crate) struct AccountPage {
    chrome: Chrome,
    /// The account's users, when the caller may administer them.
    users: Option<Vec<UserRow>>,
    /// The roles the caller may give, least powerful first.
    roles: Vec<&'static str>,
}

fn row(user: &User, session: &Session) -> UserRow {
    UserRow {
        name: user.name.to_string(),
        role: user.role.map_or("none", Role::as_str).to_owned(),
        enabled: user.enabled,
        is_self: user.id == session.ctx.user_id,
        role_url: format!("{HERE}/users/{}/role", user.id),
        remove_url: format!("{HERE}/users/{}/delete", user.id),
    }
}

/// `GET /account`.
pub(crate) async fn account_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    let users = match state
        .identity
        .list_users(&session.ctx, UserFilter::default())
        .await
    {
        Ok(users) => Some(users.iter().map(|u| row(u, &session)).collect()),
        Err(Error::Forbidden(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let view = AccountPage {
        chrome: Chrome::load(&state, &session, "Account", "account", HERE.into())
            .await?
            .with_flash(flash),
        users,
        roles: state
            .identity
            .assignable_roles(&session.ctx)
            .into_iter()
            .map(Role::as_str)
            .collect(),
    };
    Ok(page(&view, shown))
}

/// The Add User form.
#[derive(Debug, Deserialize)]
pub(crate) struct AddUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

/// `POST /account/users`: a new user of the caller's account with the chosen role.
pub(crate) async fn add_user(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Form(form): Form<AddUserForm>,
) -> Response {
    let role = match form.role.parse::<Role>() {
        Ok(role) => role,
        Err(e) => return reply.failed(&e, HERE),
    };
    let new = NewUser {
        name: form.username.trim().to_owned(),
        password: Some(form.password),
        account: Some(session.ctx.account_id.to_string()),
        enabled: true,
        role: Some(role),
    };
    match state.identity.create_user(&session.ctx, new).await {
        Ok(user) => reply.done(
            HERE,
            Flash::ok(format!(
                "User {} was added with the {role} role. They sign in with account {}.",
                user.name, session.ctx.account_id
            )),
        ),
        Err(e) => reply.failed(&e, HERE),
    }
}

/// The role form.
#[derive(Debug, Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    role: String,
}

/// `POST /account/users/{id}/role`: the user's new role, at once.
pub(crate) async fn change_role(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(user_id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    let role = match form.role.parse::<Role>() {
        Ok(role) => role,
        Err(e) => return reply.failed(&e, HERE),
    };
    match state.identity.set_role(&session.ctx, &user_id, role).await {
        Ok(user) => reply.done(
            HERE,
            Flash::ok(format!("{} now has the {role} role.", user.name)),
        ),
        Err(e) => reply.failed(&e, HERE),
    }
}

/// `POST /account/users/{id}/delete`: removes the user and ends its sessions.
pub(crate) async fn remove_user(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(user_id): Path<String>,
) -> Response {
    match state.identity.delete_user(&session.ctx, &user_id).await {
        Ok(()) => reply.done(HERE, Flash::ok("The user was removed from your account.")),
        Err(e) => reply.failed(&e, HERE),
    }
}

/// The password form.
#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /account/password`: the caller's own password, checked with the current one. Every
/// session of the user ends with it, this one included: the browser goes to the sign-in page.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    ClientAddress(client): ClientAddress,
    Form(form): Form<PasswordForm>,
) -> Response {
    if form.new != form.confirm {
        let differ = Error::InvalidInput("The new password and its confirmation differ.".into());
        return reply.failed(&differ, HERE);
    }
    let id = session.ctx.user_id.to_string();
    let changed = state
        .identity
        .change_password(&id, form.current, form.new, client)
        .await;
    match changed {
        Ok(()) => signed_out_after_password_change(&state),
        Err(Error::Unauthorized(_)) => {
            let wrong = Error::InvalidInput("The current password is not correct.".into());
            reply.failed(&wrong, HERE)
        }
        Err(e) => reply.failed(&e, HERE),
    }
}

/// The sign-in page, saying why, with the session's cookies cleared.
fn signed_out_after_password_change(state: &AppState) -> Response {
    let secure = secure(state);
    let mut response = Redirect::to("/sign-in?password_changed=1").into_response();
    let jar = response.headers_mut();
    jar.append(header::SET_COOKIE, cookies::clear(SESSION, secure));
    jar.append(header::SET_COOKIE, cookies::clear(SIGNED_IN, secure));
    response
}
