//! Sharing under concurrent clients, on SQLite and PostgreSQL: no 5xx, never two rows for one
//! (image, member), and no lost update: when each pair is driven by one client at a time, its
//! final status is that client's last successful call.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use glint_core::Role;
use serde_json::json;

use crate::app::TestApp;

const CLIENTS: usize = 32;
const IMAGES: usize = 4;
const CONSUMERS: usize = 8;

/// A tiny deterministic generator, so a failure can be replayed.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

struct World {
    app: TestApp,
    producer: String,
    consumers: Vec<String>,
    images: Vec<String>,
}

/// A producer account 2000 (member `p`) and `consumers` accounts 3000, 3001, … (manager `m<n>`
/// each), all in DFW, with their tokens: the producer's and the consumers' in order. Images
/// created by the producer number `images`.
pub async fn producer_and_consumers(
    app: &TestApp,
    consumers: usize,
    images: usize,
) -> (String, Vec<String>, Vec<String>) {
    app.account("prod", "2000", &["DFW"]).await;
    let producer = app.actor("p", "prod", Role::Member).await;
    let mut tokens = Vec::new();
    for n in 0..consumers {
        app.account(&format!("c{n}"), &format!("{}", 3000 + n), &["DFW"])
            .await;
        app.user(&format!("m{n}"), &format!("c{n}"), Role::Manager)
            .await;
        tokens.push(app.token(&format!("m{n}"), &format!("c{n}")).await);
    }
    let mut ids = Vec::new();
    for _ in 0..images {
        ids.push(producer.create(json!({})).await.id);
    }
    (producer.token, tokens, ids)
}

async fn world(app: TestApp) -> Arc<World> {
    let (producer, consumers, images) = producer_and_consumers(&app, CONSUMERS, IMAGES).await;
    Arc::new(World {
        app,
        producer,
        consumers,
        images,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Absent,
    Pending,
    Accepted,
    Rejected,
}

/// One operation on a pair; returns the status code and, when it succeeded, the state it left.
async fn act(w: &World, image: usize, consumer: usize, op: usize) -> (StatusCode, Option<State>) {
    let members = format!("/image/DFW/v2/images/{}/members", w.images[image]);
    let member = format!("{}", 3000 + consumer);
    let (token, method, uri, body, state) = match op {
        0 => (
            &w.producer,
            Method::POST,
            members,
            Some(json!({"member": member})),
            State::Pending,
        ),
        1 => (
            &w.producer,
            Method::DELETE,
            format!("{members}/{member}"),
            None,
            State::Absent,
        ),
        2 => (
            &w.consumers[consumer],
            Method::PUT,
            format!("{members}/{member}"),
            Some(json!({"status": "accepted"})),
            State::Accepted,
        ),
        3 => (
            &w.consumers[consumer],
            Method::PUT,
            format!("{members}/{member}"),
            Some(json!({"status": "rejected"})),
            State::Rejected,
        ),
        _ => (
            &w.consumers[consumer],
            Method::PUT,
            format!("{members}/{member}"),
            Some(json!({"status": "pending"})),
            State::Pending,
        ),
    };
    let r = w.app.call(token, method, &uri, body).await;
    assert!(
        !r.status.is_server_error(),
        "5xx: {} {:?}",
        r.status,
        r.body
    );
    (r.status, r.status.is_success().then_some(state))
}

async fn final_states(w: &World) -> HashMap<(usize, usize), State> {
    let mut states = HashMap::new();
    for (i, id) in w.images.iter().enumerate() {
        let r = w
            .app
            .call(
                &w.producer,
                Method::GET,
                &format!("/image/DFW/v2/images/{id}/members"),
                None,
            )
            .await;
        let rows = r.body["members"].as_array().expect("members").clone();
        let mut seen = std::collections::HashSet::new();
        for row in rows {
            let member = row["member_id"].as_str().expect("member").to_owned();
            assert!(seen.insert(member.clone()), "two rows for ({id}, {member})");
            let c: usize = member.parse::<usize>().expect("number") - 3000;
            let state = match row["status"].as_str() {
                Some("pending") => State::Pending,
                Some("accepted") => State::Accepted,
                _ => State::Rejected,
            };
            states.insert((i, c), state);
        }
    }
    states
}

async fn run(app: TestApp) {
    let w = world(app).await;
    // Phase 1: every client hits random pairs at once.
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let w = Arc::clone(&w);
        tasks.push(tokio::spawn(async move {
            let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (client as u64 + 1));
            for _ in 0..12 {
                let (i, c, op) = (dice.roll(IMAGES), dice.roll(CONSUMERS), dice.roll(5));
                act(&w, i, c, op).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    final_states(&w).await;
    // Phase 2: each pair belongs to one client, which drives it; clients run at once.
    let pairs: Vec<(usize, usize)> = (0..IMAGES)
        .flat_map(|i| (0..CONSUMERS).map(move |c| (i, c)))
        .collect();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let w = Arc::clone(&w);
        let mine: Vec<(usize, usize)> = pairs
            .iter()
            .copied()
            .skip(client)
            .step_by(CLIENTS)
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut dice = Dice(0xD1B5_4A32_D192_ED03 ^ (client as u64 + 7));
            let mut expected = HashMap::new();
            for &(i, c) in &mine {
                for _ in 0..6 {
                    if let (_, Some(state)) = act(&w, i, c, dice.roll(5)).await {
                        expected.insert((i, c), state);
                    }
                }
            }
            expected
        }));
    }
    let mut expected = HashMap::new();
    for t in tasks {
        expected.extend(t.await.expect("client"));
    }
    let actual = final_states(&w).await;
    for (pair, state) in expected {
        let got = actual.get(&pair).copied().unwrap_or(State::Absent);
        assert_eq!(got, state, "pair {pair:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sharing_on_sqlite() {
    run(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sharing_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    run(app).await;
}
