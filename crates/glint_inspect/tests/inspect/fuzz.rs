//! Fuzzing with proptest: arbitrary bytes and mutated real images fed to the format inspector,
//! the partition readers, the qcow2 reader and the filesystem report. Every case must end
//! without a panic, within its deadline, and (for the inspector) with the same verdict
//! whatever the chunking.
//!
//! The default run is short; set `GLINT_INSPECT_FUZZ_CASES` (e.g. 5000) to run longer.

use std::io::Cursor;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use glint_inspect::{DetectedFormat, Limits, TrustReport, inspect_filesystems};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::formats::inspect_chunked;
use crate::support::{
    self, gpt_disk, mbr_disk, mkfs, mkfs_with, path_str, qcow2_of, run, write_tree,
};

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("GLINT_INSPECT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const DECLARED: [Option<&str>; 9] = [
    None,
    Some("raw"),
    Some("qcow2"),
    Some("vmdk"),
    Some("vhd"),
    Some("vhdx"),
    Some("vdi"),
    Some("iso"),
    Some("ami"),
];

/// Real images to mutate: format samples, and one small ext4 system in several layouts.
struct Samples {
    formats: Vec<Vec<u8>>,
    /// (format to read it as, bytes, where its metadata lives)
    disks: Vec<(DetectedFormat, Vec<u8>, usize)>,
}

fn samples() -> &'static Samples {
    static SAMPLES: OnceLock<Samples> = OnceLock::new();
    SAMPLES.get_or_init(build_samples)
}

fn build_samples() -> Samples {
    let mut formats = vec![gpt_disk(&[&[3u8; 4096]]), mbr_disk(&[(0x83, &[4u8; 4096])])];
    let mut disks = Vec::new();
    let dir = support::scratch();
    if support::have_tools("fuzz samples from qemu-img", &["qemu-img"]) {
        for (format, options) in [
            ("qcow2", ""),
            ("vmdk", ""),
            ("vmdk", "subformat=streamOptimized"),
            ("vpc", ""),
            ("vdi", ""),
            ("vhdx", ""),
        ] {
            let path = dir.path().join(format!("s.{format}"));
            let mut args = vec!["create", "-q", "-f", format];
            if !options.is_empty() {
                args.extend_from_slice(&["-o", options]);
            }
            args.extend_from_slice(&[path_str(&path), "16M"]);
            run("qemu-img", &args);
            formats.push(std::fs::read(&path).expect("sample"));
        }
    }
    if support::have_tools("fuzz samples from mkfs.ext4", &["mkfs.ext4", "qemu-img"]) {
        let root = dir.path().join("root");
        write_tree(
            &root,
            &[
                (
                    "etc/passwd",
                    "root:x:0:0::/root:/bin/bash\nu:x:1000:1000::/home/u:/bin/sh\n",
                ),
                ("etc/shadow", "root:*:1::::::\nu:$6$x$y:1::::::\n"),
                ("etc/os-release", "ID=fuzz\n"),
                ("etc/sudoers", "@includedir /etc/sudoers.d\n"),
                ("etc/sudoers.d/u", "u ALL=(ALL) NOPASSWD:ALL\n"),
                ("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*\n"),
                ("etc/ssh/sshd_config.d/a", "PasswordAuthentication yes\n"),
                (
                    "home/u/.ssh/authorized_keys",
                    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH k\n",
                ),
            ],
        );
        let fs_path = dir.path().join("fs.ext4");
        mkfs(&root, &fs_path, 4);
        let fs_bytes = std::fs::read(&fs_path).expect("fs");
        // Without checksums most mutations reach the parsers instead of failing a checksum.
        for (name, options) in [
            ("nocsum.ext4", &["-O", "^metadata_csum"][..]),
            ("plain.ext2", &["-t", "ext2"][..]),
        ] {
            let path = dir.path().join(name);
            mkfs_with(&root, &path, 4, options);
            disks.push((
                DetectedFormat::Raw,
                std::fs::read(&path).expect("fs"),
                512 * 1024,
            ));
        }
        let gpt = gpt_disk(&[&fs_bytes]);
        let qcow2 = qcow2_from(dir.path(), &fs_bytes);
        disks.push((DetectedFormat::Raw, fs_bytes.clone(), 512 * 1024));
        disks.push((DetectedFormat::Gpt, gpt, 40 * 1024));
        disks.push((DetectedFormat::Mbr, mbr_disk(&[(0x83, &fs_bytes)]), 1024));
        disks.push((DetectedFormat::Qcow2, qcow2, 64 * 1024));
    }
    Samples { formats, disks }
}

fn qcow2_from(dir: &Path, raw: &[u8]) -> Vec<u8> {
    let source = support::file(dir, "q.raw", raw);
    let target = dir.join("q.qcow2");
    qcow2_of(&source, &target, &["-o", "cluster_size=4096"]);
    std::fs::read(&target).expect("qcow2")
}

/// Byte changes: each at a position drawn from the metadata area or from anywhere.
fn mutations() -> impl Strategy<Value = Vec<(bool, Index, u8)>> {
    prop::collection::vec(
        (prop::bool::weighted(0.8), any::<Index>(), any::<u8>()),
        1..24,
    )
}

fn mutate(bytes: &[u8], hot: usize, changes: &[(bool, Index, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.is_empty() {
        return out;
    }
    for (in_hot, index, value) in changes {
        let span = if *in_hot {
            hot.min(out.len())
        } else {
            out.len()
        };
        let at = index.index(span);
        out[at] = *value;
    }
    out
}

/// Runs the report with a short deadline and checks it ended in time and without a panic
/// being caught inside.
fn report_terminates(format: DetectedFormat, bytes: Vec<u8>) -> TrustReport {
    let budget = Duration::from_secs(5);
    let limits = Limits {
        max_bytes_read: 64 << 20,
        max_files: 2_000,
        deadline: Instant::now() + budget,
    };
    let started = Instant::now();
    let report = inspect_filesystems(Cursor::new(bytes), format, &limits);
    assert!(
        started.elapsed() < budget + Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        !report
            .not_inspected
            .iter()
            .any(|n| n.contains("reader failed")),
        "a reader panicked: {:?}",
        report.not_inspected
    );
    report
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn format_inspector_on_arbitrary_bytes(
        data in prop::collection::vec(any::<u8>(), 0..6000),
        declared in prop::sample::select(DECLARED.to_vec()),
        chunk in 1usize..700,
    ) {
        let whole = inspect_chunked(declared, &data, data.len());
        prop_assert_eq!(inspect_chunked(declared, &data, chunk), whole);
    }

    #[test]
    fn format_inspector_on_mutated_samples(
        which in any::<Index>(),
        changes in mutations(),
        declared in prop::sample::select(DECLARED.to_vec()),
        chunk in 1usize..100_000,
    ) {
        let formats = &samples().formats;
        let data = mutate(&formats[which.index(formats.len())], 1 << 20, &changes);
        let whole = inspect_chunked(declared, &data, data.len());
        prop_assert_eq!(inspect_chunked(declared, &data, chunk), whole);
    }
}

proptest! {
    #![proptest_config(config(12))]

    #[test]
    fn report_on_arbitrary_bytes(
        mut data in prop::collection::vec(any::<u8>(), 0..70_000),
        qcow2_header in any::<bool>(),
        mbr in any::<bool>(),
    ) {
        if qcow2_header && data.len() >= 4 {
            data[..4].copy_from_slice(b"QFI\xfb");
        }
        if mbr && data.len() >= 512 {
            data[510..512].copy_from_slice(&[0x55, 0xAA]);
        }
        let format = if qcow2_header { DetectedFormat::Qcow2 } else { DetectedFormat::Raw };
        report_terminates(format, data);
    }

    #[test]
    fn report_on_mutated_disks(which in any::<Index>(), changes in mutations()) {
        let disks = &samples().disks;
        if disks.is_empty() {
            return Ok(());
        }
        let (format, bytes, hot) = &disks[which.index(disks.len())];
        report_terminates(*format, mutate(bytes, *hot, &changes));
    }
}

#[test]
fn unmutated_fuzz_disks_are_read_fully() {
    for (format, bytes, _) in &samples().disks {
        let report = report_terminates(*format, bytes.clone());
        assert_eq!(report.not_inspected, Vec::<String>::new(), "{format}");
        assert_eq!(report.ssh_keys.len(), 1, "{format}");
        assert_eq!(report.nopasswd_sudo.len(), 1, "{format}");
    }
}
