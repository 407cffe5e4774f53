//! Trust report jobs at the store: one node at a time, stale claims taken over, a node's own
//! claims released on restart, a new upload queueing the report again; SQLite and PostgreSQL.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests fail loudly by design"
)]

use glint_core::Timestamp;
use glint_core::image::ImageId;
use glint_db::Db;
use glint_db::trust_reports::{self, ReportState};

glint_testkit::on_both_engines!(
    a_report_is_claimed_by_one_node_and_written_once,
    a_stale_claim_is_taken_over_and_a_restart_releases_its_own,
    queueing_again_forgets_the_old_report,
);

/// A change the service makes now.
fn now() -> glint_db::events::Change<'static> {
    glint_db::events::Change::by_service(glint_core::Timestamp::now())
}

async fn image(db: &Db) -> ImageId {
    glint_testkit::stored::shared_image(db).await
}

fn long_ago() -> Timestamp {
    Timestamp::now().plus_seconds(-3600)
}

async fn a_report_is_claimed_by_one_node_and_written_once(db: &Db) {
    let id = image(db).await;
    assert_eq!(trust_reports::get(db, &id).await.unwrap(), None);
    trust_reports::queue(db, &id, "qcow2").await.unwrap();
    let stored = trust_reports::get(db, &id).await.unwrap().unwrap();
    assert_eq!((stored.state, stored.report), (ReportState::Pending, None));

    let job = trust_reports::claim_next(db, "node-a", long_ago())
        .await
        .unwrap()
        .expect("a pending report");
    assert_eq!(
        (
            job.image_id.clone(),
            job.detected_format.as_str(),
            job.attempts
        ),
        (id.clone(), "qcow2", 1)
    );
    assert_eq!(
        trust_reports::claim_next(db, "node-b", long_ago())
            .await
            .unwrap(),
        None,
        "a fresh claim is not taken over"
    );
    assert!(
        !trust_reports::finish(db, &id, "node-b", "{}", 0, &now())
            .await
            .unwrap(),
        "not node b's"
    );
    assert!(
        trust_reports::finish(db, &id, "node-a", r#"{"ok":true}"#, 0, &now())
            .await
            .unwrap()
    );
    let stored = trust_reports::get(db, &id).await.unwrap().unwrap();
    assert_eq!(stored.state, ReportState::Done);
    assert_eq!(stored.report.as_deref(), Some(r#"{"ok":true}"#));
    assert!(stored.finished_at.is_some());
    assert!(
        !trust_reports::finish(db, &id, "node-a", "{}", 0, &now())
            .await
            .unwrap(),
        "written once"
    );
    assert_eq!(
        trust_reports::claim_next(db, "node-a", long_ago())
            .await
            .unwrap(),
        None
    );
}

async fn a_stale_claim_is_taken_over_and_a_restart_releases_its_own(db: &Db) {
    let (first, second) = (image(db).await, image(db).await);
    trust_reports::queue(db, &first, "raw").await.unwrap();
    trust_reports::queue(db, &second, "gpt").await.unwrap();
    let a = trust_reports::claim_next(db, "node-a", long_ago())
        .await
        .unwrap()
        .unwrap();
    let b = trust_reports::claim_next(db, "node-b", long_ago())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(a.image_id, b.image_id);
    assert_eq!(
        trust_reports::count(db, ReportState::Running)
            .await
            .unwrap(),
        2
    );

    // Node a went quiet: once its claim is older than the cut-off, node c takes it.
    let future = Timestamp::now().plus_seconds(1);
    let taken = trust_reports::claim_next(db, "node-c", future)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.attempts, 2);
    assert!(
        !trust_reports::finish(db, &taken.image_id, "node-a", "{}", 0, &now())
            .await
            .unwrap()
    );

    // Node b restarts: its claim goes back to pending, and nobody else's does.
    assert_eq!(trust_reports::release_node(db, "node-b").await.unwrap(), 1);
    let stored = trust_reports::get(db, &b.image_id).await.unwrap().unwrap();
    assert_eq!(stored.state, ReportState::Pending);
    let again = trust_reports::claim_next(db, "node-b", long_ago())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.image_id, again.attempts), (b.image_id, 2));
}

async fn queueing_again_forgets_the_old_report(db: &Db) {
    let id = image(db).await;
    trust_reports::queue(db, &id, "raw").await.unwrap();
    trust_reports::claim_next(db, "n", long_ago())
        .await
        .unwrap()
        .unwrap();
    assert!(
        trust_reports::finish(db, &id, "n", "{}", 0, &now())
            .await
            .unwrap()
    );
    trust_reports::queue(db, &id, "qcow2").await.unwrap();
    let stored = trust_reports::get(db, &id).await.unwrap().unwrap();
    assert_eq!(
        (
            stored.state,
            stored.detected_format.as_str(),
            stored.attempts,
            stored.report
        ),
        (ReportState::Pending, "qcow2", 0, None)
    );
    trust_reports::forget(db, &id).await.unwrap();
    assert_eq!(trust_reports::get(db, &id).await.unwrap(), None);
}
