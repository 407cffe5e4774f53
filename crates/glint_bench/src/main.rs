//! `glint-bench`: Glint against the reference Image service side by side (creates, lists,
//! sharing, a large image up and down, every non-2xx answer), and Glint's lists at scale on
//! SQLite and PostgreSQL. Prints progress as it goes, then Markdown tables; writes them to
//! `results.md` and the scale run's chart to `scale.svg` in the output folder.

mod api;
mod auth;
mod compare;
mod dataset;
mod floor;
mod load;
mod ops;
mod procs;
mod report;
mod scale;
mod transfer;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use crate::compare::{Paths, Plan};
use crate::scale::{Engine, ScalePlan, ScaleResult};

/// Benchmarks Glint against the reference Image service, and Glint's lists at scale.
#[derive(Debug, Parser)]
#[command(name = "glint-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Small workloads for a smoke test (under two minutes); the figures mean little.
    #[arg(long, global = true)]
    quick: bool,
    /// The glint binary to run (default: `glint` next to this program; build it with --release).
    #[arg(long, global = true)]
    glint: Option<PathBuf>,
    /// Folder for the servers' data and the results (default: target/bench in the repository).
    #[arg(long, global = true)]
    work_dir: Option<PathBuf>,
    /// The folder of the reference's setup, start, stop and reset scripts (default:
    /// scripts/reference-glance in the repository).
    #[arg(long, global = true)]
    reference_tools: Option<PathBuf>,
    /// Where the reference is installed (default: target/reference-glance in the repository).
    #[arg(long, global = true)]
    reference_dir: Option<PathBuf>,
    /// PostgreSQL URL of a database on a server where this run may create databases (the
    /// test command's cluster exports it); without it the scale run is SQLite only.
    #[arg(long, global = true, env = "GLINT_TEST_DATABASE_URL")]
    postgres_url: Option<String>,
    /// Images in the store at each stage of the scale run (default 10000,100000,1000000).
    #[arg(long, global = true, value_delimiter = ',')]
    sizes: Option<Vec<usize>>,
    /// The scale run's engines (default sqlite,postgres; PostgreSQL needs --postgres-url).
    #[arg(
        long,
        global = true,
        value_delimiter = ',',
        default_value = "sqlite,postgres"
    )]
    engines: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Everything: the side-by-side run, then the scale run.
    All,
    /// The side-by-side run only.
    Compare,
    /// The scale run only.
    Scale,
}

fn repository() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    here.canonicalize().unwrap_or(here)
}

fn glint_bin(given: Option<PathBuf>) -> Result<PathBuf> {
    let bin = match given {
        Some(path) => path,
        None => std::env::current_exe()?
            .parent()
            .context("this program's folder")?
            .join("glint"),
    };
    if !bin.exists() {
        bail!(
            "{} is missing: build it with `cargo build --release -p glint -p glint_bench`",
            bin.display()
        );
    }
    if bin.components().any(|c| c.as_os_str() == "debug") {
        println!(
            "note: {} looks like a debug build; figures need --release",
            bin.display()
        );
    }
    Ok(bin)
}

/// The machine and its load, for the record.
fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(0.0, |k| k / 1024.0 / 1024.0);
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{now} UTC; {cores} cores ({model}), {memory:.0} GiB; Linux {}; load average {}",
        read("/proc/sys/kernel/osrelease").trim(),
        loadavg()
    )
}

fn loadavg() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let parts: Vec<&str> = text.split_whitespace().take(3).collect();
    parts.join(" ")
}

fn engines(url: Option<&str>) -> Vec<Engine> {
    let mut out = vec![Engine::Sqlite];
    match url {
        Some(url) if url.starts_with("postgres") => out.push(Engine::Postgres {
            admin_url: url.to_owned(),
        }),
        _ => {
            println!("note: no PostgreSQL URL (GLINT_TEST_DATABASE_URL): scale run on SQLite only")
        }
    }
    out
}

/// Runs what the command asks for, writes `results.md` and returns its text.
async fn run(cli: Cli) -> Result<String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let repo = repository();
    let work = cli
        .work_dir
        .clone()
        .unwrap_or_else(|| repo.join("target/bench"));
    std::fs::create_dir_all(&work)?;
    let glint_bin = glint_bin(cli.glint.clone())?;
    let started = Instant::now();
    let mut md = format!(
        "# glint-bench {}results\n\nMachine at the start: {}\n\n",
        if cli.quick { "(quick) " } else { "" },
        machine()
    );
    println!(
        "glint-bench{}: {}",
        if cli.quick { " --quick" } else { "" },
        machine()
    );
    // Glint must answer every request of every load; the run fails (after writing its
    // results) when it does not, so that the smoke test catches a break.
    let mut glint_errors = 0;
    if matches!(cli.command, Command::All | Command::Compare) {
        glint_errors = run_compare(&cli, &repo, &glint_bin, &work, &mut md).await?;
    }
    if matches!(cli.command, Command::All | Command::Scale) {
        run_scale(&cli, &glint_bin, &work, &mut md).await?;
    }
    let _ = writeln!(
        md,
        "\nFinished in {:.0} s; load average at the end {}.",
        started.elapsed().as_secs_f64(),
        loadavg()
    );
    let out = work.join("results.md");
    std::fs::write(&out, &md)?;
    println!(
        "\nglint-bench finished in {:.0} s (load average now {}); results in {}",
        started.elapsed().as_secs_f64(),
        loadavg(),
        out.display()
    );
    if glint_errors > 0 {
        bail!("Glint answered {glint_errors} request(s) with an error or failed them");
    }
    Ok(md)
}

/// The side-by-side run: prints its tables and adds them to `md`; returns how many of Glint's
/// requests failed.
async fn run_compare(
    cli: &Cli,
    repo: &Path,
    glint_bin: &Path,
    work: &Path,
    md: &mut String,
) -> Result<u64> {
    let paths = Paths {
        glint_bin: glint_bin.to_path_buf(),
        work: work.to_path_buf(),
        reference_tools: cli
            .reference_tools
            .clone()
            .unwrap_or_else(|| repo.join("scripts/reference-glance")),
        reference_dir: cli
            .reference_dir
            .clone()
            .unwrap_or_else(|| repo.join("target/reference-glance")),
    };
    let plan = if cli.quick {
        Plan::quick()
    } else {
        Plan::full()
    };
    let cmp = compare::run(&paths, plan).await?;
    let text = report::comparison(&cmp);
    println!("\n{text}");
    let _ = write!(md, "## Glint and the reference, side by side\n\n{text}\n");
    Ok(cmp.total_errors[0])
}

/// The scale run: prints its table, adds it with its notes and plans to `md`, and draws the
/// chart into `scale.svg`.
async fn run_scale(cli: &Cli, glint_bin: &Path, work: &Path, md: &mut String) -> Result<()> {
    let plan = ScalePlan {
        stages: cli.sizes.clone().unwrap_or_else(|| {
            if cli.quick {
                vec![10_000, 20_000]
            } else {
                vec![10_000, 100_000, 1_000_000]
            }
        }),
        members: if cli.quick { 10_000 } else { 100_000 },
        requests: if cli.quick { 50 } else { 1_000 },
    };
    let result = scale::run(
        glint_bin,
        work,
        &plan,
        &engines(cli.postgres_url.as_deref()),
    )
    .await?;
    let text = report::scale(&result.rows);
    println!("\n{text}");
    let _ = write!(md, "## Glint's lists at scale\n\n{text}\n");
    for note in &result.notes {
        let _ = writeln!(md, "- {note}");
    }
    let chart = work.join("scale.svg");
    report::chart(&result.rows, &chart)?;
    println!("chart: {}", chart.display());
    write_plans(&result, md);
    Ok(())
}

/// The scale run's query plans at the largest stage, and whether any scans a whole table.
fn write_plans(result: &ScaleResult, md: &mut String) {
    let _ = writeln!(md, "\n### Plans (EXPLAIN) at the largest stage\n");
    for (engine, name, lines) in &result.plans {
        let _ = writeln!(md, "{engine}, {name}:\n\n```\n{}\n```\n", lines.join("\n"));
    }
    if result.full_scans.is_empty() {
        println!("every list plan is index-backed (no full scan of images or members)");
        let _ = writeln!(md, "Every list plan is index-backed (no full scan).");
    } else {
        for scan in &result.full_scans {
            let _ = writeln!(md, "- FULL SCAN: {scan}");
        }
        println!(
            "{} list plan(s) with a full scan (see above)",
            result.full_scans.len()
        );
    }
}

/// One thread drives every client: on a machine shared with the servers, a client spread over
/// several threads spends the servers' cores on its own hand-offs between threads (about 15 %
/// of a request's time at one client against a fast server), and the loads are sequential
/// requests or a few concurrent ones, which one thread sends easily.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("glint-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
