//! Who may do what to an image: the reference's policy rules (new defaults) plus Glint's region
//! rule, in one place; who may *see* one is the core's rule (`glint_core::image::visible`). An image the caller may not see is `NotFound`, never `Forbidden`, so that
//! nothing hints at its existence; an image it sees but may not change is `Forbidden`.

use glint_core::error::Kind;
use glint_core::image::{Image, Visibility};
use glint_core::{AuthContext, Error, Result, Role};

pub(crate) use glint_core::image::visible::{can_see, may_use_region, owns};

/// `NotFound` for an image the caller cannot see.
pub(crate) fn not_found(image: &str) -> Error {
    Error::not_found(Kind::Image, image)
}

/// Removes the lineage properties from an image the caller neither owns nor administers: where
/// another account's copy came from is its owner's business.
pub(crate) fn hide_lineage(ctx: &AuthContext, image: &mut Image) {
    if ctx.is_admin() || owns(ctx, image) {
        return;
    }
    let prefix = glint_core::image::lineage::PREFIX;
    let found: Vec<String> = image
        .properties
        .range::<str, _>((
            std::ops::Bound::Included(prefix),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|(key, _)| key.starts_with(prefix))
        .map(|(key, _)| key.clone())
        .collect();
    for key in found {
        image.properties.remove(&key);
    }
}

/// Succeeds when the caller may change the image (admin, or `member` of the owning account);
/// `Forbidden` otherwise, naming what is missing.
pub(crate) fn require_change(ctx: &AuthContext, image: &Image, action: &str) -> Result<()> {
    if ctx.is_admin() {
        return Ok(());
    }
    if !owns(ctx, image) {
        return Err(Error::Forbidden(format!(
            "You are not permitted to {action} image {}: only its owner may.",
            image.id
        )));
    }
    ctx.require(Role::Member, &format!("{action} images"))
}

/// Succeeds when the caller may reactivate a quarantined image: the cloud admin only (the
/// owner's reactivation would undo the operators' quarantine).
pub(crate) fn require_release(ctx: &AuthContext, image: &Image) -> Result<()> {
    if ctx.is_admin() {
        return Ok(());
    }
    let note = match image.quarantine_note.as_deref() {
        Some(note) if !note.is_empty() => format!(" Their note: {note}"),
        _ => String::new(),
    };
    Err(Error::Forbidden(format!(
        "Image {} is quarantined by the cloud's operators; only they can reactivate it.{note}",
        image.id
    )))
}

/// Succeeds when the caller may create an image owned by `owner` with `visibility`.
pub(crate) fn require_create(
    ctx: &AuthContext,
    owner: Option<&str>,
    visibility: Visibility,
) -> Result<()> {
    if !ctx.is_admin() {
        ctx.require(Role::Member, "create images")?;
        if let Some(owner) = owner
            && owner != ctx.account_id.as_str()
        {
            return Err(Error::Forbidden(format!(
                "You are not permitted to create images owned by '{owner}'."
            )));
        }
    }
    require_visibility(ctx, visibility)
}

/// Succeeds when the caller may give an image this visibility (`public` is for the admin).
pub(crate) fn require_visibility(ctx: &AuthContext, visibility: Visibility) -> Result<()> {
    if visibility == Visibility::Public && !ctx.is_admin() {
        return Err(Error::Forbidden(
            "You are not authorized to complete publicize_image action.".into(),
        ));
    }
    Ok(())
}
