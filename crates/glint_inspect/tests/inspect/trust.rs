//! The trust report on real images: ext4 made by mkfs.ext4 from a known tree, bare, inside an
//! MBR and a GPT, and converted to qcow2; a clean image; damaged and unsupported ones.

use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, Instant};

use glint_inspect::{DetectedFormat, Limits, TrustReport, inspect_filesystems};

use crate::fixtures::{OS_RELEASE, PASSWD, SHADOW, dirty};
use crate::support::{self, gpt_disk, mbr_disk, mkfs, qcow2_of, write_tree};

const TOOLS: &[&str] = &["mkfs.ext4", "qemu-img", "ssh-keygen"];

fn limits() -> Limits {
    Limits::with_timeout(Duration::from_secs(30))
}

fn inspect(path: &Path, format: DetectedFormat) -> TrustReport {
    inspect_filesystems(File::open(path).expect("image"), format, &limits())
}

fn without_layout(mut report: TrustReport) -> (TrustReport, Vec<String>) {
    let filesystems = std::mem::take(&mut report.filesystems);
    (report, filesystems)
}

#[test]
fn the_report_lists_exactly_what_was_put_in_on_every_layout() {
    if !support::have_tools("trust report layouts", TOOLS) {
        return;
    }
    let d = dirty();
    let fs_bytes = fs::read(&d.fs).expect("fs image");
    let mbr = support::file(d.dir.path(), "mbr.raw", &mbr_disk(&[(0x83, &fs_bytes)]));
    let gpt = support::file(d.dir.path(), "gpt.raw", &gpt_disk(&[&fs_bytes]));
    let qcow2_whole = d.dir.path().join("whole.qcow2");
    let qcow2_gpt = d.dir.path().join("gpt.qcow2");
    qcow2_of(&d.fs, &qcow2_whole, &[]);
    qcow2_of(&gpt, &qcow2_gpt, &["-o", "cluster_size=4096"]);

    let cases = [
        (&d.fs, DetectedFormat::Raw, "whole disk (32 MiB): ext4"),
        (
            &mbr,
            DetectedFormat::Mbr,
            "partition 1 (Linux, 32 MiB): ext4",
        ),
        (
            &gpt,
            DetectedFormat::Gpt,
            "partition 1 (Linux filesystem, 32 MiB): ext4",
        ),
        (
            &qcow2_whole,
            DetectedFormat::Qcow2,
            "whole disk (32 MiB): ext4",
        ),
        (
            &qcow2_gpt,
            DetectedFormat::Qcow2,
            "partition 1 (Linux filesystem, 32 MiB): ext4",
        ),
    ];
    for (path, format, layout) in cases {
        let (report, filesystems) = without_layout(inspect(path, format));
        assert_eq!(report, d.expected, "{}", path.display());
        assert_eq!(filesystems, [layout], "{}", path.display());
    }
    let report = inspect(&d.fs, DetectedFormat::Raw);
    assert_eq!(
        report.warnings(),
        [
            "uid 0 account toor",
            "2 preinstalled SSH keys (root, deploy)",
            "user deploy can log in with a password",
            "sudo without password: /etc/sudoers.d/x",
            "sshd allows password login",
        ]
    );
    assert!(!report.is_clean());
    assert!(
        !format!("{report:?}").contains("$6$"),
        "a password hash leaked into the report"
    );
}

#[test]
fn a_clean_image_reports_clean() {
    if !support::have_tools("clean image", TOOLS) {
        return;
    }
    let dir = support::scratch();
    let root = dir.path().join("root");
    write_tree(
        &root,
        &[
            (
                "etc/passwd",
                "root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000::/home/user:/bin/bash\n",
            ),
            ("etc/shadow", "root:*:19700::::::\nuser:!:19700::::::\n"),
            ("etc/os-release", OS_RELEASE),
            (
                "etc/sudoers",
                "root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n",
            ),
            (
                "etc/ssh/sshd_config",
                "PasswordAuthentication no\nPermitRootLogin prohibit-password\n",
            ),
            (
                "home/user/.ssh/known_hosts",
                "example.org ssh-ed25519 AAAA\n",
            ),
        ],
    );
    let image = dir.path().join("clean.ext4");
    mkfs(&root, &image, 16);
    let qcow2 = dir.path().join("clean.qcow2");
    qcow2_of(&image, &qcow2, &[]);
    for (path, format) in [
        (&image, DetectedFormat::Raw),
        (&qcow2, DetectedFormat::Qcow2),
    ] {
        let report = inspect(path, format);
        assert_eq!(report.warnings(), Vec::<String>::new(), "{report:#?}");
        assert!(report.is_clean());
        assert_eq!(report.login_users.len(), 2);
        assert_eq!(report.os.and_then(|o| o.id).as_deref(), Some("glinttest"));
    }
}

#[test]
fn unsupported_filesystems_and_damage_are_reported_not_hidden() {
    if !support::have_tools("unsupported and damaged", TOOLS) {
        return;
    }
    let d = dirty();
    let fs_bytes = fs::read(&d.fs).expect("fs image");
    let mut xfs = vec![0u8; 1 << 20];
    xfs[..4].copy_from_slice(b"XFSB");
    let mut lvm = vec![0u8; 1 << 20];
    lvm[512..520].copy_from_slice(b"LABELONE");
    let disk = gpt_disk(&[&fs_bytes, &xfs, &lvm]);
    let path = support::file(d.dir.path(), "mixed.raw", &disk);
    let report = inspect(&path, DetectedFormat::Gpt);
    assert_eq!(
        report.not_inspected,
        [
            "partition 2: xfs is not supported",
            "partition 3: LVM is not supported"
        ]
    );
    assert_eq!(report.ssh_keys.len(), 2);
    assert!(
        report
            .warnings()
            .contains(&"2 parts of the image could not be inspected".to_owned())
    );

    // Cut short: the filesystem's end (and the backup GPT) is gone.
    let cut = support::file(d.dir.path(), "cut.raw", &disk[..disk.len() / 3]);
    let report = inspect(&cut, DetectedFormat::Gpt);
    assert!(!report.not_inspected.is_empty(), "{report:#?}");
    assert!(!report.is_clean());

    // Compressed qcow2 clusters are not decompressed: said so, not silently skipped.
    let compressed = d.dir.path().join("compressed.qcow2");
    qcow2_of(&d.fs, &compressed, &["-c"]);
    let report = inspect(&compressed, DetectedFormat::Qcow2);
    assert!(
        report
            .not_inspected
            .iter()
            .any(|n| n.contains("compressed qcow2 clusters are not supported")),
        "{report:#?}"
    );

    let vmdk = d.dir.path().join("x.vmdk");
    support::run(
        "qemu-img",
        &[
            "convert",
            "-O",
            "vmdk",
            support::path_str(&d.fs),
            support::path_str(&vmdk),
        ],
    );
    let report = inspect(&vmdk, DetectedFormat::Vmdk);
    assert_eq!(
        report.not_inspected,
        ["vmdk images are not inspected (only raw and qcow2)"]
    );
}

#[test]
fn symlink_loops_and_limits_end_in_not_inspected() {
    if !support::have_tools("loops and limits", TOOLS) {
        return;
    }
    let dir = support::scratch();
    let root = dir.path().join("root");
    write_tree(&root, &[("etc/passwd", PASSWD), ("etc/shadow", SHADOW)]);
    std::os::unix::fs::symlink("b", root.join("etc/a")).expect("link");
    std::os::unix::fs::symlink("a", root.join("etc/b")).expect("link");
    std::os::unix::fs::symlink("a", root.join("etc/os-release")).expect("link");
    fs::create_dir_all(root.join("home/deploy")).expect("home");
    std::os::unix::fs::symlink("../deploy/.ssh", root.join("home/deploy/.ssh")).expect("link");
    let image = dir.path().join("loops.ext4");
    mkfs(&root, &image, 16);

    let report = inspect(&image, DetectedFormat::Raw);
    assert!(
        report
            .not_inspected
            .iter()
            .any(|n| n.contains("could not read /etc/os-release: too many or too long symlinks")),
        "{report:#?}"
    );
    assert!(
        report
            .not_inspected
            .iter()
            .any(|n| n.contains("/home/deploy/.ssh/authorized_keys")),
        "{report:#?}"
    );
    assert_eq!(report.login_users.len(), 3);

    // Each budget, spent, is named among what was not inspected.
    for (budget, named) in [
        (
            Limits {
                max_bytes_read: 64 * 1024,
                ..limits()
            },
            "limit on bytes read",
        ),
        (
            Limits {
                deadline: Instant::now(),
                ..limits()
            },
            "time limit",
        ),
        (
            Limits {
                max_files: 3,
                ..limits()
            },
            "limit on files",
        ),
    ] {
        let image = File::open(&image).expect("image");
        let report = inspect_filesystems(image, DetectedFormat::Raw, &budget);
        assert!(
            report.not_inspected.iter().any(|n| n.contains(named)),
            "{named}: {report:#?}"
        );
    }
}
