//! Glint's domain: the identifiers, roles, accounts, regions and tokens that every other layer
//! speaks in, and the rules on them. No I/O lives here: no database, no HTTP, no runtime.

pub mod compute;
pub mod error;
pub mod event;
pub mod group;
pub mod identity;
pub mod image;
pub mod legacy_task;
pub mod metadef;
pub mod names;
pub mod network;
pub mod report;
pub mod role;
pub mod sharing_policy;
pub mod task;
pub mod timestamp;
pub mod webhook;

pub use error::{Error, Result};
pub use identity::{Account, AuthContext, Region, User};
pub use names::{AccountId, AccountName, RegionName, UserId, Username};
pub use role::Role;
pub use timestamp::Timestamp;
