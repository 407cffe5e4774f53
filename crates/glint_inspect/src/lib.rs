//! What is inside an image: its format, whether it is safe, and who could log in.
//!
//! Two engines, both pure Rust and both safe to run on hostile data:
//!
//! * [`FormatInspector`] watches an upload stream chunk by chunk (bounded memory, no second
//!   pass), tells its format and virtual size, and refuses data that does not match the
//!   declared `disk_format` or that is unsafe to hand to qemu.
//! * [`inspect_filesystems`] reads a stored raw or qcow2 image through its partition tables
//!   and ext2/3/4 filesystems, without running anything from it, and writes a
//!   [`TrustReport`]: accounts that can log in, preinstalled SSH keys, sshd and sudo settings,
//!   the OS it claims to be, and what could not be inspected. It honours [`Limits`] on time,
//!   bytes read and files visited.
//!
//! Neither engine touches the network or the host's files, and neither may panic on any
//! input; the fuzz tests in `tests/inspect/fuzz.rs` hold them to that.
//!
//! ```no_run
//! use std::time::Duration;
//! use glint_inspect::{FormatInspector, Limits, inspect_filesystems};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let upload: Vec<Vec<u8>> = Vec::new();
//! // While the upload streams: one inspector per upload, fed every chunk in order.
//! let mut inspector = FormatInspector::new(Some("qcow2"));
//! for chunk in &upload {
//!     inspector.feed(chunk)?; // Err(Refusal): answer refusal.http_status() with its message
//! }
//! let inspection = inspector.finish()?;
//! println!("{} of {:?} bytes", inspection.detected, inspection.virtual_size);
//!
//! // Later, on a blocking thread: the trust report of the stored image.
//! let stored = std::fs::File::open("/var/lib/glint/images/abc")?;
//! let report = inspect_filesystems(
//!     stored,
//!     inspection.detected,
//!     &Limits::with_timeout(Duration::from_secs(120)),
//! );
//! for warning in report.warnings() {
//!     println!("{warning}");
//! }
//! # Ok(())
//! # }
//! ```

mod disk;
mod endian;
mod format;
mod fsprobe;
mod partitions;
mod report;

pub use format::{DetectedFormat, FormatInspector, Inspection, Refusal, RefusalKind};
pub use report::{
    Limits, LoginUser, OsRelease, SshKey, SshdSettings, SudoRule, TrustReport, inspect_filesystems,
};
