//! Send reminder in Image Detail's Image Sharing table: the confirmation with the next allowed
//! time, the refusal that names it, the consumer's notification, and no button (and a calm
//! word) for answered shares.

use serde_json::json;

use super::browser::Browser;
use super::notifications::{bell, flash_after, rows};
use super::sharing_world;

#[tokio::test]
async fn send_reminder_confirms_then_names_the_next_allowed_time() {
    let w = sharing_world().await;
    let detail = format!("/images/DFW/{}", w.image.id);
    let remind = format!("{detail}/consumers/112233/remind");
    let mut alice = Browser::of(&w.app, &w.alice).await;
    let page = alice.get(&detail).await;
    assert!(page.body.contains(&format!("action=\"{remind}\"")));
    assert!(
        page.body
            .contains("at most one every 7 days and 3 per share")
    );

    let sent = alice.post(&remind, &[], true).await;
    let flash = flash_after(&mut alice, &sent).await;
    assert!(
        flash.starts_with("Reminder 1 of 3 sent to account 112233; the next may be sent on "),
        "{flash}"
    );
    let again = alice.post(&remind, &[], true).await;
    let flash = flash_after(&mut alice, &again).await;
    assert!(flash.contains("the next may be sent at"), "{flash}");

    let mut ben = Browser::of(&w.app, &w.ben).await;
    let page = ben.get("/notifications").await;
    assert_eq!(bell(&page).as_deref(), Some("2"));
    assert_eq!(
        rows(&page)[0].text,
        "Account 554433 reminded you of tuned-web (DFW)"
    );
    assert_eq!(
        bell(&alice.get(&detail).await),
        None,
        "her own reminder is not news to alice"
    );
}

#[tokio::test]
async fn answered_shares_have_no_reminder_button_and_a_rejection_is_taken_calmly() {
    let w = sharing_world().await;
    let other = w
        .alice
        .create(json!({"name": "second", "disk_format": "raw", "container_format": "bare"}))
        .await;
    w.alice.share(&other, &w.ben).await;
    w.ben.reject(&w.image).await;
    w.ben.accept(&other).await;
    let mut alice = Browser::of(&w.app, &w.alice).await;
    for image in [&w.image, &other] {
        let page = alice.get(&format!("/images/DFW/{}", image.id)).await;
        assert!(!page.body.contains("data-testid=\"send-reminder\""));
        assert!(!page.body.contains("data-testid=\"reminder-rules\""));
    }
    let rejected = alice.get(&format!("/images/DFW/{}", w.image.id)).await;
    assert!(rejected.body.contains("don't take it personally"));
    let remind = format!("/images/DFW/{}/consumers/112233/remind", w.image.id);
    let refused = alice.post(&remind, &[], true).await;
    let flash = flash_after(&mut alice, &refused).await;
    assert!(
        flash.contains("rejected shares get no reminders"),
        "{flash}"
    );
}
