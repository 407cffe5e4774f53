//! The Groups page: the account's groups of accounts with their account numbers, and forms to
//! create a group (a name and account numbers separated by commas or spaces), rename it, add or
//! remove an account, and delete it. Everything goes through `GroupService`, which decides who
//! may do what (a group that still shares an image is not deleted); the forms are shown to
//! members only, as a hint.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use glint_core::Role;
use glint_core::group::{AccountGroup, GroupId, NewGroup, account_numbers, group_name};
use serde::Deserialize;
use serde_json::Value;

use super::format;
use super::reply::{Flash, PanelError, Reply, page};
use super::session::Session;
use super::views::Chrome;
use crate::router::AppState;

const HERE: &str = "/groups";

/// A group as the page shows it.
#[derive(Debug, Clone)]
pub(crate) struct GroupRow {
    pub name: String,
    pub accounts: Vec<String>,
    pub created: String,
    pub base: String,
}

impl GroupRow {
    fn new(group: &AccountGroup) -> GroupRow {
        GroupRow {
            name: group.name.clone(),
            accounts: group.accounts.clone(),
            created: format::time(group.created_at),
            base: format!("{HERE}/{}", group.id),
        }
    }
}

#[derive(Template)]
#[template(path = "groups.html")]
pub(crate) struct GroupsPage {
    chrome: Chrome,
    rows: Vec<GroupRow>,
    /// Display only: whether the user's role lets it change groups.
    can_change: bool,
}

/// `GET /groups`.
pub(crate) async fn groups_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    let groups = state.groups.list(&session.ctx).await?;
    let flash = Flash::read(&headers);
    let shown = flash.is_some();
    let view = GroupsPage {
        chrome: Chrome::load(&state, &session, "Groups", "groups", HERE.into())
            .await?
            .with_flash(flash),
        rows: groups.iter().map(GroupRow::new).collect(),
        can_change: session.ctx.role.implies(Role::Member),
    };
    Ok(page(&view, shown))
}

/// The Create Group form.
#[derive(Debug, Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    accounts: String,
}

/// Reads the form's name and its account numbers, separated by commas or white space.
fn new_group(form: &CreateForm) -> glint_core::Result<NewGroup> {
    let name = group_name(&form.name)?;
    let values: Vec<Value> = form
        .accounts
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.to_owned()))
        .collect();
    let accounts = account_numbers(&values)?;
    Ok(NewGroup { name, accounts })
}

/// `POST /groups`: creates a group.
pub(crate) async fn create_group(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Form(form): Form<CreateForm>,
) -> Response {
    let created = match new_group(&form) {
        Ok(new) => state.groups.create(&session.ctx, new).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(group) => reply.done(
            HERE,
            Flash::ok(format!(
                "Group {} was created with {}. Share an image with it from the image's Image Detail page.",
                group.name,
                format::count(group.accounts.len() as u64, "account")
            )),
        ),
        Err(e) => reply.failed(&e, HERE),
    }
}

/// The Rename form.
#[derive(Debug, Deserialize)]
pub(crate) struct RenameForm {
    #[serde(default)]
    name: String,
}

/// `POST /groups/{id}/rename`.
pub(crate) async fn rename_group(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(id): Path<String>,
    Form(form): Form<RenameForm>,
) -> Response {
    let renamed = match (GroupId::parse(&id), group_name(&form.name)) {
        (Ok(id), Ok(name)) => state.groups.rename(&session.ctx, &id, &name).await,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match renamed {
        Ok(group) => reply.done(
            HERE,
            Flash::ok(format!("The group is now named {}.", group.name)),
        ),
        Err(e) => reply.failed(&e, HERE),
    }
}

/// The Add Account form.
#[derive(Debug, Deserialize)]
pub(crate) struct AccountForm {
    #[serde(default)]
    account: String,
}

/// `POST /groups/{id}/accounts`: adds an account, which is offered the group's images.
pub(crate) async fn add_account(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(id): Path<String>,
    Form(form): Form<AccountForm>,
) -> Response {
    let account = form.account.trim();
    let added = match GroupId::parse(&id) {
        Ok(id) => state.groups.add_account(&session.ctx, &id, account).await,
        Err(e) => Err(e),
    };
    match added {
        Ok(group) => reply.done(
            HERE,
            Flash::ok(format!(
                "Account {account} was added to group {}; the images shared with the group are offered to it.",
                group.name
            )),
        ),
        Err(e) => reply.failed(&e, HERE),
    }
}

/// `POST /groups/{id}/accounts/{account}/remove`: removes an account; the group's shares it
/// has not accepted go with it.
pub(crate) async fn remove_account(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path((id, account)): Path<(String, String)>,
) -> Response {
    let removed = match GroupId::parse(&id) {
        Ok(id) => {
            state
                .groups
                .remove_account(&session.ctx, &id, &account)
                .await
        }
        Err(e) => Err(e),
    };
    match removed {
        Ok(()) => reply.done(
            HERE,
            Flash::ok(format!(
                "Account {account} was removed from the group. Shares it already accepted stay; the others were taken back."
            )),
        ),
        Err(e) => reply.failed(&e, HERE),
    }
}

/// `POST /groups/{id}/delete`: deletes a group that shares no image.
pub(crate) async fn delete_group(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Path(id): Path<String>,
) -> Response {
    let deleted = match GroupId::parse(&id) {
        Ok(id) => state.groups.delete(&session.ctx, &id).await,
        Err(e) => Err(e),
    };
    match deleted {
        Ok(()) => reply.done(HERE, Flash::ok("The group was deleted.")),
        Err(e) => reply.failed(&e, HERE),
    }
}
