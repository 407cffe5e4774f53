//! The sharing matrix: for the owner, a member in each status, a stranger and the admin, the
//! status code of every member and image call on a shared image, and whether the image is in
//! their default and `member_status=all` lists.

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::json;

use crate::app::TestApp;
use crate::images::create;

const OCTET: (&str, &str) = ("content-type", "application/octet-stream");

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

async fn listed(app: &TestApp, token: &str, query: &str, id: &str) -> bool {
    let r = app
        .call(
            token,
            Method::GET,
            &format!("/image/DFW/v2/images{query}"),
            None,
        )
        .await;
    r.body["images"]
        .as_array()
        .expect("images")
        .iter()
        .any(|i| i["id"] == id)
}

#[tokio::test]
async fn every_cell_of_the_sharing_matrix() {
    let mut failures = Vec::new();
    for row in &ROWS {
        let app = TestApp::new().await;
        app.account("owner", "1000", &["DFW"]).await;
        app.user("owner", "owner", Role::Member).await;
        for (name, number) in [
            ("pending", "2001"),
            ("accepted", "2002"),
            ("rejected", "2003"),
            ("stranger", "2004"),
        ] {
            app.account(name, number, &["DFW"]).await;
            app.user(name, name, Role::Manager).await;
        }
        let owner = app.token("owner", "owner").await;
        let image = create(
            &app,
            &owner,
            json!({"disk_format": "raw", "container_format": "bare"}),
        )
        .await;
        let id = image["id"].as_str().expect("id").to_owned();
        let uri = format!("/image/DFW/v2/images/{id}");
        app.raw(
            &owner,
            Method::PUT,
            &format!("{uri}/file"),
            &[OCTET],
            vec![1, 2, 3],
        )
        .await;
        for (name, number, status) in [
            ("pending", "2001", None),
            ("accepted", "2002", Some("accepted")),
            ("rejected", "2003", Some("rejected")),
        ] {
            app.call(
                &owner,
                Method::POST,
                &format!("{uri}/members"),
                Some(json!({"member": number})),
            )
            .await;
            if let Some(status) = status {
                let t = app.token(name, name).await;
                app.call(
                    &t,
                    Method::PUT,
                    &format!("{uri}/members/{number}"),
                    Some(json!({"status": status})),
                )
                .await;
            }
        }
        let token = match row.who {
            "admin" => app.token("admin", "admin").await,
            who => app.token(who, who).await,
        };
        let member = target(row.who);
        // Reads first, so the list columns see the statuses set up above.
        let in_default = listed(&app, &token, "", &id).await;
        let in_all = listed(&app, &token, "?member_status=all", &id).await;
        let mut check = |op: &str, got: StatusCode, want: u16| {
            if got.as_u16() != want {
                failures.push(format!("{} × {op}: got {got}, want {want}", row.who));
            }
        };
        check(
            "image show",
            app.call(&token, Method::GET, &uri, None).await.status,
            row.image_show,
        );
        check(
            "image download",
            app.raw(&token, Method::GET, &format!("{uri}/file"), &[], vec![])
                .await
                .0,
            row.image_download,
        );
        check(
            "member list",
            app.call(&token, Method::GET, &format!("{uri}/members"), None)
                .await
                .status,
            row.member_list,
        );
        check(
            "member show",
            app.call(
                &token,
                Method::GET,
                &format!("{uri}/members/{member}"),
                None,
            )
            .await
            .status,
            row.member_show,
        );
        check(
            "member update",
            app.call(
                &token,
                Method::PUT,
                &format!("{uri}/members/{member}"),
                Some(json!({"status": "accepted"})),
            )
            .await
            .status,
            row.member_update,
        );
        check(
            "member create",
            app.call(
                &token,
                Method::POST,
                &format!("{uri}/members"),
                Some(json!({"member": "3000"})),
            )
            .await
            .status,
            row.member_create,
        );
        check(
            "member delete",
            app.call(
                &token,
                Method::DELETE,
                &format!("{uri}/members/{member}"),
                None,
            )
            .await
            .status,
            row.member_delete,
        );
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
