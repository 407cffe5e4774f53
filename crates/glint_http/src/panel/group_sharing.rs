//! The producer's group actions on Image Detail: the groups a shareable image is shared with
//! (each with Stop Sharing), and Share with Group offering the owner's other groups, through
//! `ImageService::group_shares`, `share_with_group` and `unshare_group`.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use glint_core::group::GroupId;
use glint_core::image::{Image, Visibility};
use serde::Deserialize;

use super::images::PanelImagePath;
use super::reply::{Flash, PanelError, Reply};
use super::session::Session;
use crate::paths::{ImageItemPath, Typed};
use crate::router::AppState;

/// A group the image is shared with, as Image Sharing shows it.
#[derive(Debug, Clone)]
pub(crate) struct GroupShareRow {
    /// In words: "partners (4 accounts)".
    pub text: String,
    pub unshare_url: String,
}

/// A group the image may still be shared with.
#[derive(Debug, Clone)]
pub(crate) struct GroupChoice {
    pub id: String,
    pub name: String,
}

/// What Image Sharing shows of groups, for the owner of a shareable image.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupSharing {
    pub shares: Vec<GroupShareRow>,
    pub choices: Vec<GroupChoice>,
}

impl GroupSharing {
    /// The groups `image` is shared with, each with how many accounts hold a live share through
    /// it, and the owner's other groups; nothing unless `own` and the image is shareable.
    pub(crate) async fn load(
        state: &AppState,
        session: &Session,
        image: &Image,
        own: bool,
    ) -> Result<GroupSharing, PanelError> {
        if !own || image.visibility != Visibility::Shared {
            return Ok(GroupSharing::default());
        }
        let shares = state
            .images
            .group_shares(&session.ctx, &image.region, &image.id)
            .await?;
        let groups = state.groups.list(&session.ctx).await?;
        let base = format!("/images/{}/{}/groups", image.region, image.id);
        Ok(GroupSharing {
            shares: shares
                .iter()
                .map(|share| GroupShareRow {
                    text: match share.accounts.len() {
                        1 => format!("{} (1 account)", share.group_name),
                        n => format!("{} ({n} accounts)", share.group_name),
                    },
                    unshare_url: format!("{base}/{}/remove", share.group_id),
                })
                .collect(),
            choices: groups
                .iter()
                .filter(|g| !shares.iter().any(|s| s.group_id == g.id))
                .map(|g| GroupChoice {
                    id: g.id.to_string(),
                    name: g.name.clone(),
                })
                .collect(),
        })
    }
}

/// The Share with Group form.
#[derive(Debug, Deserialize)]
pub(crate) struct GroupForm {
    #[serde(default)]
    group: String,
}

/// `POST /images/{region}/{id}/groups`: offers the image to every account of the group.
pub(crate) async fn share_with_group(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
    Form(form): Form<GroupForm>,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    let shared = match GroupId::parse(form.group.trim()) {
        Ok(group) => {
            state
                .images
                .share_with_group(&session.ctx, &p.region, &p.image, &group)
                .await
        }
        Err(e) => Err(e),
    };
    match shared {
        Ok(share) => reply.done(
            &detail,
            Flash::ok(format!(
                "The image is shared with group {} ({}). Each account's share is Pending Acceptance until its account admin answers.",
                share.group_name,
                super::format::count(share.accounts.len() as u64, "account")
            )),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}

/// `POST /images/{region}/{id}/groups/{group}/remove`: stops sharing with the group; the
/// shares its accounts accepted stay.
pub(crate) async fn unshare_group(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): Typed<ImageItemPath, PanelError>,
) -> Response {
    let detail = format!("/images/{}/{}", p.at.region, p.at.image);
    let unshared = match GroupId::parse(&p.item) {
        Ok(group) => {
            state
                .images
                .unshare_group(&session.ctx, &p.at.region, &p.at.image, &group)
                .await
        }
        Err(e) => Err(e),
    };
    match unshared {
        Ok(share) => reply.done(
            &detail,
            Flash::ok(format!(
                "The image is no longer shared with group {}. Shares its accounts had not accepted were taken back; accepted ones stay (remove those accounts below).",
                share.group_name
            )),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}
