//! Partition tables of a guest disk: GPT (with its backup and checksums) and MBR (with the
//! chain of extended boot records), read defensively.
//!
//! Hostile tables are expected: counts and sizes are capped before anything is allocated,
//! an extended-partition chain that loops is cut, and partitions that run past the end of the
//! disk are clipped with a note. The result says nothing about what the partitions hold;
//! that is the filesystem probe's job.

use std::collections::HashSet;

use crate::disk::{DiskError, Slice};
use crate::endian::{crc32, guid, has, u32_le, u64_le};
use crate::format::looks_like_fat;

const MBR_SECTOR: u64 = 512;
const MAX_GPT_ENTRY_BYTES: u64 = 1 << 20;
const MAX_LOGICAL: usize = 128;

/// One partition: where it is and what its table says it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Partition {
    pub(crate) number: u32,
    pub(crate) start: u64,
    pub(crate) len: u64,
    pub(crate) kind: String,
}

/// What the start of the disk holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Table {
    /// No partition table: the disk is one filesystem (or nothing).
    WholeDisk,
    Mbr(Vec<Partition>),
    Gpt(Vec<Partition>),
}

/// Reads the partition table. Problems that still leave a usable table go to `notes`.
pub(crate) fn read(disk: &Slice, notes: &mut Vec<String>) -> Result<Table, DiskError> {
    let mut mbr = [0u8; 512];
    if disk.len() < 512 {
        return Ok(Table::WholeDisk);
    }
    disk.read_at(0, &mut mbr)?;
    let entries: Vec<&[u8]> = (0..4).map(|i| &mbr[446 + 16 * i..][..16]).collect();
    let signed = mbr[510..512] == [0x55, 0xAA] && !looks_like_fat(&mbr);
    let announced = signed && entries.iter().any(|e| e[4] == 0xEE);
    for sector in [512u64, 4096] {
        if let Some(parts) = gpt(disk, sector, announced && sector == 512, notes)? {
            return Ok(Table::Gpt(clip(parts, disk.len(), notes)));
        }
    }
    let sane = entries.iter().all(|e| e[0] == 0 || e[0] == 0x80);
    if !signed || !sane || entries.iter().all(|e| e[4] == 0) {
        return Ok(Table::WholeDisk);
    }
    let mut parts = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let (kind, start, count) = (e[4], u32_le(e, 8).unwrap_or(0), u32_le(e, 12).unwrap_or(0));
        if matches!(kind, 0x05 | 0x0F | 0x85) {
            logical(disk, u64::from(start), &mut parts, notes)?;
        } else if kind != 0 && count != 0 {
            parts.push(Partition {
                number: i as u32 + 1,
                start: u64::from(start) * MBR_SECTOR,
                len: u64::from(count) * MBR_SECTOR,
                kind: mbr_kind(kind),
            });
        }
    }
    Ok(Table::Mbr(clip(parts, disk.len(), notes)))
}

/// Follows the extended boot records, numbering logical partitions from 5.
fn logical(
    disk: &Slice,
    extended: u64,
    parts: &mut Vec<Partition>,
    notes: &mut Vec<String>,
) -> Result<(), DiskError> {
    let mut seen = HashSet::new();
    let mut next = extended;
    let mut number = 5;
    while seen.insert(next) {
        if seen.len() > MAX_LOGICAL {
            notes.push(format!(
                "more than {MAX_LOGICAL} logical partitions; the rest were skipped"
            ));
            return Ok(());
        }
        let mut ebr = [0u8; 512];
        match disk.read_at(next * MBR_SECTOR, &mut ebr) {
            Ok(()) if ebr[510..512] == [0x55, 0xAA] => {}
            Err(e) if e.is_limit() => return Err(e),
            _ => {
                notes.push("an extended partition table is damaged".to_owned());
                return Ok(());
            }
        }
        let (this, link) = (&ebr[446..462], &ebr[462..478]);
        let count = u32_le(this, 12).unwrap_or(0);
        if this[4] != 0 && count != 0 {
            parts.push(Partition {
                number,
                start: (next + u64::from(u32_le(this, 8).unwrap_or(0))) * MBR_SECTOR,
                len: u64::from(count) * MBR_SECTOR,
                kind: mbr_kind(this[4]),
            });
            number += 1;
        }
        if !matches!(link[4], 0x05 | 0x0F | 0x85) {
            return Ok(());
        }
        next = extended + u64::from(u32_le(link, 8).unwrap_or(0));
    }
    notes.push("the extended partition chain loops; it was cut".to_owned());
    Ok(())
}

/// Reads a GPT with `sector`-byte sectors: the primary header and entries, else the backup
/// (looked for only when the primary is signed or the MBR `announced` a GPT).
fn gpt(
    disk: &Slice,
    sector: u64,
    announced: bool,
    notes: &mut Vec<String>,
) -> Result<Option<Vec<Partition>>, DiskError> {
    let primary = header(disk, 1, sector)?;
    if let Some(h) = primary.as_ref().filter(|h| h.valid)
        && let Some(parts) = entries(disk, h, sector)?
    {
        return Ok(Some(parts));
    }
    if primary.is_none() && !announced {
        return Ok(None);
    }
    let last = (disk.len() / sector).saturating_sub(1);
    let backup_lba = primary
        .as_ref()
        .filter(|h| h.valid)
        .map_or(last, |h| h.alternate.min(last));
    if let Some(h) = header(disk, backup_lba, sector)?.filter(|h| h.valid)
        && let Some(parts) = entries(disk, &h, sector)?
    {
        notes.push("the primary GPT is damaged; its backup was read".to_owned());
        return Ok(Some(parts));
    }
    Err(DiskError::Corrupt(
        "the GPT and its backup are damaged".to_owned(),
    ))
}

struct GptHeader {
    valid: bool,
    alternate: u64,
    entries_lba: u64,
    count: u32,
    entry_size: u32,
    entries_crc: u32,
}

/// The GPT header at `lba`, if that sector is signed; `valid` says whether its checksum and
/// fields hold up.
fn header(disk: &Slice, lba: u64, sector: u64) -> Result<Option<GptHeader>, DiskError> {
    let mut buf = vec![0u8; 512];
    let Some(at) = lba.checked_mul(sector) else {
        return Ok(None);
    };
    match disk.read_at(at, &mut buf) {
        Ok(()) => {}
        Err(e) if e.is_limit() => return Err(e),
        Err(_) => return Ok(None),
    }
    if !has(&buf, 0, b"EFI PART") {
        return Ok(None);
    }
    let size = u32_le(&buf, 12).unwrap_or(0) as usize;
    let stored_crc = u32_le(&buf, 16).unwrap_or(0);
    let crc_ok = (92..=512).contains(&size) && {
        let mut copy = buf[..size].to_vec();
        copy[16..20].fill(0);
        crc32(&copy) == stored_crc
    };
    let count = u32_le(&buf, 80).unwrap_or(0);
    let entry_size = u32_le(&buf, 84).unwrap_or(0);
    let fits = entry_size >= 128
        && entry_size.is_multiple_of(8)
        && u64::from(count) * u64::from(entry_size) <= MAX_GPT_ENTRY_BYTES;
    Ok(Some(GptHeader {
        valid: crc_ok && fits,
        alternate: u64_le(&buf, 32).unwrap_or(0),
        entries_lba: u64_le(&buf, 72).unwrap_or(0),
        count,
        entry_size,
        entries_crc: u32_le(&buf, 88).unwrap_or(0),
    }))
}

/// The partitions a header's entry array lists, or `None` when the array's checksum fails.
fn entries(disk: &Slice, h: &GptHeader, sector: u64) -> Result<Option<Vec<Partition>>, DiskError> {
    let len = usize::try_from(u64::from(h.count) * u64::from(h.entry_size)).unwrap_or(0);
    let mut table = vec![0u8; len];
    let Some(at) = h.entries_lba.checked_mul(sector) else {
        return Ok(None);
    };
    match disk.read_at(at, &mut table) {
        Ok(()) => {}
        Err(e) if e.is_limit() => return Err(e),
        Err(_) => return Ok(None),
    }
    if crc32(&table) != h.entries_crc {
        return Ok(None);
    }
    let parts = table
        .chunks_exact(h.entry_size as usize)
        .enumerate()
        .filter(|(_, e)| e[..16].iter().any(|b| *b != 0))
        .filter_map(|(i, e)| {
            let first = u64_le(e, 32)?;
            let last = u64_le(e, 40)?;
            let count = last.checked_sub(first)?.checked_add(1)?;
            Some(Partition {
                number: i as u32 + 1,
                start: first.checked_mul(sector)?,
                len: count.checked_mul(sector)?,
                kind: gpt_kind(&guid(e, 0)?),
            })
        })
        .collect();
    Ok(Some(parts))
}

/// Drops partitions that start past the end of the disk and clips those that run past it.
fn clip(parts: Vec<Partition>, disk_len: u64, notes: &mut Vec<String>) -> Vec<Partition> {
    parts
        .into_iter()
        .filter_map(|mut p| {
            if p.start >= disk_len || p.len == 0 {
                notes.push(format!(
                    "partition {} starts past the end of the image",
                    p.number
                ));
                return None;
            }
            if p.start.saturating_add(p.len) > disk_len {
                notes.push(format!(
                    "partition {} runs past the end of the image (is the image truncated?)",
                    p.number
                ));
                p.len = disk_len - p.start;
            }
            Some(p)
        })
        .collect()
}

fn mbr_kind(kind: u8) -> String {
    match kind {
        0x83 => "Linux".to_owned(),
        0x82 => "Linux swap".to_owned(),
        0x8E => "Linux LVM".to_owned(),
        0xFD => "Linux RAID".to_owned(),
        0xEF => "EFI system".to_owned(),
        0x07 => "NTFS or exFAT".to_owned(),
        0x01 | 0x04 | 0x06 | 0x0B | 0x0C | 0x0E => "FAT".to_owned(),
        other => format!("type {other:#04x}"),
    }
}

fn gpt_kind(type_guid: &str) -> String {
    let known = match type_guid {
        "0FC63DAF-8483-4772-8E79-3D69D8477DE4" => "Linux filesystem",
        "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"
        | "B921B045-1DF0-41C3-AF44-4C6F280D3FAE"
        | "44479540-F297-41B2-9AF7-D131D5F0458A" => "Linux root",
        "933AC7E1-2EB4-4F13-B844-0E14E2AEF915" => "Linux home",
        "BC13C2FF-59E6-4262-A352-B275FD6F7172" => "Linux extended boot",
        "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F" => "Linux swap",
        "E6D6D379-F507-44C2-A23C-238F2A3DF928" => "Linux LVM",
        "A19D880F-05FC-4D3B-A006-743F0F84911E" => "Linux RAID",
        "CA7D7CCB-63ED-4C53-861C-1742536059CC" => "Linux LUKS",
        "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" => "EFI system",
        "21686148-6449-6E6F-744E-656564454649" => "BIOS boot",
        "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" => "Microsoft basic data",
        _ => return format!("type {type_guid}"),
    };
    known.to_owned()
}

#[cfg(test)]
#[path = "partitions_tests.rs"]
mod tests;
