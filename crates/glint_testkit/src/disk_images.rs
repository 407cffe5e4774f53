//! Real disk images for tests, built with the system's tools (qemu-img, mkfs.ext4,
//! ssh-keygen, genisoimage) and hand-written partition tables.
//!
//! A test whose tools are missing is skipped with a message, unless
//! `GLINT_INSPECT_REQUIRE_TOOLS=1` is set, which makes it fail instead.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether every tool is installed; if not, says which test is skipped (or fails when tools
/// are required).
pub fn have_tools(test: &str, tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("GLINT_INSPECT_REQUIRE_TOOLS").is_none(),
        "{test}: missing tools {missing:?}"
    );
    eprintln!("SKIPPED {test}: missing tools {missing:?}");
    false
}

/// Runs a command, failing the test when it fails; returns its standard output.
pub fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// A key made by ssh-keygen: its public line and the fingerprint `ssh-keygen -lf` prints.
pub struct Key {
    pub public: String,
    pub fingerprint: String,
}

pub fn ssh_key(dir: &Path, name: &str, comment: &str) -> Key {
    let private = dir.join(name);
    run(
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            comment,
            "-f",
            path_str(&private),
        ],
    );
    let public = fs::read_to_string(private.with_extension("pub")).expect("public key");
    let listed = run(
        "ssh-keygen",
        &["-lf", path_str(&private.with_extension("pub"))],
    );
    let fingerprint = listed
        .split_whitespace()
        .nth(1)
        .expect("fingerprint")
        .to_owned();
    Key {
        public,
        fingerprint,
    }
}

/// Writes `files` (path, content) under `root`, creating directories.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let target = root.join(path.trim_start_matches('/'));
        fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        fs::write(&target, content).expect("write");
    }
}

/// An ext4 filesystem image of `mib` MiB filled from `root`.
pub fn mkfs(root: &Path, image: &Path, mib: u32) {
    mkfs_with(root, image, mib, &[]);
}

/// Like [`mkfs`], with extra `mkfs.ext4` options (e.g. `-t ext2`, `-O ^metadata_csum`).
pub fn mkfs_with(root: &Path, image: &Path, mib: u32, options: &[&str]) {
    let size = format!("{mib}M");
    let mut args = vec!["-q", "-F"];
    args.extend_from_slice(options);
    args.extend_from_slice(&["-d", path_str(root), path_str(image), &size]);
    run("mkfs.ext4", &args);
}

pub fn qcow2_of(source: &Path, target: &Path, extra: &[&str]) {
    let mut args = vec!["convert", "-O", "qcow2"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[path_str(source), path_str(target)]);
    run("qemu-img", &args);
}

const START_SECTOR: u64 = 2048;

/// A disk with an MBR holding the given partitions (type, image), each 1 MiB aligned.
pub fn mbr_disk(parts: &[(u8, &[u8])]) -> Vec<u8> {
    let mut disk = vec![0u8; 512 * START_SECTOR as usize];
    let mut next = START_SECTOR;
    for (slot, (kind, data)) in parts.iter().enumerate() {
        let sectors = (data.len() as u64)
            .div_ceil(512)
            .next_multiple_of(START_SECTOR);
        let e = &mut disk[446 + 16 * slot..][..16];
        e[4] = *kind;
        e[8..12].copy_from_slice(&(next as u32).to_le_bytes());
        e[12..16].copy_from_slice(&(sectors as u32).to_le_bytes());
        disk.resize(((next + sectors) * 512) as usize, 0);
        disk[(next * 512) as usize..][..data.len()].copy_from_slice(data);
        next += sectors;
    }
    disk[510] = 0x55;
    disk[511] = 0xAA;
    disk
}

/// GPT partition type GUIDs as stored on disk.
pub const LINUX_FS: [u8; 16] = [
    0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4,
];

/// A disk with a GPT (protective MBR, both headers and entry arrays) holding the partitions.
pub fn gpt_disk(parts: &[&[u8]]) -> Vec<u8> {
    let sizes: Vec<u64> = parts
        .iter()
        .map(|d| {
            (d.len() as u64)
                .div_ceil(512)
                .next_multiple_of(START_SECTOR)
        })
        .collect();
    let total = START_SECTOR + sizes.iter().sum::<u64>() + START_SECTOR;
    let mut disk = vec![0u8; (total * 512) as usize];
    let mut entries = vec![0u8; 128 * 128];
    let mut next = START_SECTOR;
    for (i, (data, sectors)) in parts.iter().zip(&sizes).enumerate() {
        let e = &mut entries[i * 128..][..128];
        e[..16].copy_from_slice(&LINUX_FS);
        e[16] = i as u8 + 1;
        e[32..40].copy_from_slice(&next.to_le_bytes());
        e[40..48].copy_from_slice(&(next + sectors - 1).to_le_bytes());
        disk[(next * 512) as usize..][..data.len()].copy_from_slice(data);
        next += sectors;
    }
    let last = total - 1;
    let pmbr = &mut disk[446..462];
    pmbr[1..4].copy_from_slice(&[0, 2, 0]);
    pmbr[4] = 0xEE;
    pmbr[8..12].copy_from_slice(&1u32.to_le_bytes());
    pmbr[12..16].copy_from_slice(&(last.min(u32::MAX as u64) as u32).to_le_bytes());
    disk[510] = 0x55;
    disk[511] = 0xAA;
    let entries_crc = crc32(&entries);
    for (lba, alternate, table) in [(1, last, 2), (last, 1, last - 32)] {
        let mut h = vec![0u8; 92];
        h[..8].copy_from_slice(b"EFI PART");
        h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        h[12..16].copy_from_slice(&92u32.to_le_bytes());
        h[24..32].copy_from_slice(&lba.to_le_bytes());
        h[32..40].copy_from_slice(&alternate.to_le_bytes());
        h[40..48].copy_from_slice(&34u64.to_le_bytes());
        h[48..56].copy_from_slice(&(last - 33).to_le_bytes());
        h[72..80].copy_from_slice(&table.to_le_bytes());
        h[80..84].copy_from_slice(&128u32.to_le_bytes());
        h[84..88].copy_from_slice(&128u32.to_le_bytes());
        h[88..92].copy_from_slice(&entries_crc.to_le_bytes());
        let crc = crc32(&h);
        h[16..20].copy_from_slice(&crc.to_le_bytes());
        disk[(lba * 512) as usize..][..92].copy_from_slice(&h);
        disk[(table * 512) as usize..][..entries.len()].copy_from_slice(&entries);
    }
    disk
}

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A temporary directory for one test's files.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

pub fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("write image");
    path
}
