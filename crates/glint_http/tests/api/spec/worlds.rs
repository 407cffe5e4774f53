//! The accounts most specs start from, with their users signed in.

use glint_core::Role;

use super::actor::Actor;
use crate::app::TestApp;

/// Accounts acme (554433: alice member, rita reader; DFW and IAD) and beta (112233: bob
/// member; DFW).
pub async fn two_accounts() -> (TestApp, Actor, Actor, Actor) {
    let app = TestApp::new().await;
    app.account("acme", "554433", &["DFW", "IAD"]).await;
    app.account("beta", "112233", &["DFW"]).await;
    let alice = app.actor("alice", "acme", Role::Member).await;
    let rita = app.actor("rita", "acme", Role::Reader).await;
    let bob = app.actor("bob", "beta", Role::Member).await;
    (app, alice, rita, bob)
}

/// A producer account prod (1001) and a consumer account cons (1002), both in `regions`, with
/// one user each of the given roles: `(app, producer, consumer)`.
pub async fn producer_and_consumer(
    regions: &[&str],
    producer: Role,
    consumer: Role,
) -> (TestApp, Actor, Actor) {
    let app = TestApp::new().await;
    app.account("prod", "1001", regions).await;
    app.account("cons", "1002", regions).await;
    let p = app.actor("p", "prod", producer).await;
    let c = app.actor("c", "cons", consumer).await;
    (app, p, c)
}
