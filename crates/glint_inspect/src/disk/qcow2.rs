//! A read-only qcow2 reader: the guest's disk through the L1 and L2 cluster tables.
//!
//! Supports qcow2 versions 2 and 3 with plain (uncompressed) clusters, unallocated clusters
//! and v3 zero clusters. It refuses, with a reason, what it cannot read faithfully or safely:
//! backing files and external data files (it never opens another file), encryption,
//! extended L2 entries and unknown incompatible features. Compressed clusters fail the read
//! that reaches them. Table sizes are checked against the disk size before anything is
//! allocated, and L2 tables are cached within a small fixed memory budget.

use std::io::{Read, Seek};

use super::{Disk, DiskError, RawImage};
use crate::endian::{u32_be, u64_be};

const MAGIC: &[u8] = b"QFI\xfb";
const OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
const COMPRESSED: u64 = 1 << 62;
const ZERO_CLUSTER: u64 = 1;
const L1_MAX_BYTES: u64 = 8 << 20;
const L2_CACHE_BYTES: usize = 4 << 20;

/// The guest disk of a qcow2 image.
pub(crate) struct Qcow2Image<R> {
    file: RawImage<R>,
    version: u32,
    cluster_bits: u32,
    size: u64,
    l1: Vec<u64>,
    /// Most recently used first: (table offset, table bytes).
    l2_cache: Vec<(u64, Vec<u8>)>,
}

/// The header fields the reader uses, checked.
struct Header {
    version: u32,
    cluster_bits: u32,
    /// The guest disk's size in bytes.
    size: u64,
    l1_size: u64,
    l1_offset: u64,
}

impl<R: Read + Seek> Qcow2Image<R> {
    /// Reads and checks the header, then loads the L1 table.
    pub(crate) fn open(mut file: RawImage<R>) -> Result<Self, DiskError> {
        let header = read_header(&mut file)?;
        let l1 = read_l1(&mut file, &header)?;
        Ok(Self {
            file,
            version: header.version,
            cluster_bits: header.cluster_bits,
            size: header.size,
            l1,
            l2_cache: Vec::new(),
        })
    }

    /// The L2 entry for the cluster at guest cluster index `cluster`.
    fn l2_entry(&mut self, cluster: u64) -> Result<u64, DiskError> {
        let l2_bits = self.cluster_bits - 3;
        let l1_index = usize::try_from(cluster >> l2_bits).map_err(|_| DiskError::OutOfRange)?;
        let l2_index = usize::try_from(cluster & ((1 << l2_bits) - 1)).unwrap_or(0);
        let table = self
            .l1
            .get(l1_index)
            .copied()
            .ok_or(DiskError::OutOfRange)?
            & OFFSET_MASK;
        if table == 0 {
            return Ok(0);
        }
        let cluster_size = 1u64 << self.cluster_bits;
        if !table.is_multiple_of(cluster_size) {
            return Err(DiskError::Corrupt(
                "an L2 table is not cluster aligned".to_owned(),
            ));
        }
        let position = match self.l2_cache.iter().position(|(at, _)| *at == table) {
            Some(found) => found,
            None => {
                let mut data = vec![0u8; usize::try_from(cluster_size).unwrap_or(0)];
                self.file.read_at(table, &mut data)?;
                let capacity = (L2_CACHE_BYTES / data.len()).max(1);
                self.l2_cache.truncate(capacity - 1);
                self.l2_cache.insert(0, (table, data));
                0
            }
        };
        let entry = self.l2_cache.remove(position);
        let value = u64_be(&entry.1, l2_index * 8).unwrap_or(0);
        self.l2_cache.insert(0, entry);
        Ok(value)
    }
}

/// The header, refused when it is not qcow2 or asks for what this reader does not do (another
/// version, a backing file, encryption, incompatible features).
fn read_header<R: Read + Seek>(file: &mut RawImage<R>) -> Result<Header, DiskError> {
    let mut header = [0u8; 104];
    let wanted = header
        .len()
        .min(usize::try_from(file.size()).unwrap_or(usize::MAX));
    file.read_at(0, &mut header[..wanted])?;
    if header[..4] != *MAGIC || wanted < 72 {
        return Err(DiskError::Corrupt("no qcow2 header".to_owned()));
    }
    let field32 = |at| u32_be(&header, at).unwrap_or(0);
    let field64 = |at| u64_be(&header, at).unwrap_or(0);
    let version = field32(4);
    if version != 2 && version != 3 {
        return Err(DiskError::Unsupported(format!("qcow2 version {version}")));
    }
    if field64(8) != 0 {
        return Err(DiskError::Unsupported(
            "a qcow2 image with a backing file".to_owned(),
        ));
    }
    let cluster_bits = field32(20);
    if !(9..=21).contains(&cluster_bits) {
        return Err(DiskError::Corrupt(format!("cluster size 2^{cluster_bits}")));
    }
    if field32(32) != 0 {
        return Err(DiskError::Unsupported(
            "an encrypted qcow2 image".to_owned(),
        ));
    }
    if version == 3 {
        check_features(field64(72))?;
    }
    Ok(Header {
        version,
        cluster_bits,
        size: field64(24),
        l1_size: u64::from(field32(36)),
        l1_offset: field64(40),
    })
}

/// The L1 entries that cover the disk, after checking that the table is large enough, within
/// `L1_MAX_BYTES` and cluster aligned.
fn read_l1<R: Read + Seek>(file: &mut RawImage<R>, header: &Header) -> Result<Vec<u64>, DiskError> {
    let cluster_size = 1u64 << header.cluster_bits;
    let covered_by_l1_entry = cluster_size << (header.cluster_bits - 3);
    let needed = header.size.div_ceil(covered_by_l1_entry);
    if header.l1_size < needed {
        return Err(DiskError::Corrupt(
            "the L1 table is too small for the disk".to_owned(),
        ));
    }
    if needed.saturating_mul(8) > L1_MAX_BYTES {
        return Err(DiskError::Unsupported("an L1 table over 8 MiB".to_owned()));
    }
    if !header.l1_offset.is_multiple_of(cluster_size) {
        return Err(DiskError::Corrupt(
            "the L1 table is not cluster aligned".to_owned(),
        ));
    }
    let mut raw_l1 = vec![0u8; usize::try_from(needed * 8).unwrap_or(0)];
    file.read_at(header.l1_offset, &mut raw_l1)?;
    Ok(raw_l1
        .chunks_exact(8)
        .map(|e| u64_be(e, 0).unwrap_or(0))
        .collect())
}

/// Incompatible features: dirty and corrupt flags and the compression type are fine; an
/// external data file, extended L2 entries and anything unknown are not.
fn check_features(features: u64) -> Result<(), DiskError> {
    if features & (1 << 2) != 0 {
        return Err(DiskError::Unsupported(
            "a qcow2 image with an external data file".to_owned(),
        ));
    }
    if features & (1 << 4) != 0 {
        return Err(DiskError::Unsupported(
            "qcow2 extended L2 entries".to_owned(),
        ));
    }
    if features & !0b1_1111 != 0 {
        return Err(DiskError::Unsupported(format!(
            "qcow2 features {features:#x}"
        )));
    }
    Ok(())
}

impl<R: Read + Seek> Disk for Qcow2Image<R> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DiskError> {
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or(DiskError::OutOfRange)?;
        if end > self.size {
            return Err(DiskError::OutOfRange);
        }
        let cluster_size = 1u64 << self.cluster_bits;
        let mut done = 0usize;
        while done < buf.len() {
            let at = offset + done as u64;
            let within = at & (cluster_size - 1);
            let n = usize::try_from((cluster_size - within).min((buf.len() - done) as u64))
                .unwrap_or(1);
            let piece = &mut buf[done..done + n];
            let entry = self.l2_entry(at >> self.cluster_bits)?;
            let host = entry & OFFSET_MASK;
            if entry & COMPRESSED != 0 {
                return Err(DiskError::Compressed);
            } else if host == 0 || (self.version == 3 && entry & ZERO_CLUSTER != 0) {
                piece.fill(0);
            } else if !host.is_multiple_of(cluster_size) {
                return Err(DiskError::Corrupt(
                    "a data cluster is not aligned".to_owned(),
                ));
            } else {
                self.file.read_at(host + within, piece)?;
            }
            done += n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::Budget;
    use std::io::Cursor;
    use std::rc::Rc;
    use std::time::{Duration, Instant};

    /// A 1 MiB disk with 512-byte clusters: header, L1 at 512, one L2 at 1024, data at 1536.
    fn tiny(entry_flags: u64) -> Vec<u8> {
        let mut f = vec![0u8; 2048];
        f[..4].copy_from_slice(MAGIC);
        f[4..8].copy_from_slice(&3u32.to_be_bytes());
        f[20..24].copy_from_slice(&9u32.to_be_bytes());
        f[24..32].copy_from_slice(&(1u64 << 20).to_be_bytes());
        f[36..40].copy_from_slice(&64u32.to_be_bytes());
        f[40..48].copy_from_slice(&512u64.to_be_bytes());
        f[512..520].copy_from_slice(&1024u64.to_be_bytes());
        // Guest cluster 1 lives at host offset 1536.
        f[1032..1040].copy_from_slice(&(1536u64 | entry_flags).to_be_bytes());
        f[1536..1541].copy_from_slice(b"hello");
        f
    }

    fn open(bytes: Vec<u8>) -> Result<Qcow2Image<Cursor<Vec<u8>>>, DiskError> {
        let budget = Rc::new(Budget::new(
            Instant::now() + Duration::from_secs(9),
            1 << 30,
            9,
        ));
        Qcow2Image::open(RawImage::open(Cursor::new(bytes), budget)?)
    }

    #[test]
    fn reads_allocated_and_unallocated_clusters() {
        let mut disk = open(tiny(0)).unwrap();
        let mut buf = [0xFFu8; 1024];
        disk.read_at(0, &mut buf).unwrap();
        assert!(buf[..512].iter().all(|b| *b == 0));
        assert_eq!(&buf[512..517], b"hello");
        assert_eq!(
            disk.read_at(1 << 20, &mut [0u8; 1]),
            Err(DiskError::OutOfRange)
        );
    }

    #[test]
    fn compressed_and_zero_clusters() {
        let mut compressed = open(tiny(COMPRESSED)).unwrap();
        assert_eq!(
            compressed.read_at(512, &mut [0u8; 4]),
            Err(DiskError::Compressed)
        );
        let mut zero = open(tiny(ZERO_CLUSTER)).unwrap();
        let mut buf = [9u8; 4];
        zero.read_at(512, &mut buf).unwrap();
        assert_eq!(buf, [0; 4]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: std::env::var("GLINT_INSPECT_FUZZ_CASES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(128),
            failure_persistence: None,
            ..Default::default()
        })]

        /// Random changes to a valid image, then random reads: errors are fine, panics and
        /// reads outside the disk are not.
        #[test]
        fn hostile_images_only_fail_cleanly(
            changes in proptest::collection::vec((0usize..2048, proptest::prelude::any::<u8>()), 0..16),
            reads in proptest::collection::vec((0u64..(2 << 20), 0usize..5000), 1..8),
        ) {
            let mut bytes = tiny(0);
            for (at, value) in changes {
                bytes[at] = value;
            }
            if let Ok(mut disk) = open(bytes) {
                for (offset, len) in reads {
                    let mut buf = vec![0u8; len];
                    let result = disk.read_at(offset, &mut buf);
                    if offset + len as u64 > disk.size() {
                        proptest::prop_assert!(result.is_err());
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_backing_files_and_short_tables() {
        let mut backed = tiny(0);
        backed[8..16].copy_from_slice(&4000u64.to_be_bytes());
        assert!(matches!(open(backed), Err(DiskError::Unsupported(_))));
        let mut short = tiny(0);
        short[36..40].copy_from_slice(&1u32.to_be_bytes());
        assert!(matches!(open(short), Err(DiskError::Corrupt(_))));
        assert!(open(tiny(0)[..1500].to_vec()).is_ok());
        let mut cut = open(tiny(0)[..1500].to_vec()).unwrap();
        assert_eq!(cut.read_at(512, &mut [0u8; 4]), Err(DiskError::Truncated));
    }
}
