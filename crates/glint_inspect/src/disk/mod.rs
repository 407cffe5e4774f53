//! The virtual disk inside a stored image, read through a budget.
//!
//! A [`Disk`] answers "give me these bytes of the guest's disk": [`RawImage`] reads them
//! straight from the file, [`Qcow2Image`] through the qcow2 cluster tables. Every byte taken
//! from the stored image is charged to a shared [`Budget`], which also carries the deadline
//! and the count of files visited, so a hostile image runs out of budget instead of running
//! forever. Nothing here writes, and nothing follows a reference outside the image.

mod qcow2;
mod raw;
mod slice;

use std::cell::Cell;
use std::fmt;
use std::time::Instant;

pub(crate) use qcow2::Qcow2Image;
pub(crate) use raw::RawImage;
pub(crate) use slice::{SharedDisk, Slice};

/// Byte-addressed read access to a virtual disk.
pub(crate) trait Disk {
    /// The disk's size in bytes.
    fn size(&self) -> u64;
    /// Fills `buf` with the disk's bytes at `offset`; reading past the end is an error.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DiskError>;
}

/// Why bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DiskError {
    /// The stored image ends before data it refers to.
    Truncated,
    /// A read past the end of the virtual disk or partition.
    OutOfRange,
    TimeLimit,
    ByteLimit,
    FileLimit,
    /// Data stored in compressed qcow2 clusters, which this reader does not decompress.
    Compressed,
    Corrupt(String),
    Unsupported(String),
    Io(String),
}

impl DiskError {
    /// Whether every further read will fail too (a limit was reached).
    pub(crate) fn is_limit(&self) -> bool {
        matches!(self, Self::TimeLimit | Self::ByteLimit | Self::FileLimit)
    }
}

impl fmt::Display for DiskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("the image is truncated"),
            Self::OutOfRange => f.write_str("a read went past the end of the disk"),
            Self::TimeLimit => f.write_str("the time limit was reached"),
            Self::ByteLimit => f.write_str("the limit on bytes read was reached"),
            Self::FileLimit => f.write_str("the limit on files read was reached"),
            Self::Compressed => f.write_str("compressed qcow2 clusters are not supported"),
            Self::Corrupt(why) => write!(f, "the image is damaged: {why}"),
            Self::Unsupported(what) => write!(f, "{what} is not supported"),
            Self::Io(why) => write!(f, "reading the image failed: {why}"),
        }
    }
}

impl std::error::Error for DiskError {}

/// What one inspection may spend; shared by every reader of one image.
#[derive(Debug)]
pub(crate) struct Budget {
    deadline: Instant,
    bytes_left: Cell<u64>,
    files_left: Cell<u32>,
}

impl Budget {
    pub(crate) fn new(deadline: Instant, max_bytes: u64, max_files: u32) -> Self {
        Self {
            deadline,
            bytes_left: Cell::new(max_bytes),
            files_left: Cell::new(max_files),
        }
    }

    pub(crate) fn check_time(&self) -> Result<(), DiskError> {
        if Instant::now() >= self.deadline {
            Err(DiskError::TimeLimit)
        } else {
            Ok(())
        }
    }

    /// Charges `n` bytes read from the stored image.
    pub(crate) fn charge_bytes(&self, n: u64) -> Result<(), DiskError> {
        self.check_time()?;
        let left = self.bytes_left.get();
        if n > left {
            self.bytes_left.set(0);
            return Err(DiskError::ByteLimit);
        }
        self.bytes_left.set(left - n);
        Ok(())
    }

    /// Charges one file opened or directory listed.
    pub(crate) fn charge_file(&self) -> Result<(), DiskError> {
        self.check_time()?;
        let left = self.files_left.get();
        if left == 0 {
            return Err(DiskError::FileLimit);
        }
        self.files_left.set(left - 1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn budget_runs_out() {
        let b = Budget::new(Instant::now() + Duration::from_secs(60), 10, 1);
        assert_eq!(b.charge_bytes(6), Ok(()));
        assert_eq!(b.charge_bytes(6), Err(DiskError::ByteLimit));
        assert_eq!(b.charge_bytes(1), Err(DiskError::ByteLimit));
        assert_eq!(b.charge_file(), Ok(()));
        assert_eq!(b.charge_file(), Err(DiskError::FileLimit));
        let late = Budget::new(Instant::now(), 10, 1);
        assert_eq!(late.charge_bytes(1), Err(DiskError::TimeLimit));
    }
}
