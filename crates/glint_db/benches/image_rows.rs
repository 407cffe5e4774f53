//! Store-level timings of the two hot paths an image row takes: a list page of 100 images with
//! their tags and properties (`image_list::list`) and a create (`images::insert`), measured
//! alternately in one process (50 pages, then 50 creates, and again), on SQLite and, when
//! `GLINT_TEST_DATABASE_URL` names a server, on PostgreSQL: each operation's wall time, and
//! the CPU time the process's one thread spent on them. Run with
//! `cargo bench -p glint_db --bench image_rows` (optionally `-- ROUNDS`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use glint_core::image::query::parse_list_query;
use glint_core::image::{Image, ImageId, ImageStatus, Visibility};
use glint_core::{RegionName, Result, Timestamp};
use glint_db::image_list::{self, ListScope};
use glint_db::{Db, bulk, images, regions};
use glint_testkit::TestDb;

/// Images in the store before timing starts, a fifth of them the lister's own.
const LOADED: usize = 10_000;
/// The account whose first page is listed.
const LISTER: &str = "1000";
const WARM_UP: usize = 200;

/// A full image: every field set, three tags and three properties.
fn image(n: usize, owner: &str, visibility: Visibility) -> Image {
    let at = Timestamp::from_micros(1_700_000_000_000_000 + n as i64 * 1_000);
    Image {
        id: ImageId::random(&uuid::Uuid::new_v4().to_string()),
        region: RegionName::from_trusted("DFW".into()),
        name: Some(format!("image-{n}")),
        owner: Some(owner.to_owned()),
        status: ImageStatus::Active,
        visibility,
        protected: n.is_multiple_of(2),
        os_hidden: false,
        checksum: Some(format!("{n:032x}")),
        os_hash_algo: Some("sha512".into()),
        os_hash_value: Some(format!("{n:0128x}")),
        size: Some(1 << 20),
        virtual_size: Some(1 << 30),
        disk_format: Some("qcow2".into()),
        container_format: Some("bare".into()),
        min_ram: 512,
        min_disk: 10,
        created_at: at,
        updated_at: at,
        tags: BTreeSet::from(["a".into(), "b".into(), format!("t{}", n % 7)]),
        properties: BTreeMap::from([
            ("os_distro".into(), "ubuntu".into()),
            ("os_version".into(), "24.04".into()),
            ("hw_disk_bus".into(), "virtio".into()),
        ]),
        quarantined_at: None,
        quarantine_note: None,
        stores: Vec::new(),
    }
}

async fn load(db: &Db) -> Result<()> {
    regions::ensure(db, &RegionName::from_trusted("DFW".into())).await?;
    let all: Vec<Image> = (0..LOADED)
        .map(|n| match n % 5 {
            0 => image(n, LISTER, Visibility::Shared),
            1 => image(n, "2000", Visibility::Public),
            _ => image(n, &format!("{}", 3000 + n % 50), Visibility::Private),
        })
        .collect();
    bulk::insert_images(db, &all).await?;
    bulk::refresh_statistics(db).await?;
    Ok(())
}

/// p50 and p90 of `times`, in µs.
fn summary(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times[i].as_secs_f64() * 1e6
    };
    (at(0.5), at(0.9))
}

/// CPU time this thread has run so far, in ns (Linux's `schedstat`): unlike wall time, it
/// does not count the time the thread waits for a core, which on a shared machine is most of
/// the noise. The runtime has one thread, so it is all the client's work (and SQLite's).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Wall times of each operation and the CPU time of all of them.
#[derive(Default)]
struct Timings {
    wall: Vec<Duration>,
    cpu_ns: u64,
}

impl Timings {
    fn report(mut self) -> String {
        let n = self.wall.len();
        let (p50, p90) = summary(&mut self.wall);
        let cpu = self.cpu_ns as f64 / 1e3 / n as f64;
        format!("wall p50 {p50:.0} µs p90 {p90:.0} µs, CPU {cpu:.0} µs each")
    }
}

/// Operations per block: blocks of pages and blocks of creates alternate.
const BLOCK: usize = 50;

async fn measure(engine: &str, db: &Db, rounds: usize) -> Result<()> {
    load(db).await?;
    let region = RegionName::from_trusted("DFW".into());
    let scope = ListScope {
        region: &region,
        account: LISTER,
        is_admin: false,
    };
    let query = parse_list_query(Some("limit=100"), 25, 1000)?;
    let (mut lists, mut creates) = (Timings::default(), Timings::default());
    let mut created = 0;
    for block in 0..(WARM_UP + rounds).div_ceil(BLOCK) {
        let counted = block * BLOCK >= WARM_UP;
        let cpu = cpu_ns();
        for _ in 0..BLOCK {
            let started = Instant::now();
            let page = image_list::list(db, &scope, &query, None).await?;
            lists.wall.push(started.elapsed());
            assert_eq!(page.len(), 100, "a full first page");
        }
        lists.cpu_ns += cpu_ns().saturating_sub(cpu);
        let cpu = cpu_ns();
        for _ in 0..BLOCK {
            created += 1;
            let new = image(LOADED + created, LISTER, Visibility::Private);
            let started = Instant::now();
            images::insert(db, &new).await?;
            creates.wall.push(started.elapsed());
        }
        creates.cpu_ns += cpu_ns().saturating_sub(cpu);
        if !counted {
            (lists, creates) = (Timings::default(), Timings::default());
        }
    }
    let each = creates.wall.len();
    println!(
        "{engine}: list page of 100 {}; create {} ({each} of each)",
        lists.report(),
        creates.report()
    );
    Ok(())
}

fn main() -> Result<()> {
    let rounds = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| glint_core::Error::Internal(e.to_string()))?;
    runtime.block_on(async {
        let sqlite = TestDb::sqlite().await;
        measure("SQLite", &sqlite.db, rounds).await?;
        sqlite.finish().await;
        if let Some(postgres) = TestDb::postgres().await {
            measure("PostgreSQL", &postgres.db, rounds).await?;
            postgres.finish().await;
        }
        Ok(())
    })
}
