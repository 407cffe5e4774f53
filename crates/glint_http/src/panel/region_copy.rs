//! Copy to Region on Image Detail, for the owner of an active image: the account's other
//! regions to choose from, and the form's handler, which calls
//! `ImageService::copy_to_region` (the Image API extension's call) and opens the copy's Image
//! Detail, where its status shows the copy's progress.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use glint_core::image::{Image, ImageStatus};
use glint_core::{AuthContext, Error, RegionName};
use serde::Deserialize;

use super::images::{PanelImagePath, label};
use super::reply::{Flash, Reply};
use super::session::Session;
use crate::paths::Typed;
use crate::router::AppState;

/// The regions the owner may copy `image` to (none unless it is active and the caller may
/// change it).
pub(crate) fn copy_targets(ctx: &AuthContext, image: &Image, own: bool) -> Vec<String> {
    if !own || image.status != ImageStatus::Active {
        return Vec::new();
    }
    ctx.regions
        .iter()
        .filter(|r| **r != image.region)
        .map(|r| r.to_string())
        .collect()
}

#[derive(Debug, Deserialize)]
pub(crate) struct CopyFields {
    #[serde(default)]
    region: String,
}

/// `POST /images/{region}/{id}/copy-to-region`.
pub(crate) async fn copy_to_region(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): PanelImagePath,
    Form(form): Form<CopyFields>,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    let target = match RegionName::parse(form.region.trim()) {
        Ok(target) => target,
        Err(_) => {
            let e = Error::InvalidInput("Choose the region to copy the image to.".into());
            return reply.failed(&e, &detail);
        }
    };
    let done = state
        .images
        .copy_to_region(&session.ctx, &p.region, &p.image, &target, None)
        .await;
    match done {
        Ok(copy) => reply.done(
            &format!("/images/{}/{}", copy.region, copy.id),
            Flash::ok(format!(
                "Copying {} to {target}: this is the copy. It becomes active once all of its data is copied and its checksum matches the original's.",
                label(&copy)
            )),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}
