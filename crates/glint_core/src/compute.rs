//! Servers and flavors as the domain sees them. Glint runs no hypervisor: a server is its record
//! and its own disk, a copy of the image it was built from, which outlives the image.

use std::fmt;
use std::str::FromStr;

use crate::image::ImageId;
use crate::{AccountId, Error, RegionName, Timestamp, UserId};

/// A server's status, as the Compute API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerStatus {
    /// Its disk is being made from the image.
    Build,
    /// Built.
    Active,
    /// Its disk is being remade from an image.
    Rebuild,
    /// Building failed; the task state says which step.
    Error,
    /// Deleted.
    Deleted,
}

impl ServerStatus {
    /// Every status.
    pub const ALL: [ServerStatus; 5] = [
        ServerStatus::Build,
        ServerStatus::Active,
        ServerStatus::Rebuild,
        ServerStatus::Error,
        ServerStatus::Deleted,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerStatus::Build => "BUILD",
            ServerStatus::Active => "ACTIVE",
            ServerStatus::Rebuild => "REBUILD",
            ServerStatus::Error => "ERROR",
            ServerStatus::Deleted => "DELETED",
        }
    }

    /// Nova's `OS-EXT-STS:vm_state` for the status.
    pub fn vm_state(self) -> &'static str {
        match self {
            ServerStatus::Build => "building",
            ServerStatus::Active | ServerStatus::Rebuild => "active",
            ServerStatus::Error => "error",
            ServerStatus::Deleted => "deleted",
        }
    }
}

impl fmt::Display for ServerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for ServerStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServerStatus::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::InvalidInput(format!("Invalid server status: {s}")))
    }
}

/// A size of server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    pub vcpus: u32,
    /// MiB of memory.
    pub ram: u64,
    /// GiB of root disk.
    pub disk: u64,
}

/// A server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub id: String,
    pub region: RegionName,
    pub account_id: AccountId,
    pub user_id: UserId,
    pub name: String,
    /// The image its disk was last built from (it may have been deleted since).
    pub image_id: ImageId,
    pub flavor_id: String,
    pub status: ServerStatus,
    /// Nova's task state (`spawning`, `rebuild_spawning`, `image_uploading`), if a task runs.
    pub task_state: Option<String>,
    /// What the create request asked for networks (`none` or `auto`); no network is attached.
    pub networks: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub launched_at: Option<Timestamp>,
}
