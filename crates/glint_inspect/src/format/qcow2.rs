//! qcow2 header recognition and the safety rules the reference applies to it.
//!
//! Only the fixed header at the start of the file is read. A qcow2 image is unsafe to hand to
//! qemu when it names another file (a backing file, or an external data file) or uses
//! incompatible features this check does not know; version 1 images are refused as the
//! reference refuses them.

use super::{Candidate, DetectedFormat};
use crate::endian::{has, u32_be, u64_be};

pub(crate) const MAGIC: &[u8] = b"QFI\xfb";

/// Incompatible feature bits qemu documents and that are harmless to accept: dirty (0),
/// corrupt (1), external data file (2, refused on its own) and compression type (3).
const KNOWN_INCOMPATIBLE: u64 = 0b1111;
const EXTERNAL_DATA_FILE: u64 = 1 << 2;

/// Length of the version 2 header; version 3 adds fields up to 104 bytes.
const V2_HEADER_LEN: usize = 72;
const V3_HEADER_LEN: usize = 104;

/// Recognises a qcow2 header at the start of `head`.
pub(crate) fn probe(head: &[u8]) -> Option<Candidate> {
    if !has(head, 0, MAGIC) || head.len() < V2_HEADER_LEN {
        return None;
    }
    let virtual_size = u64_be(head, 24);
    Some(Candidate {
        format: DetectedFormat::Qcow2,
        virtual_size,
        problems: problems(head),
    })
}

/// Why this header is unsafe; empty when it is not.
pub(crate) fn problems(head: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let version = u32_be(head, 4).unwrap_or(0);
    if version != 2 && version != 3 {
        found.push(format!("qcow2 version {version} is not supported"));
    }
    if u64_be(head, 8).unwrap_or(0) != 0 {
        found.push("qcow2 image has a backing file".to_owned());
    }
    if version == 3 {
        match (head.len() >= V3_HEADER_LEN)
            .then(|| u64_be(head, 72))
            .flatten()
        {
            Some(features) => {
                if features & EXTERNAL_DATA_FILE != 0 {
                    found.push("qcow2 image has an external data file".to_owned());
                }
                if features & !KNOWN_INCOMPATIBLE != 0 {
                    found.push(format!(
                        "qcow2 image uses unknown incompatible features ({:#x})",
                        features & !KNOWN_INCOMPATIBLE
                    ));
                }
            }
            None => found.push("qcow2 version 3 header is truncated".to_owned()),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(version: u32, backing: u64, features: u64) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..4].copy_from_slice(MAGIC);
        h[4..8].copy_from_slice(&version.to_be_bytes());
        h[8..16].copy_from_slice(&backing.to_be_bytes());
        h[20..24].copy_from_slice(&16u32.to_be_bytes());
        h[24..32].copy_from_slice(&(1u64 << 30).to_be_bytes());
        h[72..80].copy_from_slice(&features.to_be_bytes());
        h
    }

    #[test]
    fn a_plain_header_is_safe_and_sized() {
        let c = probe(&header(3, 0, 0b1000)).unwrap();
        assert_eq!(c.virtual_size, Some(1 << 30));
        assert!(c.problems.is_empty(), "{:?}", c.problems);
    }

    #[test]
    fn backing_file_data_file_and_unknown_bits_are_problems() {
        assert_eq!(
            problems(&header(3, 0x200, 0)),
            ["qcow2 image has a backing file"]
        );
        assert_eq!(
            problems(&header(3, 0, 0b100)),
            ["qcow2 image has an external data file"]
        );
        assert_eq!(problems(&header(3, 0, 1 << 4)).len(), 1);
        assert_eq!(
            problems(&header(1, 0, 0)),
            ["qcow2 version 1 is not supported"]
        );
        // Version 2 has no feature field: whatever sits there is ignored.
        assert!(problems(&header(2, 0, u64::MAX)).is_empty());
    }

    #[test]
    fn too_short_is_not_qcow2() {
        assert!(probe(&header(3, 0, 0)[..40]).is_none());
    }
}
