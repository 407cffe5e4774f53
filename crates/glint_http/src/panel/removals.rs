//! Scheduled removal of a consumer, in Image Detail's Image Sharing table: the producer picks
//! the day the consumer's access ends ("Remove on DATE") or cancels it, through
//! `ImageService::schedule_removal` / `cancel_removal`, which tell both parties. The consumer
//! reads the date on Image Detail and in its lists.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use glint_core::image::deprecation::parse_time;
use glint_core::{Error, Timestamp};
use serde::Deserialize;

use super::format;
use super::reply::{Flash, PanelError, Reply};
use super::session::Session;
use crate::paths::{ImageItemPath, Typed};
use crate::router::AppState;

/// The Remove on DATE form.
#[derive(Debug, Deserialize)]
pub(crate) struct RemovalForm {
    #[serde(default)]
    date: String,
}

/// The day a form names, as its midnight UTC; a clear refusal when there is none.
fn removal_day(raw: &str) -> Result<Timestamp, Error> {
    match raw.trim() {
        "" => Err(Error::InvalidInput(
            "Choose the day the consumer's access ends.".into(),
        )),
        text => parse_time(text).ok_or_else(|| {
            Error::InvalidInput(format!(
                "Enter the day the consumer's access ends as YYYY-MM-DD, for example 2027-01-15, not \"{text}\"."
            ))
        }),
    }
}

/// `POST /images/{region}/{id}/consumers/{account}/schedule-removal`.
pub(crate) async fn schedule_removal(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): Typed<ImageItemPath, PanelError>,
    Form(form): Form<RemovalForm>,
) -> Response {
    let detail = format!("/images/{}/{}", p.at.region, p.at.image);
    let at = match removal_day(&form.date) {
        Ok(at) => at,
        Err(e) => return reply.failed(&e, &detail),
    };
    let scheduled = state
        .images
        .schedule_removal(&session.ctx, &p.at.region, &p.at.image, &p.item, at)
        .await;
    match scheduled {
        Ok(at) => reply.done(
            &detail,
            Flash::ok(format!(
                "Account {}'s access to this image ends on {}. Both accounts were told; you can cancel it until then.",
                p.item,
                format::day_or_time(at)
            )),
        ),
        // The service's only refusal of a readable time: one that is not to come.
        Err(Error::InvalidInput(_)) => {
            let past = Error::InvalidInput(
                "Choose a day after today. To end the consumer's access now, use Remove.".into(),
            );
            reply.failed(&past, &detail)
        }
        Err(e) => reply.failed(&e, &detail),
    }
}

/// `POST /images/{region}/{id}/consumers/{account}/cancel-removal`.
pub(crate) async fn cancel_removal(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): Typed<ImageItemPath, PanelError>,
) -> Response {
    let detail = format!("/images/{}/{}", p.at.region, p.at.image);
    let cancelled = state
        .images
        .cancel_removal(&session.ctx, &p.at.region, &p.at.image, &p.item)
        .await;
    match cancelled {
        Ok(()) => reply.done(
            &detail,
            Flash::ok(format!(
                "The scheduled removal of account {} was cancelled; it keeps the image.",
                p.item
            )),
        ),
        Err(e) => reply.failed(&e, &detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_required_and_must_read() {
        assert_eq!(
            removal_day(" 2027-01-15 ").ok(),
            parse_time("2027-01-15T00:00:00Z")
        );
        for (raw, says) in [("", "Choose the day"), ("15/01/2027", "YYYY-MM-DD")] {
            assert!(
                matches!(removal_day(raw), Err(Error::InvalidInput(m)) if m.contains(says)),
                "{raw}"
            );
        }
    }
}
