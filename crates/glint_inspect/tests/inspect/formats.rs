//! Format inspection on samples made by qemu-img and genisoimage, and on hand-made ones:
//! detection, virtual sizes, mismatches, unsafe images, and the same verdict whatever the
//! chunking.

use std::fs;
use std::path::Path;

use glint_inspect::{DetectedFormat, FormatInspector, Inspection, Refusal, RefusalKind};

use crate::support::{self, gpt_disk, mbr_disk, path_str, run};

/// Feeds `data` in chunks of `size` bytes.
pub fn inspect_chunked(
    declared: Option<&str>,
    data: &[u8],
    size: usize,
) -> Result<Inspection, Refusal> {
    let mut inspector = FormatInspector::new(declared);
    for chunk in data.chunks(size.max(1)) {
        inspector.feed(chunk)?;
    }
    inspector.finish()
}

/// The verdict, checked to be the same for whole buffers, single bytes and odd chunk sizes.
fn verdict(declared: Option<&str>, data: &[u8]) -> Result<Inspection, Refusal> {
    let whole = inspect_chunked(declared, data, data.len());
    // Tiny chunks on big samples only cost time in debug builds: they are kept for the
    // samples that fit in the retained head, where chunk boundaries matter.
    let mut sizes = vec![4093, 65_537];
    if data.len() <= 2 << 20 {
        sizes.extend([3, 511]);
    }
    if data.len() <= 256 << 10 {
        sizes.push(1);
    }
    for size in sizes {
        assert_eq!(
            inspect_chunked(declared, data, size),
            whole,
            "chunks of {size} bytes"
        );
    }
    whole
}

fn accepted(declared: Option<&str>, data: &[u8]) -> (DetectedFormat, Option<u64>) {
    let inspection = verdict(declared, data).unwrap_or_else(|r| panic!("refused: {}", r.message));
    (inspection.detected, inspection.virtual_size)
}

fn refused(declared: Option<&str>, data: &[u8], kind: RefusalKind) -> String {
    let refusal = verdict(declared, data).expect_err("should be refused");
    assert_eq!(refusal.kind, kind, "{}", refusal.message);
    refusal.message
}

/// `qemu-img create` in `dir`, returning the file's bytes and qemu's idea of its size.
fn qemu_create(
    dir: &Path,
    name: &str,
    format: &str,
    size: &str,
    options: &[&str],
) -> (Vec<u8>, u64) {
    let path = dir.join(name);
    let mut args = vec!["create", "-q", "-f", format];
    args.extend_from_slice(options);
    args.extend_from_slice(&[path_str(&path), size]);
    run("qemu-img", &args);
    (fs::read(&path).expect("image"), qemu_virtual_size(&path))
}

/// A fresh `format` image of `size` (`bytes` by qemu's count): accepted as `detected` with that
/// virtual size when declared as what it is, refused as a mismatch when declared raw.
fn held_to_its_format(
    dir: &Path,
    format: &str,
    size: &str,
    bytes: u64,
    detected: DetectedFormat,
) -> Vec<u8> {
    let (data, qemu_size) = qemu_create(dir, &format!("x.{format}"), format, size, &[]);
    assert_eq!(qemu_size, bytes);
    assert_eq!(accepted(Some(format), &data), (detected, Some(bytes)));
    assert_eq!(
        refused(Some("raw"), &data, RefusalKind::Mismatch),
        format!("Image disk_format raw does not match stream data {format}")
    );
    data
}

fn qemu_virtual_size(path: &Path) -> u64 {
    let info = run("qemu-img", &["info", "--output=json", path_str(path)]);
    let line = info
        .lines()
        .rev()
        .find(|l| l.contains("\"virtual-size\""))
        .expect("virtual-size");
    line.trim()
        .trim_start_matches("\"virtual-size\":")
        .trim()
        .trim_end_matches(',')
        .parse()
        .expect("a number")
}

#[test]
fn qcow2_is_detected_sized_and_held_to_its_declared_format() {
    if !support::have_tools("qcow2 formats", &["qemu-img"]) {
        return;
    }
    let dir = support::scratch();
    let qcow2 = held_to_its_format(dir.path(), "qcow2", "1G", 1 << 30, DetectedFormat::Qcow2);
    assert_eq!(
        accepted(None, &qcow2),
        (DetectedFormat::Qcow2, Some(1 << 30))
    );
    assert_eq!(
        refused(Some("vmdk"), &qcow2, RefusalKind::Mismatch),
        "Image disk_format vmdk does not match stream data qcow2"
    );
    let tolerant = FormatInspector::new(Some("raw")).require_format_match(false);
    let mut tolerant = tolerant;
    tolerant.feed(&qcow2).expect("fed");
    let inspection = tolerant.finish().expect("tolerated");
    assert_eq!(
        (inspection.detected, inspection.virtual_size),
        (DetectedFormat::Qcow2, None)
    );
}

#[test]
fn raw_data_declared_as_another_format_is_refused() {
    let raw = vec![0x5Au8; (1 << 20) + 4096];
    assert_eq!(
        accepted(Some("raw"), &raw),
        (DetectedFormat::Raw, Some((1 << 20) + 4096))
    );
    for declared in ["qcow2", "vdi", "vhdx"] {
        let message = refused(Some(declared), &raw, RefusalKind::Mismatch);
        assert!(message.starts_with(&format!(
            "Image disk_format {declared} does not match stream data"
        )));
    }
    for declared in ["vmdk", "vhd", "iso"] {
        assert_eq!(
            refused(Some(declared), &raw, RefusalKind::Mismatch),
            format!("Image disk_format {declared} does not match stream data raw")
        );
    }
    assert_eq!(accepted(Some("ami"), &raw), (DetectedFormat::Raw, None));
    assert_eq!(accepted(Some("raw"), &[]), (DetectedFormat::Raw, Some(0)));
}

#[test]
fn qcow2_with_a_backing_file_or_data_file_is_unsafe() {
    if !support::have_tools("unsafe qcow2", &["qemu-img"]) {
        return;
    }
    let dir = support::scratch();
    qemu_create(dir.path(), "base.qcow2", "qcow2", "64M", &[]);
    let base = path_str(&dir.path().join("base.qcow2")).to_owned();
    let (top, _) = qemu_create(
        dir.path(),
        "top.qcow2",
        "qcow2",
        "64M",
        &["-b", &base, "-F", "qcow2"],
    );
    for declared in [Some("qcow2"), Some("raw"), None] {
        let message = refused(declared, &top, RefusalKind::Unsafe);
        assert_eq!(
            message,
            "Image failed safety checks: qcow2 image has a backing file"
        );
    }
    let data_file = dir.path().join("data.raw");
    let option = format!("data_file={}", path_str(&data_file));
    let (external, _) = qemu_create(dir.path(), "ext.qcow2", "qcow2", "64M", &["-o", &option]);
    let message = refused(Some("qcow2"), &external, RefusalKind::Unsafe);
    assert!(message.contains("external data file"), "{message}");
    let mut inspector = FormatInspector::new(Some("qcow2"));
    assert!(
        inspector.feed(&top[..512]).is_err(),
        "refused as soon as the header is in"
    );
    assert!(inspector.feed(&top[512..]).is_err(), "and stays refused");
}

#[test]
fn vmdk_single_file_images_pass_and_descriptors_pointing_elsewhere_do_not() {
    if !support::have_tools("vmdk formats", &["qemu-img"]) {
        return;
    }
    let dir = support::scratch();
    held_to_its_format(dir.path(), "vmdk", "100M", 100 << 20, DetectedFormat::Vmdk);

    let source = support::file(
        dir.path(),
        "src.raw",
        &mbr_disk(&[(0x83, &vec![7u8; 300_000])]),
    );
    let stream = dir.path().join("stream.vmdk");
    let src = path_str(&source);
    run(
        "qemu-img",
        &[
            "convert",
            "-O",
            "vmdk",
            "-o",
            "subformat=streamOptimized",
            src,
            path_str(&stream),
        ],
    );
    let bytes = fs::read(&stream).expect("vmdk");
    assert_eq!(
        accepted(Some("vmdk"), &bytes),
        (DetectedFormat::Vmdk, Some(qemu_virtual_size(&stream)))
    );
    // A header that defers to a footer at the end of the stream, where there is none.
    let mut deferred = bytes.clone();
    deferred[56..64].copy_from_slice(&u64::MAX.to_le_bytes());
    let message = refused(Some("vmdk"), &deferred, RefusalKind::Unsafe);
    assert!(message.contains("vmdk footer"), "{message}");

    for subformat in [
        "monolithicFlat",
        "twoGbMaxExtentSparse",
        "twoGbMaxExtentFlat",
    ] {
        let name = format!("{subformat}.vmdk");
        let (descriptor, _) = qemu_create(
            dir.path(),
            &name,
            "vmdk",
            "10M",
            &["-o", &format!("subformat={subformat}")],
        );
        let message = refused(Some("vmdk"), &descriptor, RefusalKind::Unsafe);
        assert!(
            message.contains("refers to other files"),
            "{subformat}: {message}"
        );
    }
}

#[test]
fn vhd_vhdx_and_vdi_are_detected_with_their_sizes() {
    if !support::have_tools("vhd vhdx vdi", &["qemu-img"]) {
        return;
    }
    let dir = support::scratch();
    let (vhd, size) = qemu_create(dir.path(), "x.vhd", "vpc", "100M", &[]);
    assert_eq!(
        accepted(Some("vhd"), &vhd),
        (DetectedFormat::Vhd, Some(size))
    );
    let (vhdx, size) = qemu_create(dir.path(), "x.vhdx", "vhdx", "100M", &[]);
    assert_eq!(
        accepted(Some("vhdx"), &vhdx),
        (DetectedFormat::Vhdx, Some(size))
    );
    let (vdi, size) = qemu_create(dir.path(), "x.vdi", "vdi", "100M", &[]);
    assert_eq!(
        accepted(Some("vdi"), &vdi),
        (DetectedFormat::Vdi, Some(size))
    );
    assert_eq!(
        refused(Some("qcow2"), &vhd, RefusalKind::Mismatch),
        "Image disk_format qcow2 does not match stream data: it has no qcow2 header"
    );

    // A fixed VHD is a raw disk (here with an MBR) followed by the footer. qemu counts the
    // footer in its virtual size; the footer itself records the disk without it.
    let source = support::file(
        dir.path(),
        "src.raw",
        &mbr_disk(&[(0x83, &vec![1u8; 2 << 20])]),
    );
    let fixed = dir.path().join("fixed.vhd");
    let src = path_str(&source);
    run(
        "qemu-img",
        &[
            "convert",
            "-O",
            "vpc",
            "-o",
            "subformat=fixed",
            src,
            path_str(&fixed),
        ],
    );
    let bytes = fs::read(&fixed).expect("vhd");
    let footer_size = qemu_virtual_size(&fixed) - 512;
    assert_eq!(
        accepted(Some("vhd"), &bytes),
        (DetectedFormat::Vhd, Some(footer_size))
    );

    let (qed, _) = qemu_create(dir.path(), "x.qed", "qed", "10M", &[]);
    assert!(refused(Some("raw"), &qed, RefusalKind::Unsafe).contains("qed"));
}

/// A minimal ISO 9660 volume: a primary volume descriptor and the terminator.
fn hand_made_iso(blocks: u32) -> Vec<u8> {
    let mut iso = vec![0u8; blocks as usize * 2048];
    let pvd = &mut iso[0x8000..];
    pvd[0] = 1;
    pvd[1..6].copy_from_slice(b"CD001");
    pvd[6] = 1;
    pvd[80..84].copy_from_slice(&blocks.to_le_bytes());
    pvd[84..88].copy_from_slice(&blocks.to_be_bytes());
    pvd[128..130].copy_from_slice(&2048u16.to_le_bytes());
    pvd[130..132].copy_from_slice(&2048u16.to_be_bytes());
    pvd[2048] = 255;
    pvd[2049..2054].copy_from_slice(b"CD001");
    iso
}

#[test]
fn iso_images_and_partitioned_raw_disks() {
    let iso = hand_made_iso(40);
    assert_eq!(
        accepted(Some("iso"), &iso),
        (DetectedFormat::Iso, Some(40 * 2048))
    );
    assert_eq!(
        accepted(Some("raw"), &iso),
        (DetectedFormat::Iso, Some(40 * 2048))
    );
    let mut hybrid = iso.clone();
    hybrid[446 + 4] = 0x83;
    hybrid[446 + 8] = 1;
    hybrid[510..512].copy_from_slice(&[0x55, 0xAA]);
    assert_eq!(
        accepted(Some("iso"), &hybrid),
        (DetectedFormat::Iso, Some(40 * 2048))
    );

    let gpt = gpt_disk(&[&[9u8; 4096]]);
    assert_eq!(
        accepted(Some("raw"), &gpt),
        (DetectedFormat::Gpt, Some(gpt.len() as u64))
    );
    assert_eq!(accepted(Some("gpt"), &gpt).0, DetectedFormat::Gpt);
    assert_eq!(
        refused(Some("qcow2"), &gpt, RefusalKind::Mismatch),
        "Image disk_format qcow2 does not match stream data: it has no qcow2 header"
    );
    assert_eq!(
        refused(Some("vmdk"), &gpt, RefusalKind::Mismatch),
        "Image disk_format vmdk does not match stream data gpt"
    );
    let mbr = mbr_disk(&[(0x83, &[1u8; 4096])]);
    assert_eq!(
        accepted(Some("raw"), &mbr),
        (DetectedFormat::Mbr, Some(mbr.len() as u64))
    );
    let mut bad_flag = mbr.clone();
    bad_flag[446] = 0x12;
    assert!(refused(Some("raw"), &bad_flag, RefusalKind::Unsafe).contains("invalid boot flag"));

    if support::have_tools("genisoimage", &["genisoimage"]) {
        let dir = support::scratch();
        support::write_tree(&dir.path().join("cd"), &[("README", "hello\n")]);
        let out = dir.path().join("x.iso");
        let cd = dir.path().join("cd");
        run(
            "genisoimage",
            &["-quiet", "-o", path_str(&out), path_str(&cd)],
        );
        let bytes = fs::read(&out).expect("iso");
        assert_eq!(
            accepted(Some("iso"), &bytes),
            (DetectedFormat::Iso, Some(bytes.len() as u64))
        );
    }
}
