//! A partition (or the whole disk) as its own byte range, shared with the filesystem reader.

use std::cell::RefCell;
use std::rc::Rc;

use super::{Disk, DiskError};

/// One disk read by several partitions in turn.
pub(crate) type SharedDisk = Rc<RefCell<Box<dyn Disk>>>;

/// The bytes `start..start + len` of a shared disk.
#[derive(Clone)]
pub(crate) struct Slice {
    disk: SharedDisk,
    start: u64,
    len: u64,
}

impl Slice {
    pub(crate) fn new(disk: SharedDisk, start: u64, len: u64) -> Self {
        Self { disk, start, len }
    }

    /// The bytes `start..start + len` of this slice (clipped to it).
    pub(crate) fn sub(&self, start: u64, len: u64) -> Self {
        let start = start.min(self.len);
        let len = len.min(self.len - start);
        Self {
            disk: Rc::clone(&self.disk),
            start: self.start + start,
            len,
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), DiskError> {
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or(DiskError::OutOfRange)?;
        if end > self.len {
            return Err(DiskError::OutOfRange);
        }
        let at = self
            .start
            .checked_add(offset)
            .ok_or(DiskError::OutOfRange)?;
        let mut disk = self
            .disk
            .try_borrow_mut()
            .map_err(|_| DiskError::Io("the disk is already being read".to_owned()))?;
        disk.read_at(at, buf)
    }
}

impl ext4_view::Ext4Read for Slice {
    fn read(
        &mut self,
        start_byte: u64,
        dst: &mut [u8],
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        Slice::read_at(self, start_byte, dst).map_err(Into::into)
    }
}
