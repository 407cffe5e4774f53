//! The sharing matrix: for the owner, a member in each status, a stranger and the admin, the
//! status code of every member and image call on a shared image, and whether the image is in
//! their default and `member_status=all` lists.

use glint_core::Role;
use serde_json::json;

use crate::app::TestApp;

/// One row of the matrix: who calls, and what each call must answer.
struct Row {
    who: &'static str,
    member_create: u16,
    member_list: u16,
    member_show: u16,
    member_update: u16,
    member_delete: u16,
    image_show: u16,
    image_download: u16,
    in_default_list: bool,
    in_all_list: bool,
}

const ROWS: [Row; 6] = [
    Row {
        who: "owner",
        member_create: 200,
        member_list: 200,
        member_show: 200,
        member_update: 403,
        member_delete: 204,
        image_show: 200,
        image_download: 200,
        in_default_list: true,
        in_all_list: true,
    },
    Row {
        who: "pending",
        member_create: 403,
        member_list: 200,
        member_show: 200,
        member_update: 200,
        member_delete: 403,
        image_show: 200,
        image_download: 200,
        in_default_list: false,
        in_all_list: true,
    },
    Row {
        who: "accepted",
        member_create: 403,
        member_list: 200,
        member_show: 200,
        member_update: 200,
        member_delete: 403,
        image_show: 200,
        image_download: 200,
        in_default_list: true,
        in_all_list: true,
    },
    Row {
        who: "rejected",
        member_create: 403,
        member_list: 200,
        member_show: 200,
        member_update: 200,
        member_delete: 403,
        image_show: 200,
        image_download: 200,
        in_default_list: false,
        in_all_list: true,
    },
    Row {
        who: "stranger",
        member_create: 404,
        member_list: 404,
        member_show: 404,
        member_update: 404,
        member_delete: 404,
        image_show: 404,
        image_download: 404,
        in_default_list: false,
        in_all_list: false,
    },
    Row {
        who: "admin",
        member_create: 200,
        member_list: 200,
        member_show: 200,
        member_update: 200,
        member_delete: 204,
        image_show: 200,
        image_download: 200,
        in_default_list: true,
        in_all_list: true,
    },
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
            (
                "image show",
                caller.show(&image).await.status,
                row.image_show,
            ),
            (
                "image download",
                caller.download(&image).await.0,
                row.image_download,
            ),
            (
                "member list",
                caller.members(&image).await.status,
                row.member_list,
            ),
            (
                "member show",
                caller.member(&image, member).await.status,
                row.member_show,
            ),
            (
                "member update",
                caller.answer_for(&image, member, "accepted").await.status,
                row.member_update,
            ),
            (
                "member create",
                caller.add_member(&image, "3000").await.status,
                row.member_create,
            ),
            (
                "member delete",
                caller.remove_member(&image, member).await.status,
                row.member_delete,
            ),
        ];
        for (op, got, want) in answers {
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
