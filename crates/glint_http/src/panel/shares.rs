//! A consumer's answers to a share, through `ImageService::set_member_status` (which decides
//! who may answer): Accept and Reject from the pending-share dialog, and Remove Image from the
//! gear menu of Saved Images, which sets the share to rejected. After a rejection the panel
//! says how to get the image back: ask the producer to share it again. A manager's Accept
//! anyway (override) of a share the enforced sharing policy refuses goes through
//! `ImageService::accept_with_override`, with the reason typed in the dialog.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use glint_core::Error;
use glint_core::image::MemberStatus;
use serde::Deserialize;

use super::images::label;
use super::reply::{Flash, PanelError, Reply, local_path};
use super::session::Session;
use crate::paths::{ImageItemPath, Typed};
use crate::router::AppState;

/// What the consumer does with a share.
enum Decision {
    Accept,
    Reject,
    Remove,
    /// A manager accepts against the enforced policy's refusal.
    Override,
}

impl Decision {
    fn parse(raw: &str) -> Option<Decision> {
        match raw {
            "accept" => Some(Decision::Accept),
            "reject" => Some(Decision::Reject),
            "remove" => Some(Decision::Remove),
            "override" => Some(Decision::Override),
            _ => None,
        }
    }

    fn status(&self) -> MemberStatus {
        match self {
            Decision::Accept | Decision::Override => MemberStatus::Accepted,
            Decision::Reject | Decision::Remove => MemberStatus::Rejected,
        }
    }

    fn message(&self, name: &str, producer: &str) -> String {
        let reshare = format!(
            "If you want it later, ask the producer (account {producer}) to re-share it: they remove your account from the image and share it again, and a new notification appears here."
        );
        match self {
            Decision::Accept => format!(
                "You accepted {name}. It is now in Saved Images with Source \"Shared Image\", and on Create Server under Saved Images > Shared Images."
            ),
            Decision::Override => format!(
                "You accepted {name} against your sharing policy; the override is recorded in your account's notifications. It is now in Saved Images, and servers can be built from it."
            ),
            Decision::Reject => {
                format!("You rejected {name}; it will not appear in your image lists. {reshare}")
            }
            Decision::Remove => format!(
                "{name} was removed from your Saved Images (its share is now rejected). {reshare}"
            ),
        }
    }
}

/// The dialog's form: where to come back to, and an override's reason.
#[derive(Debug, Deserialize)]
pub(crate) struct DecisionForm {
    next: Option<String>,
    reason: Option<String>,
}

/// `POST /shares/{region}/{id}/{accept|reject|remove|override}`.
pub(crate) async fn decide(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): Typed<ImageItemPath, PanelError>,
    Form(form): Form<DecisionForm>,
) -> Response {
    let fallback = format!("/images?region={}", p.at.region);
    let back = local_path(form.next.as_deref(), &fallback);
    let Some(decision) = Decision::parse(&p.item) else {
        let unknown = Error::InvalidInput(format!("Unknown answer '{}'.", p.item));
        return reply.failed(&unknown, back);
    };
    let (region, id) = (&p.at.region, &p.at.image);
    let image = match state.images.get(&session.ctx, region, id).await {
        Ok(image) => image,
        Err(e) => return reply.failed(&e, back),
    };
    let me = session.ctx.account_id.as_str();
    let answered = match decision {
        Decision::Override => {
            state
                .images
                .accept_with_override(&session.ctx, region, id, me, form.reason)
                .await
        }
        _ => {
            state
                .images
                .set_member_status(&session.ctx, region, id, me, Ok(decision.status()))
                .await
        }
    };
    match answered {
        Ok(_) => {
            let producer = image.owner.clone().unwrap_or_default();
            reply.done(back, Flash::ok(decision.message(&label(&image), &producer)))
        }
        Err(e) => reply.failed(&e, back),
    }
}
