//! From a stored image to a report: open the disk, read the partition table, name what each
//! partition holds, read every ext2/3/4 filesystem, then fill in the report.
//!
//! Each filesystem is read behind `catch_unwind`, so that even a bug in a parser facing a
//! hostile image ends as a "could not inspect" entry rather than taking the caller down.
//! Once a limit is reached nothing more is read, and every partition not yet read says so.

use std::cell::RefCell;
use std::io::{Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use ext4_view::Ext4;

use super::system::{self, Homes};
use super::tree::{Ext4Tree, TreeError, ext4_error};
use super::{Limits, TrustReport};
use crate::disk::{Budget, Disk, DiskError, Qcow2Image, RawImage, SharedDisk, Slice};
use crate::format::DetectedFormat;
use crate::fsprobe::{self, Content};
use crate::partitions::{self, Partition, Table};

/// At most this many notes are kept per filesystem; a badly damaged one could give hundreds.
const MAX_NOTES_PER_FS: usize = 10;

/// Reads `image`, stored in `format`, and reports who could log in to a server booted from
/// it. Never runs anything from the image and never panics; stops at `limits` and says so
/// in [`TrustReport::not_inspected`]. Raw (also `Gpt`/`Mbr`) and qcow2 images are read;
/// other formats are reported as not inspected.
pub fn inspect_filesystems<R: Read + Seek + 'static>(
    image: R,
    format: DetectedFormat,
    limits: &Limits,
) -> TrustReport {
    let mut report = TrustReport::default();
    let budget = Rc::new(Budget::new(
        limits.deadline,
        limits.max_bytes_read,
        limits.max_files,
    ));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run(image, format, &budget, &mut report)
    }));
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(why)) => report.not_inspected.push(why),
        Err(_) => report
            .not_inspected
            .push("the image could not be inspected: the reader failed".to_owned()),
    }
    report
}

/// Opens the disk, lists its partitions, opens each filesystem and reads the systems found.
fn run<R: Read + Seek + 'static>(
    image: R,
    format: DetectedFormat,
    budget: &Rc<Budget>,
    report: &mut TrustReport,
) -> Result<(), String> {
    let disk = open_disk(image, format, budget)?;
    let parts = list_parts(disk, report)?;
    let trees = open_filesystems(parts, budget, report);
    read_systems(trees, report);
    Ok(())
}

/// The partitions of the partition table, or the whole disk when it has none; the table's
/// notes go to the report.
fn list_parts(disk: SharedDisk, report: &mut TrustReport) -> Result<Vec<Part>, String> {
    let size = disk.borrow().size();
    let whole = Slice::new(disk, 0, size);
    let mut notes = Vec::new();
    let table = partitions::read(&whole, &mut notes)
        .map_err(|e| format!("the partition table could not be read: {e}"))?;
    report
        .not_inspected
        .extend(notes.into_iter().map(|n| format!("partition table: {n}")));
    Ok(match table {
        Table::WholeDisk => vec![Part {
            label: "whole disk".to_owned(),
            described: format!("whole disk ({})", human(size)),
            kind: String::new(),
            slice: whole,
        }],
        Table::Mbr(parts) | Table::Gpt(parts) => parts
            .into_iter()
            .map(|p: Partition| Part {
                label: format!("partition {}", p.number),
                described: format!("partition {} ({}, {})", p.number, p.kind, human(p.len)),
                slice: whole.sub(p.start, p.len),
                kind: p.kind,
            })
            .collect(),
    })
}

/// Names what each partition holds in the report and opens the ext2/3/4 filesystems among
/// them, labelled; once a limit is reached, every partition left is reported as not read.
fn open_filesystems(
    parts: Vec<Part>,
    budget: &Rc<Budget>,
    report: &mut TrustReport,
) -> Vec<(String, Ext4Tree)> {
    let mut trees = Vec::new();
    let mut stopped: Option<DiskError> = None;
    for part in parts {
        let label = part.label;
        if let Some(limit) = &stopped {
            report
                .not_inspected
                .push(format!("{label}: not read: {limit}"));
            continue;
        }
        match open_filesystem(&part.slice, &part.kind, budget) {
            Ok((content, tree)) => {
                report
                    .filesystems
                    .push(format!("{}: {content}", part.described));
                match tree {
                    Ok(Some(tree)) => trees.push((label, tree)),
                    Ok(None) => {}
                    Err(why) => report.not_inspected.push(format!("{label}: {why}")),
                }
            }
            Err(e) => {
                report
                    .not_inspected
                    .push(format!("{label}: could not be read: {e}"));
                if e.is_limit() {
                    stopped = Some(e);
                }
            }
        }
    }
    trees
}

/// A partition (or the whole disk) to look into.
struct Part {
    /// "partition 2" or "whole disk".
    label: String,
    /// The label with the partition's type and size.
    described: String,
    /// The partition type, as its table names it.
    kind: String,
    slice: Slice,
}

fn open_disk<R: Read + Seek + 'static>(
    image: R,
    format: DetectedFormat,
    budget: &Rc<Budget>,
) -> Result<SharedDisk, String> {
    let cannot = |e: DiskError| format!("the image could not be read: {e}");
    let raw = RawImage::open(image, Rc::clone(budget)).map_err(cannot)?;
    let disk: Box<dyn Disk> = match format {
        DetectedFormat::Raw | DetectedFormat::Gpt | DetectedFormat::Mbr => Box::new(raw),
        DetectedFormat::Qcow2 => Box::new(Qcow2Image::open(raw).map_err(cannot)?),
        other => {
            return Err(format!(
                "{other} images are not inspected (only raw and qcow2)"
            ));
        }
    };
    Ok(Rc::new(RefCell::new(disk)))
}

/// Names the content and, for ext2/3/4, opens it. The inner result says why a filesystem
/// that should have been read was not.
fn open_filesystem(
    slice: &Slice,
    kind: &str,
    budget: &Rc<Budget>,
) -> Result<(String, Result<Option<Ext4Tree>, String>), DiskError> {
    let content = fsprobe::identify(slice)?;
    let outcome = match &content {
        Content::Ext(name) => {
            let loaded = fsprobe::ext_sanity(slice)
                .map(|()| catch_unwind(AssertUnwindSafe(|| Ext4::load(Box::new(slice.clone())))));
            match loaded {
                Err(why) => Err(format!("{name} could not be read: {why}")),
                Ok(Ok(Ok(fs))) => Ok(Some(Ext4Tree::new(fs, Rc::clone(budget)))),
                Ok(Ok(Err(e))) => Err(format!(
                    "{name} could not be read: {}",
                    ext4_error(e).message
                )),
                Ok(Err(_)) => Err(format!("{name} could not be read: the reader failed")),
            }
        }
        Content::NoAccounts(_) => Ok(None),
        Content::Unsupported(name) => Err(format!("{name} is not supported")),
        Content::Empty if kind == "BIOS boot" => Ok(None),
        Content::Unknown if kind == "BIOS boot" => Ok(None),
        Content::Empty => Err("no filesystem (empty)".to_owned()),
        Content::Unknown => Err("no filesystem that can be recognised".to_owned()),
    };
    let described = match (&content, kind) {
        (Content::Ext(name) | Content::NoAccounts(name) | Content::Unsupported(name), _) => {
            (*name).to_owned()
        }
        (_, "BIOS boot") => "boot loader code".to_owned(),
        (Content::Empty, _) => "empty".to_owned(),
        (Content::Unknown, _) => "unknown".to_owned(),
    };
    Ok((described, outcome))
}

/// Reads the systems found: first every filesystem with `/etc/passwd`, then the others as
/// possible separate `/home` filesystems.
fn read_systems(trees: Vec<(String, Ext4Tree)>, report: &mut TrustReport) {
    let mut homes = Homes::default();
    let mut others = Vec::new();
    let mut roots = 0;
    let mut stopped = false;
    for (label, mut tree) in trees {
        if stopped {
            report
                .not_inspected
                .push(format!("{label}: not read: a limit was reached"));
            continue;
        }
        let mut notes = Vec::new();
        let result = guarded(|| system::inspect_root(&mut tree, report, &mut notes));
        stopped = record(&label, result.as_ref().map(|_| ()), notes, report);
        match result {
            Ok(Some(found)) => {
                roots += 1;
                homes.homes.extend(found.homes);
                homes.key_files.extend(found.key_files);
            }
            Ok(None) => others.push((label, tree)),
            Err(_) => {}
        }
    }
    let mut seen = std::collections::HashSet::new();
    homes.key_files.retain(|k| seen.insert(k.clone()));
    if roots == 0 {
        if !stopped {
            report
                .not_inspected
                .push("no Linux system found: no filesystem holds /etc/passwd".to_owned());
        }
        return;
    }
    for (label, mut tree) in others {
        if stopped {
            break;
        }
        let mut notes = Vec::new();
        let result = guarded(|| system::keys(&mut tree, &homes, Some("/home"), report, &mut notes));
        stopped = record(&label, result.as_ref().map(|_| ()), notes, report);
    }
}

/// Runs one filesystem's reading, turning a panic into an error.
fn guarded<T>(read: impl FnOnce() -> Result<T, TreeError>) -> Result<T, TreeError> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(TreeError {
            message: "the filesystem reader failed".to_owned(),
            fatal: false,
        })
    })
}

/// Files a filesystem's notes and error; true when a limit stopped it.
fn record(
    label: &str,
    result: Result<(), &TreeError>,
    notes: Vec<String>,
    report: &mut TrustReport,
) -> bool {
    let extra = notes.len().saturating_sub(MAX_NOTES_PER_FS);
    report.not_inspected.extend(
        notes
            .into_iter()
            .take(MAX_NOTES_PER_FS)
            .map(|n| format!("{label}: {n}")),
    );
    if extra > 0 {
        report
            .not_inspected
            .push(format!("{label}: {extra} more files could not be read"));
    }
    match result {
        Ok(()) => false,
        Err(e) => {
            report
                .not_inspected
                .push(format!("{label}: could not inspect further: {}", e.message));
            e.fatal
        }
    }
}

/// A size in the largest binary unit that keeps it at least 1.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1024 && unit + 1 < UNITS.len() && value.is_multiple_of(1024) {
        value /= 1024;
        unit += 1;
    }
    if value >= 10 * 1024 && unit + 1 < UNITS.len() {
        return format!("{} {}", value / 1024, UNITS[unit + 1]);
    }
    format!("{value} {}", UNITS[unit])
}
