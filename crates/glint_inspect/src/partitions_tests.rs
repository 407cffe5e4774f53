//! Partition table parsing on hand-made tables, including hostile ones.

use std::cell::RefCell;
use std::io::Cursor;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::*;
use crate::disk::{Budget, Disk, RawImage, SharedDisk};

fn slice(bytes: Vec<u8>) -> Slice {
    let budget = Rc::new(Budget::new(
        Instant::now() + Duration::from_secs(30),
        1 << 30,
        99,
    ));
    let raw = RawImage::open(Cursor::new(bytes), budget).unwrap();
    let len = raw.size();
    let disk: SharedDisk = Rc::new(RefCell::new(Box::new(raw)));
    Slice::new(disk, 0, len)
}

fn mbr_entry(img: &mut [u8], sector: usize, slot: usize, kind: u8, start: u32, count: u32) {
    let e = &mut img[sector * 512 + 446 + 16 * slot..][..16];
    e[4] = kind;
    e[8..12].copy_from_slice(&start.to_le_bytes());
    e[12..16].copy_from_slice(&count.to_le_bytes());
    img[sector * 512 + 510] = 0x55;
    img[sector * 512 + 511] = 0xAA;
}

#[test]
fn mbr_with_logical_partitions() {
    let mut img = vec![0u8; 512 * 200];
    mbr_entry(&mut img, 0, 0, 0x83, 2, 10);
    mbr_entry(&mut img, 0, 1, 0x05, 20, 100);
    mbr_entry(&mut img, 20, 0, 0x83, 1, 5);
    mbr_entry(&mut img, 20, 1, 0x05, 30, 10);
    mbr_entry(&mut img, 50, 0, 0x82, 1, 400);
    let mut notes = Vec::new();
    let Table::Mbr(parts) = read(&slice(img), &mut notes).unwrap() else {
        panic!("no mbr")
    };
    let summary: Vec<_> = parts
        .iter()
        .map(|p| (p.number, p.start / 512, p.len / 512))
        .collect();
    assert_eq!(summary, [(1, 2, 10), (5, 21, 5), (6, 51, 149)]);
    assert_eq!(
        notes,
        ["partition 6 runs past the end of the image (is the image truncated?)"]
    );
}

#[test]
fn a_looping_extended_chain_is_cut() {
    let mut img = vec![0u8; 512 * 64];
    mbr_entry(&mut img, 0, 0, 0x05, 10, 50);
    mbr_entry(&mut img, 10, 0, 0x83, 1, 2);
    mbr_entry(&mut img, 10, 1, 0x05, 0, 10);
    let mut notes = Vec::new();
    let Table::Mbr(parts) = read(&slice(img), &mut notes).unwrap() else {
        panic!("no mbr")
    };
    assert_eq!(parts.len(), 1);
    assert_eq!(notes, ["the extended partition chain loops; it was cut"]);
}

fn gpt_image(corrupt_primary: bool) -> Vec<u8> {
    let sectors = 128usize;
    let mut img = vec![0u8; 512 * sectors];
    mbr_entry(&mut img, 0, 0, 0xEE, 1, sectors as u32 - 1);
    img[446 + 2] = 2;
    let mut entries = vec![0u8; 128 * 4];
    let linux = [
        0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D,
        0xE4,
    ];
    entries[..16].copy_from_slice(&linux);
    entries[32..40].copy_from_slice(&40u64.to_le_bytes());
    entries[40..48].copy_from_slice(&59u64.to_le_bytes());
    for (lba, alt, table) in [
        (1u64, sectors as u64 - 1, 2u64),
        (sectors as u64 - 1, 1, 100),
    ] {
        let mut h = vec![0u8; 92];
        h[..8].copy_from_slice(b"EFI PART");
        h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        h[12..16].copy_from_slice(&92u32.to_le_bytes());
        h[24..32].copy_from_slice(&lba.to_le_bytes());
        h[32..40].copy_from_slice(&alt.to_le_bytes());
        h[72..80].copy_from_slice(&table.to_le_bytes());
        h[80..84].copy_from_slice(&4u32.to_le_bytes());
        h[84..88].copy_from_slice(&128u32.to_le_bytes());
        h[88..92].copy_from_slice(&crc32(&entries).to_le_bytes());
        let crc = crc32(&h);
        h[16..20].copy_from_slice(&crc.to_le_bytes());
        let at = lba as usize * 512;
        img[at..at + 92].copy_from_slice(&h);
        let t = table as usize * 512;
        img[t..t + entries.len()].copy_from_slice(&entries);
    }
    if corrupt_primary {
        img[512 + 40] ^= 0xFF;
    }
    img
}

#[test]
fn gpt_and_its_backup() {
    let mut notes = Vec::new();
    let expected = vec![Partition {
        number: 1,
        start: 40 * 512,
        len: 20 * 512,
        kind: "Linux filesystem".into(),
    }];
    assert_eq!(
        read(&slice(gpt_image(false)), &mut notes).unwrap(),
        Table::Gpt(expected.clone())
    );
    assert!(notes.is_empty());
    assert_eq!(
        read(&slice(gpt_image(true)), &mut notes).unwrap(),
        Table::Gpt(expected)
    );
    assert_eq!(notes, ["the primary GPT is damaged; its backup was read"]);
}

#[test]
fn a_gpt_with_both_copies_damaged_is_an_error() {
    let mut img = gpt_image(true);
    let backup = img.len() - 512 + 40;
    img[backup] ^= 0xFF;
    assert!(matches!(
        read(&slice(img), &mut Vec::new()),
        Err(DiskError::Corrupt(_))
    ));
}

#[test]
fn no_table_means_whole_disk() {
    assert_eq!(
        read(&slice(vec![0u8; 4096]), &mut Vec::new()).unwrap(),
        Table::WholeDisk
    );
    assert_eq!(
        read(&slice(vec![0u8; 100]), &mut Vec::new()).unwrap(),
        Table::WholeDisk
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("GLINT_INSPECT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..Default::default()
    })]

    /// Hostile tables: random bytes after a signed MBR, with a GPT header or EBR chains
    /// sprinkled in, never panic and always end.
    #[test]
    fn arbitrary_tables_end_cleanly(
        mut img in proptest::collection::vec(proptest::prelude::any::<u8>(), 4096..40_000),
        gpt in proptest::prelude::any::<bool>(),
        gpt_fixup in proptest::prelude::any::<bool>(),
    ) {
        img[510] = 0x55;
        img[511] = 0xAA;
        if gpt {
            img[446 + 4] = 0xEE;
            img[512..520].copy_from_slice(b"EFI PART");
            img[512 + 12..512 + 16].copy_from_slice(&92u32.to_le_bytes());
            if gpt_fixup {
                img[512 + 84..512 + 88].copy_from_slice(&128u32.to_le_bytes());
                let count = (img.len() as u32) / 1024;
                img[512 + 80..512 + 84].copy_from_slice(&count.to_le_bytes());
                img[512 + 72..512 + 80].copy_from_slice(&2u64.to_le_bytes());
                let len = (img.len() / 1024) * 128;
                let entries = crc32(&img[1024..1024 + len]);
                img[512 + 88..512 + 92].copy_from_slice(&entries.to_le_bytes());
                img[512 + 16..512 + 20].fill(0);
                let crc = crc32(&img[512..512 + 92]);
                img[512 + 16..512 + 20].copy_from_slice(&crc.to_le_bytes());
            }
        }
        let disk = slice(img);
        let mut notes = Vec::new();
        if let Ok(Table::Mbr(parts) | Table::Gpt(parts)) = read(&disk, &mut notes) {
            for p in parts {
                proptest::prop_assert!(p.start < disk.len() && p.start + p.len <= disk.len());
            }
        }
    }
}
