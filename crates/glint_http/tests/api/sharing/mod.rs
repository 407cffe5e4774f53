//! Sharing: the reference's members scenario with its list counts, the member API's codes and
//! quota, the roles of producer and consumer, the region rule, and list paging and filters.

mod lists;
mod member_api;
mod reference;
mod roles;

use glint_core::Role;
use serde_json::json;

use crate::app::TestApp;
use crate::spec::{Actor, Image};

/// The reference's world: accounts t1..t4 (numbers 1001..1004), each with a manager; t1, t2 and
/// t4 own one image of each visibility (the public ones created by the admin on their behalf);
/// t3 is the consumer. `shared` is t1's shared image.
struct World {
    /// The app the actors' requests go to.
    _app: TestApp,
    t1: Actor,
    t2: Actor,
    t3: Actor,
    admin: Actor,
    shared: Image,
}

async fn reference_world(app: TestApp) -> World {
    let mut managers = Vec::new();
    for n in 1..=4 {
        app.account(&format!("t{n}"), &format!("100{n}"), &["DFW"])
            .await;
        managers.push(
            app.actor(&format!("u{n}"), &format!("t{n}"), Role::Manager)
                .await,
        );
    }
    let admin = app.cloud_admin().await;
    let mut shared = None;
    for owner in [0, 1, 3] {
        for visibility in ["community", "private", "shared"] {
            let body = json!({"name": format!("{visibility}-{owner}"), "visibility": visibility});
            let image = managers[owner].create(body).await;
            if owner == 0 && visibility == "shared" {
                shared = Some(image);
            }
        }
        let number = &managers[owner].number;
        admin
            .create(json!({"visibility": "public", "owner": number}))
            .await;
    }
    let mut managers = managers.into_iter();
    let mut next = || managers.next().expect("manager");
    World {
        t1: next(),
        t2: next(),
        t3: next(),
        admin,
        shared: shared.expect("t1's shared image"),
        _app: app,
    }
}
