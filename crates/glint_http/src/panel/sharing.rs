//! The producer's sharing actions on its images: Share Image (from Saved Images' gear menu and
//! Image Detail), making an image shareable, and removing a consumer from Image Sharing, through
//! `ImageService::share_with_account`, `make_shareable` and `remove_member`.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use glint_core::Error;
use serde::Deserialize;

use super::images::{PanelImagePath, label};
use super::reply::{Flash, PanelError, Reply};
use super::session::Session;
use crate::paths::{ImageItemPath, Typed};
use crate::router::AppState;

/// The Share Image dialog.
#[derive(Debug, Deserialize)]
pub(crate) struct ShareForm {
    #[serde(default)]
    account: String,
    next: Option<String>,
}

/// `POST /images/{region}/{id}/share`.
pub(crate) async fn share_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
    Form(form): Form<ShareForm>,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    let back = super::reply::local_path(form.next.as_deref(), &detail);
    let shared = state
        .images
        .share_with_account(&session.ctx, &p.region, &p.image, &form.account)
        .await;
    match shared {
        Ok(member) => reply.done(
            &detail,
            Flash::ok(format!(
                "The image is shared with account {}. Its status is Pending Acceptance until the consumer's account admin accepts or rejects it.",
                member.member_id
            )),
        ),
        Err(Error::StateConflict(_) | Error::Conflict { .. }) => {
            let account = form.account.trim();
            let already = Error::StateConflict(format!(
                "This image is already shared with account {account}. Its row in Image Sharing shows the consumer's answer; to send a new request, remove the account there and share again."
            ));
            reply.failed(&already, back)
        }
        Err(e) => reply.failed(&e, back),
    }
}

/// `POST /images/{region}/{id}/shareable`: visibility becomes `shared`.
pub(crate) async fn make_shareable(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
    Form(form): Form<super::images::NextForm>,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    let back = super::reply::local_path(form.next.as_deref(), &detail);
    match state
        .images
        .make_shareable(&session.ctx, &p.region, &p.image)
        .await
    {
        Ok(image) => reply.done(
            back,
            Flash::ok(format!(
                "Image {} is now shareable (visibility: shared). Use Share Image to offer it to another account.",
                label(&image)
            )),
        ),
        Err(e) => reply.failed(&e, back),
    }
}

/// `POST /images/{region}/{id}/consumers/{account}/remove`: the producer removes a consumer.
pub(crate) async fn remove_consumer(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): Typed<ImageItemPath, PanelError>,
) -> Response {
    let detail = format!("/images/{}/{}", p.at.region, p.at.image);
    match state
        .images
        .remove_member(&session.ctx, &p.at.region, &p.at.image, &p.item)
        .await
    {
        Ok(()) => reply.done(
            &detail,
            Flash::ok(format!(
                "Account {} was removed from this image. Share the image with it again to send a new request.",
                p.item
            )),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}
