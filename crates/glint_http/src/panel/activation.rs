//! Deactivate and Reactivate on Image Detail, for the image's owner, through
//! `ImageService::deactivate` / `reactivate` (the same calls as the Image API's actions, which
//! tell the consumers). A deactivated image boots no new servers; servers built from it keep
//! running and can be rebuilt.

use axum::extract::State;
use axum::response::Response;

use super::images::PanelImagePath;
use super::reply::{Flash, Reply};
use super::session::Session;
use crate::paths::Typed;
use crate::router::AppState;

/// `POST /images/{region}/{id}/deactivate`.
pub(crate) async fn deactivate_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    match state
        .images
        .deactivate(&session.ctx, &p.region, &p.image)
        .await
    {
        Ok(()) => reply.done(
            &detail,
            Flash::ok(
                "The image is deactivated: no new servers can be created from it until you reactivate it; servers built from it keep running and can be rebuilt.",
            ),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}

/// `POST /images/{region}/{id}/reactivate`.
pub(crate) async fn reactivate_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    match state
        .images
        .reactivate(&session.ctx, &p.region, &p.image)
        .await
    {
        Ok(()) => reply.done(
            &detail,
            Flash::ok("The image is active again: new servers can be created from it."),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}
