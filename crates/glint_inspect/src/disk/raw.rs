//! A raw image: the stored file is the disk, byte for byte.

use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::rc::Rc;

use super::{Budget, Disk, DiskError};

/// Reads a stored image file as it is, charging every byte to the budget.
pub(crate) struct RawImage<R> {
    file: R,
    size: u64,
    budget: Rc<Budget>,
}

impl<R: Read + Seek> RawImage<R> {
    pub(crate) fn open(mut file: R, budget: Rc<Budget>) -> Result<Self, DiskError> {
        let size = file
            .seek(SeekFrom::End(0))
            .map_err(|e| DiskError::Io(e.to_string()))?;
        Ok(Self { file, size, budget })
    }
}

impl<R: Read + Seek> Disk for RawImage<R> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DiskError> {
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or(DiskError::OutOfRange)?;
        self.budget.charge_bytes(buf.len() as u64)?;
        if end > self.size {
            return Err(DiskError::Truncated);
        }
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(|e| DiskError::Io(e.to_string()))?;
        self.file.read_exact(buf).map_err(|e| match e.kind() {
            ErrorKind::UnexpectedEof => DiskError::Truncated,
            _ => DiskError::Io(e.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::time::{Duration, Instant};

    #[test]
    fn reads_within_and_refuses_beyond() {
        let budget = Rc::new(Budget::new(Instant::now() + Duration::from_secs(9), 100, 1));
        let mut disk = RawImage::open(Cursor::new((0u8..50).collect::<Vec<_>>()), budget).unwrap();
        let mut buf = [0u8; 4];
        disk.read_at(10, &mut buf).unwrap();
        assert_eq!(buf, [10, 11, 12, 13]);
        assert_eq!(disk.read_at(48, &mut buf), Err(DiskError::Truncated));
        assert_eq!(disk.read_at(u64::MAX, &mut buf), Err(DiskError::OutOfRange));
    }
}
