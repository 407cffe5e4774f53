//! The simple formats, each told by a signature at a fixed place: VHD (a footer at the end, and
//! a copy at the start for dynamic disks), VDI, ISO 9660/UDF, and the MBR that starts both
//! MBR- and GPT-partitioned raw disks, with the reference's sanity rules for that MBR.

use super::{Candidate, DetectedFormat};
use crate::endian::{has, u16_le, u32_be, u32_le, u64_be, u64_le};

const VHD_MAGIC: &[u8] = b"conectix";
const VHD_FIXED: u32 = 2;
const VDI_MAGIC: u32 = 0xBEDA_107F;
/// ISO volume descriptors start at sector 16 (of 2048 bytes).
pub(crate) const ISO_DESCRIPTORS: usize = 0x8000;
const ISO_SECTOR: usize = 2048;
const ISO_SIGNATURES: [&[u8]; 3] = [b"CD001", b"NSR02", b"NSR03"];
const MBR_ENTRIES: usize = 446;
const GPT_PROTECTIVE: u8 = 0xEE;

/// A VHD: its footer is the last 512 bytes, and dynamic disks also copy it to the start.
/// Returns the candidate and whether it is a fixed disk (whose data is a raw disk that may
/// itself look like an MBR or ISO).
pub(crate) fn vhd(head: &[u8], tail: &[u8]) -> Option<(Candidate, bool)> {
    let end = tail.len().checked_sub(512).map(|at| &tail[at..]);
    let footer = match end {
        Some(f) if has(f, 0, VHD_MAGIC) => f,
        _ if head.len() >= 512 && has(head, 0, VHD_MAGIC) => head,
        _ => return None,
    };
    let fixed = u32_be(footer, 60) == Some(VHD_FIXED) && !has(head, 0, VHD_MAGIC);
    let candidate = Candidate {
        format: DetectedFormat::Vhd,
        virtual_size: u64_be(footer, 48),
        problems: Vec::new(),
    };
    Some((candidate, fixed))
}

pub(crate) fn vdi(head: &[u8]) -> Option<Candidate> {
    (head.len() >= 512 && u32_le(head, 0x40) == Some(VDI_MAGIC)).then(|| Candidate {
        format: DetectedFormat::Vdi,
        virtual_size: u64_le(head, 0x170),
        problems: Vec::new(),
    })
}

/// ISO 9660 or UDF: a volume descriptor signature in one of the first descriptor sectors;
/// the size comes from the primary volume descriptor.
pub(crate) fn iso(head: &[u8]) -> Option<Candidate> {
    let signed = (0..3).any(|i| {
        let at = ISO_DESCRIPTORS + i * ISO_SECTOR + 1;
        ISO_SIGNATURES.iter().any(|sig| has(head, at, sig))
    });
    if !signed {
        return None;
    }
    let virtual_size = (0..16)
        .map(|i| ISO_DESCRIPTORS + i * ISO_SECTOR)
        .take_while(|at| head.get(*at).is_some_and(|t| *t != 255))
        .find(|at| head.get(*at) == Some(&1) && has(head, at + 1, b"CD001"))
        .and_then(|at| {
            let blocks = u32_le(head, at + 80)?;
            let block_size = u16_le(head, at + 128)?;
            Some(u64::from(blocks) * u64::from(block_size))
        });
    Some(Candidate {
        format: DetectedFormat::Iso,
        virtual_size,
        problems: Vec::new(),
    })
}

/// A master boot record (0x55AA at 510, and not the boot sector of a FAT filesystem). It is a
/// GPT disk when its table holds the protective partition.
pub(crate) fn partitioned(head: &[u8], size: u64) -> Option<Candidate> {
    if head.len() < 512 || head[510..512] != [0x55, 0xAA] || looks_like_fat(head) {
        return None;
    }
    let entries: Vec<&[u8]> = (0..4)
        .map(|i| &head[MBR_ENTRIES + 16 * i..][..16])
        .collect();
    let gpt = entries.iter().any(|e| e[4] == GPT_PROTECTIVE);
    let format = if gpt {
        DetectedFormat::Gpt
    } else {
        DetectedFormat::Mbr
    };
    Some(Candidate {
        format,
        virtual_size: Some(size),
        problems: mbr_problems(&entries),
    })
}

/// A FAT boot sector also ends in 0x55AA; two FATs on a fixed disk give it away.
pub(crate) fn looks_like_fat(sector: &[u8]) -> bool {
    sector.get(0x10) == Some(&2) && sector.get(0x15) == Some(&0xF8)
}

/// The reference's "mbr" safety check.
fn mbr_problems(entries: &[&[u8]]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut used = Vec::new();
    let mut gpt = false;
    for (i, e) in entries.iter().enumerate() {
        if e[0] != 0x00 && e[0] != 0x80 {
            problems.push(format!("MBR partition {i} has an invalid boot flag"));
        }
        if e[4] != 0 {
            used.push(i);
        }
        if e[4] == GPT_PROTECTIVE {
            gpt = true;
            if e[1..4] != [0x00, 0x02, 0x00] {
                problems.push("GPT protective MBR has an invalid start CHS".to_owned());
            }
            if u32_le(e, 8) != Some(1) {
                problems.push("GPT protective MBR has an invalid start LBA".to_owned());
            }
        }
    }
    if gpt && used != [0] {
        problems.push("GPT protective MBR defines extra partitions".to_owned());
    }
    if used.is_empty() {
        problems.push("MBR defines no partitions".to_owned());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mbr(entries: &[(u8, u8, [u8; 3], u32)]) -> Vec<u8> {
        let mut s = vec![0u8; 512];
        for (i, (boot, kind, chs, lba)) in entries.iter().enumerate() {
            let e = &mut s[MBR_ENTRIES + 16 * i..][..16];
            e[0] = *boot;
            e[1..4].copy_from_slice(chs);
            e[4] = *kind;
            e[8..12].copy_from_slice(&lba.to_le_bytes());
            e[12..16].copy_from_slice(&100u32.to_le_bytes());
        }
        s[510] = 0x55;
        s[511] = 0xAA;
        s
    }

    #[test]
    fn mbr_and_gpt_are_told_apart_and_checked() {
        let plain = partitioned(&mbr(&[(0x80, 0x83, [0, 0, 0], 2048)]), 9).unwrap();
        assert_eq!(
            (plain.format, plain.problems.len()),
            (DetectedFormat::Mbr, 0)
        );
        let gpt = partitioned(&mbr(&[(0, 0xEE, [0, 2, 0], 1)]), 9).unwrap();
        assert_eq!((gpt.format, gpt.problems.len()), (DetectedFormat::Gpt, 0));
        let extra = partitioned(&mbr(&[(0, 0xEE, [0, 2, 0], 1), (0, 0x83, [0; 3], 9)]), 9).unwrap();
        assert_eq!(
            extra.problems,
            ["GPT protective MBR defines extra partitions"]
        );
        let bad = partitioned(&mbr(&[(0x12, 0x83, [0; 3], 9)]), 9).unwrap();
        assert_eq!(bad.problems, ["MBR partition 0 has an invalid boot flag"]);
        assert_eq!(
            partitioned(&mbr(&[]), 9).unwrap().problems,
            ["MBR defines no partitions"]
        );
    }

    #[test]
    fn iso_size_comes_from_the_primary_descriptor() {
        let mut head = vec![0u8; ISO_DESCRIPTORS + 2 * ISO_SECTOR];
        let pvd = &mut head[ISO_DESCRIPTORS..];
        pvd[0] = 1;
        pvd[1..6].copy_from_slice(b"CD001");
        pvd[80..84].copy_from_slice(&300u32.to_le_bytes());
        pvd[128..130].copy_from_slice(&2048u16.to_le_bytes());
        pvd[ISO_SECTOR] = 255;
        assert_eq!(iso(&head).unwrap().virtual_size, Some(300 * 2048));
        assert!(iso(&head[..ISO_DESCRIPTORS]).is_none());
    }
}
