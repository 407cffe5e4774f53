//! The servers under test, as processes this program starts and stops: Glint (`glint serve` on
//! a free loopback port) and the reference (through its tools scripts), plus what `/proc` says
//! about their memory.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

/// A free TCP port on 127.0.0.1 (free when asked; the server binds it right after).
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Where a Glint keeps its data and metadata.
#[derive(Debug, Clone)]
pub struct GlintSetup {
    pub bin: PathBuf,
    pub data_dir: PathBuf,
    /// `None`: SQLite in the data folder.
    pub database_url: Option<String>,
}

impl GlintSetup {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.bin);
        command.arg("--data-dir").arg(&self.data_dir);
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        command.env("GLINT_ADMIN_PASSWORD", "bench-admin-password");
        command.kill_on_drop(true);
        command
    }

    /// Runs an admin command (`glint account create …`), with `stdin` as its input.
    pub async fn admin(&self, args: &[&str], stdin: Option<&str>) -> Result<String> {
        let mut command = self.command();
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", self.bin.display()))?;
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.unwrap_or("").as_bytes()).await?;
        }
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .map_err(|_| anyhow!("glint {} took over 60 s", args.join(" ")))??;
        if !out.status.success() {
            bail!(
                "glint {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Creates an account with this number in region DFW and a manager user of the same name.
    pub async fn account(&self, name: &str, number: &str, password: &str) -> Result<()> {
        self.admin(
            &[
                "account",
                "create",
                name,
                "--id",
                number,
                "--regions",
                "DFW",
            ],
            None,
        )
        .await?;
        self.admin(
            &[
                "user",
                "create",
                name,
                "--account",
                name,
                "--role",
                "manager",
            ],
            Some(&format!("{password}\n")),
        )
        .await?;
        Ok(())
    }
}

/// A running `glint serve`.
pub struct Glint {
    child: Child,
    pub url: String,
    pub pid: u32,
}

impl Glint {
    /// Starts `glint serve --listen 127.0.0.1:0` and waits (60 s at most) for its URL.
    pub async fn start(setup: &GlintSetup) -> Result<Glint> {
        std::fs::create_dir_all(&setup.data_dir)?;
        let log = std::fs::File::create(setup.data_dir.join("serve.log"))?;
        let mut command = setup.command();
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("GLINT_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        let mut child = command.spawn().context("starting glint serve")?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow!("glint serve exited at once"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("no stdout from glint serve"))?;
        let mut lines = BufReader::new(stdout).lines();
        let find_url = async {
            while let Some(line) = lines.next_line().await? {
                if let Some((_, url)) = line.split_once(" serving on ") {
                    return Ok(url.trim().to_owned());
                }
            }
            Err(anyhow!("glint serve stopped before it served"))
        };
        let url = tokio::time::timeout(Duration::from_secs(60), find_url)
            .await
            .map_err(|_| anyhow!("glint serve did not start within 60 s"))??;
        if !url.starts_with("http://127.0.0.1:") {
            bail!("glint serve listens on {url}, not on loopback");
        }
        // Keep reading its output so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Glint { child, url, pid })
    }

    /// Stops it (SIGTERM, then SIGKILL after 10 s).
    pub async fn stop(mut self) -> Result<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            self.child.kill().await?;
        }
        Ok(())
    }
}

/// The reference implementation, run through its tools scripts in its own folder.
pub struct Reference {
    tools: PathBuf,
    dir: PathBuf,
    pub url: String,
    pub pid: u32,
}

/// Runs one of the reference's scripts; its stdout is returned, its stderr (progress, and why
/// it failed) goes to ours. Spawned and waited for, not `output()`, which would capture stderr.
async fn script(tools: &Path, name: &str, args: &[String], limit: Duration) -> Result<String> {
    let path = tools.join(name);
    let child = Command::new(&path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("running {}", path.display()))?;
    let run = child.wait_with_output();
    let out = tokio::time::timeout(limit, run)
        .await
        .map_err(|_| anyhow!("{} took over {} s", path.display(), limit.as_secs()))?
        .with_context(|| format!("running {}", path.display()))?;
    if !out.status.success() {
        bail!(
            "{} {} failed ({})",
            path.display(),
            args.join(" "),
            out.status
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Reference {
    /// Wipes the reference's database and data (`reset`), then starts it on a free port.
    pub async fn start(tools: &Path, dir: &Path) -> Result<Reference> {
        if !dir.join("venv/bin/uwsgi").exists() {
            bail!(
                "the reference is not installed in {}: run {} {0}",
                dir.display(),
                tools.join("setup").display()
            );
        }
        let dir_arg = dir.display().to_string();
        script(
            tools,
            "reset",
            std::slice::from_ref(&dir_arg),
            Duration::from_secs(120),
        )
        .await?;
        let port = free_port()?;
        let out = script(
            tools,
            "start",
            &[dir_arg, port.to_string()],
            Duration::from_secs(180),
        )
        .await?;
        let pid = out
            .lines()
            .filter_map(|l| l.trim().parse::<u32>().ok())
            .next_back()
            .ok_or_else(|| anyhow!("the reference's start printed no pid"))?;
        Ok(Reference {
            tools: tools.to_owned(),
            dir: dir.to_owned(),
            url: format!("http://127.0.0.1:{port}"),
            pid,
        })
    }

    /// Stops it (`stop`).
    pub async fn stop(self) -> Result<()> {
        script(
            &self.tools,
            "stop",
            &[self.dir.display().to_string()],
            Duration::from_secs(120),
        )
        .await?;
        Ok(())
    }
}

/// A process and its descendants (the reference is a uWSGI master, its HTTP router and worker).
pub fn process_tree(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // The field after the command name (which is in parentheses) is the state, then ppid.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parents.push((pid, ppid));
            }
        }
    }
    let mut tree = vec![root];
    let mut n = 0;
    while n < tree.len() {
        let parent = tree[n];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        n += 1;
    }
    tree
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak-RSS mark (VmHWM) of each process to its current RSS.
pub fn reset_peaks(pids: &[u32]) {
    for pid in pids {
        let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    }
}

/// The peak RSS (VmHWM) of each process, in KiB.
pub fn peaks_kib(pids: &[u32]) -> Vec<u64> {
    pids.iter().map(|pid| status_kib(*pid, "VmHWM:")).collect()
}

/// The current RSS of the processes together, in KiB.
pub fn rss_kib(pids: &[u32]) -> u64 {
    pids.iter().map(|pid| status_kib(*pid, "VmRSS:")).sum()
}
