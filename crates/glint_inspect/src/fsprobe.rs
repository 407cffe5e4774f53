//! What a partition (or a whole disk) holds, told by the signatures filesystems and volume
//! managers write at fixed places. Only ext2/3/4 is read further; the rest is named so the
//! report can say plainly what was not inspected.

use crate::disk::{DiskError, Slice};
use crate::endian::{has, u16_le, u32_le};

/// The content of a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Content {
    /// ext2, ext3 or ext4 (the name says which).
    Ext(&'static str),
    /// Content that cannot hold Linux accounts (swap, FAT).
    NoAccounts(&'static str),
    /// A filesystem or volume this crate does not read.
    Unsupported(&'static str),
    /// Zeros where every known signature would be.
    Empty,
    Unknown,
}

const EXT_MAGIC: u16 = 0xEF53;
const EXT_COMPAT_JOURNAL: u32 = 0x4;
/// extents, 64bit, flex_bg: only ext4 sets them.
const EXT4_INCOMPAT: u32 = 0x40 | 0x80 | 0x200;

/// Reads the first few KiB (and a few far signatures) of `part` and names its content.
pub(crate) fn identify(part: &Slice) -> Result<Content, DiskError> {
    let mut start = vec![0u8; 4096.min(usize::try_from(part.len()).unwrap_or(4096))];
    part.read_at(0, &mut start)?;
    let sb = start.get(1024..).unwrap_or_default();
    if u16_le(sb, 56) == Some(EXT_MAGIC) {
        let compat = u32_le(sb, 0x5C).unwrap_or(0);
        let incompat = u32_le(sb, 0x60).unwrap_or(0);
        let kind = if incompat & EXT4_INCOMPAT != 0 {
            "ext4"
        } else if compat & EXT_COMPAT_JOURNAL != 0 {
            "ext3"
        } else {
            "ext2"
        };
        return Ok(Content::Ext(kind));
    }
    let signatures: [(&[u8], usize, Content); 9] = [
        (b"XFSB", 0, Content::Unsupported("xfs")),
        (b"LUKS\xba\xbe", 0, Content::Unsupported("LUKS encryption")),
        (b"hsqs", 0, Content::Unsupported("squashfs")),
        (b"LABELONE", 512, Content::Unsupported("LVM")),
        (b"LABELONE", 0, Content::Unsupported("LVM")),
        (b"NTFS    ", 3, Content::Unsupported("ntfs")),
        (b"EXFAT   ", 3, Content::Unsupported("exfat")),
        (b"SWAPSPACE2", 4086, Content::NoAccounts("swap")),
        (b"\x10\x20\xf5\xf2", 1024, Content::Unsupported("f2fs")),
    ];
    for (magic, at, content) in signatures {
        if has(&start, at, magic) {
            return Ok(content);
        }
    }
    let boot_sector = start.len() >= 512 && start[510..512] == [0x55, 0xAA];
    if boot_sector && (has(&start, 54, b"FAT") || has(&start, 82, b"FAT32")) {
        return Ok(Content::NoAccounts("vfat"));
    }
    for (magic, at, content) in [
        (&b"_BHRfS_M"[..], 0x1_0040u64, Content::Unsupported("btrfs")),
        (
            b"\xfc\x4e\x2b\xa9",
            4096,
            Content::Unsupported("Linux RAID"),
        ),
        (b"CD001", 0x8001, Content::Unsupported("iso9660")),
        (b"SWAPSPACE2", 0xFFF6, Content::NoAccounts("swap")),
    ] {
        if far_signature(part, at, magic)? {
            return Ok(content);
        }
    }
    if start.iter().all(|b| *b == 0) {
        return Ok(Content::Empty);
    }
    Ok(Content::Unknown)
}

/// The largest block size ext4 allows (64 KiB), and a generous cap on block groups (enough
/// for 128 TiB with 4 KiB blocks). The filesystem reader sizes buffers and tables from these
/// fields before it reads anything else, so hostile values are refused here first.
const EXT_MAX_LOG_BLOCK: u32 = 6;
const EXT_MAX_GROUPS: u64 = 1 << 20;
const EXT_INCOMPAT_64BIT: u32 = 0x80;

/// Checks the ext superblock fields that decide how much the reader allocates.
pub(crate) fn ext_sanity(part: &Slice) -> Result<(), String> {
    let mut sb = [0u8; 1024];
    part.read_at(1024, &mut sb).map_err(|e| e.to_string())?;
    let field = |at| u32_le(&sb, at).unwrap_or(0);
    let log_block = field(0x18);
    if log_block > EXT_MAX_LOG_BLOCK {
        return Err(format!(
            "block size 2^{} is out of range",
            10 + u64::from(log_block)
        ));
    }
    let mut blocks = u64::from(field(0x4));
    if field(0x60) & EXT_INCOMPAT_64BIT != 0 {
        blocks |= u64::from(field(0x150)) << 32;
    }
    let per_group = u64::from(field(0x20));
    let data_blocks = blocks.saturating_sub(u64::from(field(0x14)));
    if per_group == 0 || data_blocks.div_ceil(per_group) > EXT_MAX_GROUPS {
        return Err("the superblock describes too many block groups".to_owned());
    }
    Ok(())
}

fn far_signature(part: &Slice, at: u64, magic: &[u8]) -> Result<bool, DiskError> {
    let mut buf = vec![0u8; magic.len()];
    match part.read_at(at, &mut buf) {
        Ok(()) => Ok(buf == magic),
        Err(DiskError::OutOfRange) => Ok(false),
        Err(e) => Err(e),
    }
}
