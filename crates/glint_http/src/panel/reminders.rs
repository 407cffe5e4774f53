//! Send reminder, on a pending row of Image Detail's Image Sharing table: the producer reminds
//! the consumer through `ImageService::remind_member`, which keeps the courtesy rules (its
//! refusal, with the time of the next allowed reminder, is the flash). The words of the rules
//! for the table's note are here too.

use axum::extract::State;
use axum::response::Response;
use glint_core::event::{ReminderAllowance, ReminderRules};

use super::format;
use super::reply::{Flash, PanelError, Reply};
use super::session::Session;
use crate::paths::{ImageItemPath, Typed};
use crate::router::AppState;

/// `POST /images/{region}/{id}/consumers/{account}/remind`.
pub(crate) async fn remind_consumer(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Typed(p, _): Typed<ImageItemPath, PanelError>,
) -> Response {
    let detail = format!("/images/{}/{}", p.at.region, p.at.image);
    let sent = state
        .images
        .remind_member(&session.ctx, &p.at.region, &p.at.image, &p.item)
        .await;
    match sent {
        Ok(reminder) => reply.done(&detail, Flash::ok(sent_text(&p.item, &reminder.allowance))),
        Err(e) => reply.failed(&e, &detail),
    }
}

/// The confirmation: which reminder this was, and when the next may go.
fn sent_text(account: &str, allowance: &ReminderAllowance) -> String {
    let of = allowance.number + allowance.left;
    let next = match allowance.next_at {
        Some(at) => format!("the next may be sent on {}.", format::time(at)),
        None => "that was the last one for this share.".to_owned(),
    };
    format!(
        "Reminder {} of {of} sent to account {account}; {next}",
        allowance.number
    )
}

/// The courtesy rules in words: `at most one every 7 days and 3 per share`.
pub(crate) fn rules_text(rules: &ReminderRules) -> String {
    let every = match rules.every_secs {
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3_600 == 0 => plural(s / 3_600, "hour"),
        s => plural(s, "second"),
    };
    format!("at most one every {every} and {} per share", rules.limit)
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        unit.to_owned()
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glint_core::Timestamp;

    #[test]
    fn the_confirmation_names_the_count_and_the_next_time() {
        let next = Timestamp::from_micros(1_767_268_800_000_000);
        let first = ReminderAllowance {
            number: 1,
            left: 2,
            next_at: Some(next),
        };
        assert_eq!(
            sent_text("778899", &first),
            "Reminder 1 of 3 sent to account 778899; the next may be sent on 2026-01-01 12:00 UTC."
        );
        let last = ReminderAllowance {
            number: 3,
            left: 0,
            next_at: None,
        };
        assert_eq!(
            sent_text("778899", &last),
            "Reminder 3 of 3 sent to account 778899; that was the last one for this share."
        );
    }

    #[test]
    fn the_rules_read_in_days_hours_or_seconds() {
        let rules = |every_secs, limit| ReminderRules { every_secs, limit };
        assert_eq!(
            rules_text(&ReminderRules::default()),
            "at most one every 7 days and 3 per share"
        );
        assert_eq!(
            rules_text(&rules(86_400, 2)),
            "at most one every day and 2 per share"
        );
        assert_eq!(
            rules_text(&rules(7_200, 5)),
            "at most one every 2 hours and 5 per share"
        );
        assert_eq!(
            rules_text(&rules(90, 1)),
            "at most one every 90 seconds and 1 per share"
        );
    }
}
