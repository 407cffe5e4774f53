//! The sharing matrix: for the owner, a member in each status, a stranger and the admin, the
//! status code of every member and image call on a shared image, and whether the image is in
//! their default and `member_status=all` lists.

use glint_core::Role;
use serde_json::json;

use crate::app::TestApp;

/// The calls of a row, in the order they are made.
const CALLS: [&str; 7] = [
    "image show",
    "image download",
    "member list",
    "member show",
    "member update",
    "member create",
    "member delete",
];

/// One row of the matrix: who calls, the status each of `CALLS` must answer, and whether the
/// image is in the caller's default and `member_status=all` lists.
struct Row {
    who: &'static str,
    codes: [u16; 7],
    in_default_list: bool,
    in_all_list: bool,
}

const fn row(who: &'static str, codes: [u16; 7], in_default_list: bool, in_all_list: bool) -> Row {
    Row {
        who,
        codes,
        in_default_list,
        in_all_list,
    }
}

#[rustfmt::skip]
const ROWS: [Row; 6] = [
    //   who          show download list show update create delete  default all
    row("owner",     [200, 200,     200, 200, 403,   200,   204],   true,   true),
    row("pending",   [200, 200,     200, 200, 200,   403,   403],   false,  true),
    row("accepted",  [200, 200,     200, 200, 200,   403,   403],   true,   true),
    row("rejected",  [200, 200,     200, 200, 200,   403,   403],   false,  true),
    row("stranger",  [404, 404,     404, 404, 404,   404,   404],   false,  false),
    row("admin",     [200, 200,     200, 200, 200,   200,   204],   true,   true),
];

/// The account number each caller acts on when it names a member row: its own for members,
/// the pending member's for the others.
fn target(who: &str) -> &'static str {
    match who {
        "pending" => "2001",
        "accepted" => "2002",
        "rejected" => "2003",
        "stranger" => "2004",
        _ => "2001",
    }
}

#[tokio::test]
async fn every_cell_of_the_sharing_matrix() {
    let mut failures = Vec::new();
    for row in &ROWS {
        let app = TestApp::new().await;
        app.account("owner", "1000", &["DFW"]).await;
        let owner = app.actor("owner", "owner", Role::Member).await;
        let mut consumers = Vec::new();
        for (name, number) in [
            ("pending", "2001"),
            ("accepted", "2002"),
            ("rejected", "2003"),
            ("stranger", "2004"),
        ] {
            app.account(name, number, &["DFW"]).await;
            consumers.push(app.actor(name, name, Role::Manager).await);
        }
        let image = owner.upload_with(json!({}), vec![1, 2, 3]).await;
        let [pending, accepted, rejected, stranger] = &consumers[..] else {
            unreachable!("four consumers")
        };
        for consumer in [pending, accepted, rejected] {
            owner.share(&image, consumer).await;
        }
        accepted.accept(&image).await;
        rejected.reject(&image).await;
        let admin;
        let caller = match row.who {
            "owner" => &owner,
            "pending" => pending,
            "accepted" => accepted,
            "rejected" => rejected,
            "stranger" => stranger,
            _ => {
                admin = app.cloud_admin().await;
                &admin
            }
        };
        let member = target(row.who);
        // Reads first, so the list columns see the statuses set up above.
        let in_default = caller.ids("").await.contains(&image.id);
        let in_all = caller.ids("?member_status=all").await.contains(&image.id);
        let answers = [
            caller.show(&image).await.status,
            caller.download(&image).await.0,
            caller.members(&image).await.status,
            caller.member(&image, member).await.status,
            caller.answer_for(&image, member, "accepted").await.status,
            caller.add_member(&image, "3000").await.status,
            caller.remove_member(&image, member).await.status,
        ];
        for ((op, got), want) in CALLS.iter().zip(answers).zip(row.codes) {
            if got.as_u16() != want {
                failures.push(format!("{} × {op}: got {got}, want {want}", row.who));
            }
        }
        if in_default != row.in_default_list {
            failures.push(format!(
                "{} × default list: listed={in_default}, want {}",
                row.who, row.in_default_list
            ));
        }
        if in_all != row.in_all_list {
            failures.push(format!(
                "{} × member_status=all list: listed={in_all}, want {}",
                row.who, row.in_all_list
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "matrix cells that differ:\n{}",
        failures.join("\n")
    );
}
