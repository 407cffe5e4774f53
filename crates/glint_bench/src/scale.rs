//! The scale run, Glint alone: fill the metadata store in stages (through `glint_db::bulk`, not
//! HTTP), and at each stage time an owner's and a consumer's first list page through HTTP and
//! at the store, and read the engine's plan for every kind of list, flagging full scans.

mod plans;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use glint_db::{Db, bulk};
use sqlx::{Connection, Executor};

use crate::api::{self, Caller};
use crate::dataset::{self, CONSUMER, OWNER};
use crate::floor;
use crate::load::{self, Bounds};
use crate::procs::{Glint, GlintSetup};

/// Which metadata stores to measure.
#[derive(Debug, Clone)]
pub enum Engine {
    Sqlite,
    /// A PostgreSQL server: an admin URL (to create the database) and the URL to derive from.
    Postgres {
        admin_url: String,
    },
}

impl Engine {
    fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres { .. } => "PostgreSQL",
        }
    }
}

/// How big the run is.
#[derive(Debug, Clone)]
pub struct ScalePlan {
    /// Images in the store at each stage, increasing.
    pub stages: Vec<usize>,
    /// Shares in the store (loaded with the first stage).
    pub members: usize,
    /// Requests per caller per stage.
    pub requests: usize,
}

/// One measured list.
#[derive(Debug, Clone)]
pub struct ScaleRow {
    pub engine: &'static str,
    pub images: usize,
    pub members: usize,
    pub who: &'static str,
    pub http_p50: f64,
    pub http_p99: f64,
    pub store_p50: f64,
    pub store_p99: f64,
}

/// Everything the run measured.
#[derive(Debug, Default)]
pub struct ScaleResult {
    pub rows: Vec<ScaleRow>,
    /// The plans at the largest stage of each engine: (engine, list, plan lines).
    pub plans: Vec<(&'static str, String, Vec<String>)>,
    /// Plans with a full scan of a table, at any stage.
    pub full_scans: Vec<String>,
    /// How fast the store filled.
    pub notes: Vec<String>,
}

const PASSWORD: &str = "bench-password-1";
const CHUNK: usize = 10_000;

/// Runs the stages on each engine; `work` holds the SQLite stores and Glint's folders.
pub async fn run(
    glint_bin: &Path,
    work: &Path,
    plan: &ScalePlan,
    engines: &[Engine],
) -> Result<ScaleResult> {
    let mut result = ScaleResult::default();
    for engine in engines {
        println!("== scale run on {}", engine.name());
        one_engine(glint_bin, work, plan, engine, &mut result).await?;
    }
    Ok(result)
}

async fn fresh_database(engine: &Engine, work: &Path) -> Result<String> {
    match engine {
        Engine::Sqlite => {
            let dir = work.join("scale-sqlite-db");
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            std::fs::create_dir_all(&dir)?;
            Ok(format!(
                "sqlite://{}?mode=rwc",
                dir.join("glint.db").display()
            ))
        }
        Engine::Postgres { admin_url } => {
            sqlx::any::install_default_drivers();
            let mut admin = sqlx::AnyConnection::connect(admin_url)
                .await
                .context("connecting to PostgreSQL")?;
            admin
                .execute("DROP DATABASE IF EXISTS glint_bench_scale")
                .await?;
            admin.execute("CREATE DATABASE glint_bench_scale").await?;
            admin.close().await?;
            let (base, _) = admin_url
                .rsplit_once('/')
                .context("a database URL ends in /NAME")?;
            Ok(format!("{base}/glint_bench_scale"))
        }
    }
}

async fn drop_database(engine: &Engine) -> Result<()> {
    if let Engine::Postgres { admin_url } = engine {
        let mut admin = sqlx::AnyConnection::connect(admin_url).await?;
        admin
            .execute("DROP DATABASE IF EXISTS glint_bench_scale")
            .await?;
        admin.close().await?;
    }
    Ok(())
}

async fn one_engine(
    glint_bin: &Path,
    work: &Path,
    plan: &ScalePlan,
    engine: &Engine,
    result: &mut ScaleResult,
) -> Result<()> {
    let url = fresh_database(engine, work).await?;
    let data_dir = work.join(format!("scale-{}", engine.name().to_lowercase()));
    if data_dir.exists() {
        std::fs::remove_dir_all(&data_dir)?;
    }
    let setup = GlintSetup {
        bin: glint_bin.to_owned(),
        data_dir,
        database_url: Some(url.clone()),
    };
    setup.account("scale-owner", OWNER, PASSWORD).await?;
    setup.account("scale-consumer", CONSUMER, PASSWORD).await?;
    let db = Db::connect(&url).await?;
    let glint = Glint::start(&setup).await?;
    println!(
        "  Glint serving on {} over {}",
        glint.url,
        glint_db::redact(&url)
    );
    let outcome = stages(&glint, &db, plan, engine, result).await;
    db.close().await;
    let stopped = glint.stop().await;
    outcome?;
    stopped?;
    drop_database(engine).await
}

/// Fills the store stage by stage (the shares with the first stage) and measures each stage:
/// both callers' lists, the store's round trips, and the plans of every kind of list.
async fn stages(
    glint: &Glint,
    db: &Db,
    plan: &ScalePlan,
    engine: &Engine,
    result: &mut ScaleResult,
) -> Result<()> {
    let client = api::client()?;
    let owner = sign_in(&client, glint, "scale-owner").await?;
    let consumer = sign_in(&client, glint, "scale-consumer").await?;
    let first = *plan.stages.first().context("no stages")?;
    let mut loaded = 0;
    for (n, &size) in plan.stages.iter().enumerate() {
        loaded = load_images(db, engine, loaded, size, first, result).await?;
        if n == 0 {
            load_members(db, engine, first, plan.members, result).await?;
        }
        let took = bulk::refresh_statistics(db).await?;
        if engine_is_pg(engine) {
            println!("    … statistics refreshed in {:.1} s", took.as_secs_f64());
        }
        println!("  -- {} images, {} members", size, plan.members);
        for who in [("owner", &owner, OWNER), ("consumer", &consumer, CONSUMER)] {
            let row = measure_list(db, engine, plan, size, who).await?;
            result.rows.push(row);
        }
        result
            .notes
            .push(floor::probe(db, engine.name(), size, plan.requests).await?);
        let last = n + 1 == plan.stages.len();
        plans::check_plans(db, engine.name(), size, last, result).await?;
    }
    Ok(())
}

/// A caller signed in to `glint` as `account`, sending through `client`.
async fn sign_in(client: &reqwest::Client, glint: &Glint, account: &str) -> Result<Caller> {
    let token = api::glint_token(client, &glint.url, account, PASSWORD).await?;
    Caller::glint(client, &glint.url, &token)
}

/// Loads images `loaded..size` (numbered for a store whose first stage is `first`) in chunks,
/// noting the rate; returns how many the store now holds.
async fn load_images(
    db: &Db,
    engine: &Engine,
    mut loaded: usize,
    size: usize,
    first: usize,
    result: &mut ScaleResult,
) -> Result<usize> {
    let started = Instant::now();
    let before = loaded;
    while loaded < size {
        let end = (loaded + CHUNK).min(size);
        let images: Vec<_> = (loaded..end).map(|n| dataset::image(n, first)).collect();
        bulk::insert_images(db, &images).await?;
        loaded = end;
        if loaded.is_multiple_of(100_000) || loaded == size {
            println!(
                "    … {loaded} images loaded ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let rate = (loaded - before) as f64 / started.elapsed().as_secs_f64().max(1e-9);
    result.notes.push(format!(
        "{}: {} images loaded at {:.0} rows/s",
        engine.name(),
        loaded - before,
        rate
    ));
    Ok(loaded)
}

/// Loads `count` shares of the first stage's images, noting the rate.
async fn load_members(
    db: &Db,
    engine: &Engine,
    first: usize,
    count: usize,
    result: &mut ScaleResult,
) -> Result<()> {
    let started = Instant::now();
    let members = dataset::members(first, count);
    for chunk in members.chunks(CHUNK) {
        bulk::insert_members(db, chunk).await?;
    }
    let rate = members.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
    println!("    … {} members loaded", members.len());
    result.notes.push(format!(
        "{}: {} members loaded at {:.0} rows/s",
        engine.name(),
        members.len(),
        rate
    ));
    Ok(())
}

/// One caller's first list page at this stage, after a warm-up: through HTTP, then at the
/// store for the same `account`. Fails when any HTTP list failed.
async fn measure_list(
    db: &Db,
    engine: &Engine,
    plan: &ScalePlan,
    size: usize,
    (who, caller, account): (&'static str, &Caller, &str),
) -> Result<ScaleRow> {
    let warm = Bounds {
        count: 20,
        clients: 1,
        deadline: Duration::from_secs(60),
    };
    let c = caller.clone();
    load::run(&format!("warm-up {who}"), warm, move |_| {
        let c = c.clone();
        async move { c.list("limit=100", false).await }
    })
    .await?;
    let bounds = Bounds {
        count: plan.requests,
        clients: 1,
        deadline: Duration::from_secs(120),
    };
    let c = caller.clone();
    let http = load::run(
        &format!("{} {size} images: list as the {who}", engine.name()),
        bounds,
        move |_| {
            let c = c.clone();
            async move { c.list("limit=100", false).await }
        },
    )
    .await?;
    if http.errors() > 0 {
        bail!("{who}'s list failed: {}", http.error_text());
    }
    let (p50, p99) = floor::list_timing(db, account, plan.requests).await?;
    println!("    store-level list as the {who}: p50 {p50:.2} ms, p99 {p99:.2} ms");
    Ok(ScaleRow {
        engine: engine.name(),
        images: size,
        members: plan.members,
        who,
        http_p50: http.ms(0.5),
        http_p99: http.ms(0.99),
        store_p50: p50,
        store_p99: p99,
    })
}

fn engine_is_pg(engine: &Engine) -> bool {
    matches!(engine, Engine::Postgres { .. })
}
