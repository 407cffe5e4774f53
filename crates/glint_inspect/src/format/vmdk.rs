//! VMDK recognition: the binary sparse header with its embedded descriptor, and text-only
//! descriptor files, with the rules that keep a VMDK from pointing qemu at other files.
//!
//! Only single-file VMDKs are safe to accept: a `monolithicSparse` or `streamOptimized` image
//! whose descriptor, embedded at sector 1, lists exactly one `SPARSE` extent (the file
//! itself). A text descriptor has no data of its own, so its extents are always other files;
//! a sparse header with no capacity makes qemu open the extents its descriptor names. Both are
//! refused, as are descriptors with lines the reference does not understand.

use super::{Candidate, DetectedFormat};
use crate::endian::{has, u32_le, u64_le};

pub(crate) const MAGIC: &[u8] = b"KDMV";
/// Where the embedded descriptor must start, and how long it may be (as qemu has it).
const DESC_OFFSET: u64 = 0x200;
pub(crate) const DESC_MAX: usize = (1 << 20) - 1;
/// The grain directory offset that means "see the footer at the end of the stream".
const GD_AT_END: u64 = u64::MAX;
/// The stream-optimized tail: footer marker, footer header, end-of-stream marker.
pub(crate) const FOOTER_LEN: usize = 1536;
const MIN_SPARSE_HEADER: usize = 64;
const MAX_SUBFORMAT_LEN: usize = 64;
const ALLOWED_SUBFORMATS: [&str; 2] = ["monolithicsparse", "streamoptimized"];

/// Recognises a VMDK from the start of the stream and (for the footer) its last bytes.
pub(crate) fn probe(head: &[u8], tail: &[u8]) -> Option<Candidate> {
    if has(head, 0, MAGIC) {
        return (head.len() >= MIN_SPARSE_HEADER).then(|| sparse(head, tail));
    }
    text_descriptor(head)
}

fn sparse(head: &[u8], tail: &[u8]) -> Candidate {
    let mut problems = Vec::new();
    let version = u32_le(head, 4).unwrap_or(0);
    if !(1..=3).contains(&version) {
        problems.push(format!("vmdk version {version} is not supported"));
    }
    let capacity = u64_le(head, 12).unwrap_or(0);
    if capacity == 0 {
        problems.push(
            "vmdk header has no capacity, so qemu would open the files its descriptor names"
                .to_owned(),
        );
    }
    let desc_sec = u64_le(head, 28).unwrap_or(0);
    let desc_num = u64_le(head, 36).unwrap_or(0);
    if desc_sec.checked_mul(512) != Some(DESC_OFFSET) {
        problems.push("vmdk descriptor is not embedded at sector 1".to_owned());
    } else {
        let len = usize::try_from(desc_num.saturating_mul(512))
            .unwrap_or(DESC_MAX)
            .min(DESC_MAX);
        let start = DESC_OFFSET as usize;
        let end = start.saturating_add(len).min(head.len());
        let desc = head.get(start..end).unwrap_or_default();
        problems.extend(descriptor_problems(until_nul(desc), true));
    }
    if u64_le(head, 56) == Some(GD_AT_END) {
        problems.extend(footer_problems(head, tail));
    }
    Candidate {
        format: DetectedFormat::Vmdk,
        virtual_size: capacity.checked_mul(512),
        problems,
    }
}

/// A text-only descriptor: printable ASCII with a `createType`.
fn text_descriptor(head: &[u8]) -> Option<Candidate> {
    let first = &head[..head.len().min(512)];
    if first.len() < MIN_SPARSE_HEADER || !first.iter().all(|b| is_text(*b)) {
        return None;
    }
    let text = String::from_utf8_lossy(until_nul(&head[..head.len().min(DESC_MAX)]));
    subformat(&text.to_ascii_lowercase())?;
    let extent = text
        .lines()
        .map(str::trim)
        .find(|l| is_extent(&l.to_ascii_lowercase()))
        .map(|l| format!(" (extent {})", shorten(l)))
        .unwrap_or_default();
    Some(Candidate {
        format: DetectedFormat::Vmdk,
        virtual_size: None,
        problems: vec![format!(
            "vmdk descriptor file without data refers to other files{extent}; only \
             single-file vmdk images are allowed"
        )],
    })
}

fn is_text(b: u8) -> bool {
    b.is_ascii_graphic() || matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn until_nul(data: &[u8]) -> &[u8] {
    data.iter()
        .position(|b| *b == 0)
        .map_or(data, |at| &data[..at])
}

fn subformat(lower: &str) -> Option<String> {
    const KEY: &str = "createtype=\"";
    let start = lower.find(KEY)? + KEY.len();
    let len = lower[start..].find('"')?;
    (len < MAX_SUBFORMAT_LEN).then(|| lower[start..start + len].to_owned())
}

fn is_extent(lower_line: &str) -> bool {
    let first = lower_line.split(' ').next().unwrap_or_default();
    matches!(first, "rw" | "rdonly" | "noaccess")
}

fn shorten(line: &str) -> String {
    let cut: String = line.chars().take(80).collect();
    if cut.len() < line.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Checks an embedded descriptor line by line, as the reference does, and adds the
/// single-file rule.
fn descriptor_problems(desc: &[u8], embedded: bool) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(desc) else {
        return vec!["vmdk descriptor is not ASCII text".to_owned()];
    };
    if !text.is_ascii() {
        return vec!["vmdk descriptor is not ASCII text".to_owned()];
    }
    let lower = text.to_ascii_lowercase();
    let Some(kind) = subformat(&lower) else {
        return vec!["vmdk descriptor has no createType".to_owned()];
    };
    if !ALLOWED_SUBFORMATS.contains(&kind.as_str()) {
        return vec![format!(
            "vmdk subformat {kind} is not allowed (only monolithicSparse and streamOptimized)"
        )];
    }
    let mut extents = Vec::new();
    for line in lower.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with("ddb") {
            continue;
        }
        if is_extent(line) {
            extents.push(line);
        } else if !line
            .split('=')
            .next()
            .is_some_and(|key| line.contains('=') && !key.contains(' '))
        {
            return vec![format!(
                "vmdk descriptor has an invalid line: {}",
                shorten(line)
            )];
        }
    }
    let mut problems = Vec::new();
    if extents.is_empty() {
        problems.push("vmdk descriptor has no extents".to_owned());
    }
    if extents.iter().any(|e| e.contains('/')) {
        problems.push("vmdk extent refers to a path outside the image".to_owned());
    }
    if embedded && extents.len() > 1 {
        problems.push(format!(
            "vmdk descriptor has {} extents; only single-file images are allowed",
            extents.len()
        ));
    }
    if embedded {
        for extent in &extents {
            let kind = extent.split_whitespace().nth(2).unwrap_or_default();
            if kind != "sparse" {
                problems.push(format!(
                    "vmdk extent refers to another file: {}",
                    shorten(extent)
                ));
            }
        }
    }
    problems
}

/// The stream-optimized footer must repeat the header and end the stream properly.
fn footer_problems(head: &[u8], tail: &[u8]) -> Vec<String> {
    if tail.len() < FOOTER_LEN {
        return vec!["vmdk footer is missing".to_owned()];
    }
    let marker = &tail[..512];
    let footer = &tail[512..1024];
    let eos = &tail[1024..];
    let mut problems = Vec::new();
    if head.get(..4) != footer.get(..4) {
        problems.push("vmdk header and footer signatures do not match".to_owned());
    }
    if u32_le(head, 4) != u32_le(footer, 4) {
        problems.push("vmdk header and footer versions do not match".to_owned());
    }
    if (u64_le(head, 28), u64_le(head, 36)) != (u64_le(footer, 28), u64_le(footer, 36)) {
        problems.push("vmdk footer names a different descriptor than the header".to_owned());
    }
    if u64_le(footer, 56) == Some(GD_AT_END) {
        problems.push("vmdk footer points at another footer".to_owned());
    }
    let zeros = |b: &[u8]| b.get(16..512).is_some_and(|z| z.iter().all(|x| *x == 0));
    if u32_le(marker, 8) != Some(0) || u32_le(marker, 12) != Some(3) || !zeros(marker) {
        problems.push("vmdk footer marker is invalid".to_owned());
    }
    if u64_le(eos, 0) != Some(0)
        || u32_le(eos, 8) != Some(0)
        || u32_le(eos, 12) != Some(0)
        || !zeros(eos)
    {
        problems.push("vmdk end-of-stream marker is invalid".to_owned());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sparse_image(capacity: u64, descriptor: &str) -> Vec<u8> {
        let mut h = vec![0u8; 0x200 + 20 * 512];
        h[..4].copy_from_slice(MAGIC);
        h[4..8].copy_from_slice(&1u32.to_le_bytes());
        h[12..20].copy_from_slice(&capacity.to_le_bytes());
        h[28..36].copy_from_slice(&1u64.to_le_bytes());
        h[36..44].copy_from_slice(&20u64.to_le_bytes());
        h[0x200..0x200 + descriptor.len()].copy_from_slice(descriptor.as_bytes());
        h
    }

    const GOOD: &str = "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\n\
        createType=\"monolithicSparse\"\n\nRW 204800 SPARSE \"x.vmdk\"\n\n\
        ddb.virtualHWVersion = \"4\"\n";

    #[test]
    fn a_monolithic_sparse_image_is_safe() {
        let c = probe(&sparse_image(204_800, GOOD), &[]).unwrap();
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.virtual_size, Some(204_800 * 512));
    }

    #[test]
    fn extents_pointing_elsewhere_are_problems() {
        let two = GOOD.replace(
            "RW 204800 SPARSE \"x.vmdk\"",
            "RW 1 SPARSE \"a\"\nRW 1 FLAT \"b\" 0",
        );
        let problems = probe(&sparse_image(2, &two), &[]).unwrap().problems;
        assert!(
            problems.iter().any(|p| p.contains("2 extents")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("another file")),
            "{problems:?}"
        );
        let slash = GOOD.replace("\"x.vmdk\"", "\"/etc/shadow\"");
        assert!(
            !probe(&sparse_image(9, &slash), &[])
                .unwrap()
                .problems
                .is_empty()
        );
        assert!(
            !probe(&sparse_image(0, GOOD), &[])
                .unwrap()
                .problems
                .is_empty()
        );
        let flat = GOOD.replace("monolithicSparse", "monolithicFlat");
        let p = probe(&sparse_image(9, &flat), &[]).unwrap().problems;
        assert!(p[0].contains("monolithicflat is not allowed"), "{p:?}");
    }

    #[test]
    fn a_stream_footer_must_repeat_the_header_and_end_the_stream() {
        let mut head = sparse_image(
            204_800,
            &GOOD.replace("monolithicSparse", "streamOptimized"),
        );
        head[56..64].copy_from_slice(&u64::MAX.to_le_bytes());
        let mut tail = vec![0u8; FOOTER_LEN];
        tail[12..16].copy_from_slice(&3u32.to_le_bytes());
        tail[512..1024].copy_from_slice(&head[..512]);
        tail[512 + 56..512 + 64].copy_from_slice(&0x40u64.to_le_bytes());
        assert!(probe(&head, &tail).unwrap().problems.is_empty());
        let mut bad = tail.clone();
        bad[1024 + 12] = 9;
        assert_eq!(
            probe(&head, &bad).unwrap().problems,
            ["vmdk end-of-stream marker is invalid"]
        );
        let problems = probe(&head, &tail[..1000]).unwrap().problems;
        assert_eq!(problems, ["vmdk footer is missing"]);
    }

    #[test]
    fn a_text_descriptor_is_recognised_and_refused() {
        let text = GOOD
            .replace("monolithicSparse", "monolithicFlat")
            .replace("SPARSE", "FLAT");
        let c = probe(text.as_bytes(), &[]).unwrap();
        assert_eq!(c.format, DetectedFormat::Vmdk);
        assert!(
            c.problems[0].contains("refers to other files"),
            "{:?}",
            c.problems
        );
        assert!(
            probe(
                b"just some text that is long enough to be looked at, but no type here.",
                &[]
            )
            .is_none()
        );
    }
}
