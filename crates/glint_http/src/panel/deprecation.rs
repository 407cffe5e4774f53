//! Deprecation in the panel: how a deprecated image reads to everyone who sees it ("Deprecated:
//! use NAME; no new servers from DATE") in lists, dialogs, Create Server and Image Detail, and
//! the owner's Deprecate form and its undo on Image Detail, which call
//! `ImageService::deprecate` / `undeprecate` (the service checks the replacement and tells the
//! consumers).

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use glint_core::image::deprecation::{self, Deprecation};
use glint_core::image::{Image, ImageId, ImageStatus};
use glint_core::{AuthContext, Error, Timestamp};
use serde::Deserialize;

use super::format;
use super::images::{PanelImagePath, label};
use super::reply::{Flash, Reply};
use super::session::Session;
use super::views::RegionOption;
use crate::router::AppState;

/// A deprecated image's notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeprecationNote {
    /// `Deprecated: use NAME; no new servers from DATE`.
    pub text: String,
    /// The owner's message to its consumers.
    pub message: Option<String>,
    /// Image Detail of the replacement, when the viewer can see it.
    pub replacement_url: Option<String>,
    /// It boots no new servers any more.
    pub obsolete: bool,
}

impl DeprecationNote {
    /// The notice of `deprecation`, whose replacement the viewer sees as `replacement` (`None`:
    /// it names none, or the viewer cannot see it).
    pub(crate) fn new(
        image: &Image,
        deprecation: &Deprecation,
        replacement: Option<&Image>,
        now: Timestamp,
    ) -> DeprecationNote {
        let name = replacement.map(label);
        DeprecationNote {
            text: words(deprecation, name.as_deref(), now),
            message: deprecation.message.clone(),
            replacement_url: replacement.map(|r| format!("/images/{}/{}", image.region, r.id)),
            obsolete: deprecation.is_obsolete(now),
        }
    }
}

/// `Deprecated: use NAME; no new servers from DATE` (`since` once it is obsolete); a
/// replacement the viewer cannot see (no `replacement_name`) is named by its id.
pub(crate) fn words(
    deprecation: &Deprecation,
    replacement_name: Option<&str>,
    now: Timestamp,
) -> String {
    let mut text = match (&deprecation.replacement, replacement_name) {
        (Some(_), Some(name)) => format!("Deprecated: use {name}"),
        (Some(id), None) => format!("Deprecated: use image {id}"),
        (None, _) => "Deprecated".to_owned(),
    };
    if let Some(at) = deprecation.obsolete_at {
        let when = if deprecation.is_obsolete(now) {
            "since"
        } else {
            "from"
        };
        text.push_str(&format!(
            "; no new servers {when} {}",
            format::day_or_time(at)
        ));
    }
    text
}

/// The notice of `image` for the caller, if it is deprecated; the replacement is looked up as
/// the caller (an image it cannot see is named by its id only).
pub(crate) async fn note(
    state: &AppState,
    ctx: &AuthContext,
    image: &Image,
) -> Result<Option<DeprecationNote>, Error> {
    let Some(deprecation) = Deprecation::of(image) else {
        return Ok(None);
    };
    let replacement = match &deprecation.replacement {
        Some(id) => match state.images.get(ctx, &image.region, id).await {
            Ok(found) => Some(found),
            Err(Error::NotFound { .. } | Error::Forbidden(_)) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let now = state.images.clock().now();
    Ok(Some(DeprecationNote::new(
        image,
        &deprecation,
        replacement.as_ref(),
        now,
    )))
}

/// The notices of the deprecated images among `images`, by image id.
pub(crate) async fn notes(
    state: &AppState,
    ctx: &AuthContext,
    images: &[&Image],
) -> Result<HashMap<ImageId, DeprecationNote>, Error> {
    let mut found = HashMap::new();
    for image in images.iter().copied() {
        if let Some(n) = note(state, ctx, image).await? {
            found.insert(image.id.clone(), n);
        }
    }
    Ok(found)
}

/// The owner's Deprecate form, filled with the image's current deprecation.
#[derive(Debug, Clone)]
pub(crate) struct DeprecateForm {
    pub action: String,
    pub undo_action: String,
    pub deprecated: bool,
    /// The owner's other active images in the region, the current replacement selected.
    pub replacements: Vec<RegionOption>,
    pub message: String,
    pub obsolete_on: String,
    /// The earliest date the form takes (tomorrow).
    pub earliest: String,
}

impl DeprecateForm {
    /// The form for `image`, offering `own` (the owner's images in its region) as replacements.
    pub(crate) fn new(image: &Image, own: &[Image], now: Timestamp) -> DeprecateForm {
        let current = Deprecation::of(image);
        let chosen = current.as_ref().and_then(|d| d.replacement.clone());
        let replacements = own
            .iter()
            .filter(|i| i.id != image.id && i.status == ImageStatus::Active)
            .map(|i| RegionOption {
                value: i.id.to_string(),
                label: label(i),
                selected: chosen.as_ref() == Some(&i.id),
            })
            .collect();
        let detail = format!("/images/{}/{}", image.region, image.id);
        DeprecateForm {
            action: format!("{detail}/deprecate"),
            undo_action: format!("{detail}/undeprecate"),
            deprecated: current.is_some(),
            replacements,
            message: current
                .as_ref()
                .and_then(|d| d.message.clone())
                .unwrap_or_default(),
            obsolete_on: current
                .and_then(|d| d.obsolete_at)
                .map(format::day)
                .unwrap_or_default(),
            earliest: format::day(now.plus_seconds(86_400)),
        }
    }
}

/// The Deprecate form as posted.
#[derive(Debug, Deserialize)]
pub(crate) struct DeprecateFields {
    #[serde(default)]
    replacement: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    obsolete_on: String,
}

impl DeprecateFields {
    /// The deprecation the form asks for; a clear refusal for a value that does not read.
    fn parse(&self, region: &str) -> Result<Deprecation, Error> {
        let replacement = match self.replacement.trim() {
            "" => None,
            id => Some(ImageId::parse(id).map_err(|_| {
                Error::InvalidInput(format!(
                    "Choose the replacement among your images in {region}."
                ))
            })?),
        };
        let obsolete_at = match self.obsolete_on.trim() {
            "" => None,
            text => Some(deprecation::parse_time(text).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "Enter the date new servers stop as YYYY-MM-DD, for example 2027-01-15, not \"{text}\"."
                ))
            })?),
        };
        let message = Some(self.message.trim().to_owned()).filter(|m| !m.is_empty());
        Ok(Deprecation {
            replacement,
            message,
            obsolete_at,
        })
    }
}

/// `POST /images/{region}/{id}/deprecate`.
pub(crate) async fn deprecate_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    crate::paths::Typed(p, _): PanelImagePath,
    Form(form): Form<DeprecateFields>,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    let wanted = match form.parse(p.region.as_str()) {
        Ok(wanted) => wanted,
        Err(e) => return reply.failed(&e, &detail),
    };
    let done = state
        .images
        .deprecate(&session.ctx, &p.region, &p.image, wanted)
        .await;
    match done {
        Ok(image) => reply.done(
            &detail,
            Flash::ok(format!(
                "{} is deprecated. Its consumers were told; servers built from it keep running and can be rebuilt.",
                label(&image)
            )),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}

/// `POST /images/{region}/{id}/undeprecate`.
pub(crate) async fn undeprecate_image(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    crate::paths::Typed(p, _): PanelImagePath,
) -> Response {
    let detail = format!("/images/{}/{}", p.region, p.image);
    let done = state
        .images
        .undeprecate(&session.ctx, &p.region, &p.image)
        .await;
    match done {
        Ok(image) => reply.done(
            &detail,
            Flash::ok(format!(
                "{} is no longer deprecated; its consumers were told.",
                label(&image)
            )),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_core::RegionName;

    fn image(id: &str, name: &str, props: &[(&str, &str)]) -> Image {
        let mut image = Image::queued(
            ImageId::parse(id).unwrap(),
            RegionName::from_trusted("DFW".into()),
            Some("554433".into()),
            Timestamp::from_micros(0),
        );
        image.name = Some(name.into());
        image.status = ImageStatus::Active;
        for (k, v) in props {
            image.properties.insert((*k).into(), (*v).into());
        }
        image
    }

    const OLD: &str = "11111111-2222-3333-4444-555555555555";
    const NEW: &str = "11111111-2222-3333-4444-666666666666";

    #[test]
    fn the_notice_names_the_replacement_and_when_new_servers_stop() {
        let old = image(
            OLD,
            "web-v1",
            &[
                (deprecation::DEPRECATED, "true"),
                (deprecation::REPLACEMENT, NEW),
                (deprecation::OBSOLETE_AT, "2027-01-15"),
                (deprecation::MESSAGE, "v2 has the fixes"),
            ],
        );
        let new = image(NEW, "web-v2", &[]);
        let d = Deprecation::of(&old).unwrap();
        let before = deprecation::parse_time("2027-01-01").unwrap();
        let note = DeprecationNote::new(&old, &d, Some(&new), before);
        assert_eq!(
            note.text,
            "Deprecated: use web-v2; no new servers from 2027-01-15"
        );
        assert_eq!(note.message.as_deref(), Some("v2 has the fixes"));
        assert_eq!(
            note.replacement_url.as_deref(),
            Some(format!("/images/DFW/{NEW}").as_str())
        );
        assert!(!note.obsolete);
        let after = deprecation::parse_time("2027-02-01").unwrap();
        let late = DeprecationNote::new(&old, &d, None, after);
        assert_eq!(
            late.text,
            format!("Deprecated: use image {NEW}; no new servers since 2027-01-15")
        );
        assert!(late.obsolete && late.replacement_url.is_none());
    }

    #[test]
    fn without_a_replacement_it_only_says_deprecated() {
        let old = image(OLD, "web-v1", &[(deprecation::DEPRECATED, "true")]);
        let d = Deprecation::of(&old).unwrap();
        let note = DeprecationNote::new(&old, &d, None, Timestamp::from_micros(0));
        assert_eq!(note.text, "Deprecated");
    }

    #[test]
    fn the_form_offers_the_owners_other_active_images_and_reads_back() {
        let old = image(
            OLD,
            "web-v1",
            &[
                (deprecation::DEPRECATED, "true"),
                (deprecation::REPLACEMENT, NEW),
            ],
        );
        let new = image(NEW, "web-v2", &[]);
        let mut queued = image("11111111-2222-3333-4444-777777777777", "draft", &[]);
        queued.status = ImageStatus::Queued;
        let form = DeprecateForm::new(&old, &[old.clone(), new, queued], Timestamp::from_micros(0));
        let offered: Vec<_> = form
            .replacements
            .iter()
            .map(|o| (o.label.as_str(), o.selected))
            .collect();
        assert_eq!(offered, [("web-v2", true)]);
        assert!(form.deprecated);
        assert_eq!(form.earliest, "1970-01-02");

        let fields = |replacement: &str, obsolete_on: &str| DeprecateFields {
            replacement: replacement.into(),
            message: "  ".into(),
            obsolete_on: obsolete_on.into(),
        };
        let read = fields(NEW, "2027-01-15").parse("DFW").unwrap();
        assert_eq!(read.replacement.unwrap().as_str(), NEW);
        assert_eq!(read.message, None);
        assert_eq!(read.obsolete_at, deprecation::parse_time("2027-01-15"));
        assert!(matches!(
            fields("web-v2", "").parse("DFW"),
            Err(Error::InvalidInput(m)) if m.contains("among your images in DFW")
        ));
        assert!(matches!(
            fields("", "next week").parse("DFW"),
            Err(Error::InvalidInput(m)) if m.contains("YYYY-MM-DD")
        ));
    }
}
