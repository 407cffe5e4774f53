//! Reading fixed-width integers out of untrusted byte buffers.
//!
//! Every reader returns `None` when the buffer is too short, so a parser of hostile data never
//! indexes out of bounds; callers decide what a missing field means.

pub(crate) fn bytes<const N: usize>(buf: &[u8], at: usize) -> Option<[u8; N]> {
    let end = at.checked_add(N)?;
    buf.get(at..end)?.try_into().ok()
}

pub(crate) fn u16_le(buf: &[u8], at: usize) -> Option<u16> {
    bytes(buf, at).map(u16::from_le_bytes)
}

pub(crate) fn u32_le(buf: &[u8], at: usize) -> Option<u32> {
    bytes(buf, at).map(u32::from_le_bytes)
}

pub(crate) fn u64_le(buf: &[u8], at: usize) -> Option<u64> {
    bytes(buf, at).map(u64::from_le_bytes)
}

pub(crate) fn u32_be(buf: &[u8], at: usize) -> Option<u32> {
    bytes(buf, at).map(u32::from_be_bytes)
}

pub(crate) fn u64_be(buf: &[u8], at: usize) -> Option<u64> {
    bytes(buf, at).map(u64::from_be_bytes)
}

/// Whether `buf` holds `magic` at offset `at`.
pub(crate) fn has(buf: &[u8], at: usize, magic: &[u8]) -> bool {
    at.checked_add(magic.len())
        .and_then(|end| buf.get(at..end))
        .is_some_and(|found| found == magic)
}

/// A GUID as it is written in GPT and VHDX (mixed endian), in its usual upper-case text form.
pub(crate) fn guid(buf: &[u8], at: usize) -> Option<String> {
    let raw: [u8; 16] = bytes(buf, at)?;
    let a = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
    let b = u16::from_le_bytes([raw[4], raw[5]]);
    let c = u16::from_le_bytes([raw[6], raw[7]]);
    let tail: String = raw[10..].iter().map(|x| format!("{x:02X}")).collect();
    Some(format!(
        "{a:08X}-{b:04X}-{c:04X}-{:02X}{:02X}-{tail}",
        raw[8], raw[9]
    ))
}

/// CRC-32 (IEEE, as GPT uses it).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_buffers_give_none() {
        assert_eq!(u32_le(&[1, 2, 3], 0), None);
        assert_eq!(u64_be(&[0; 8], 1), None);
        assert_eq!(u16_le(&[1, 2], usize::MAX), None);
        assert!(!has(b"abc", usize::MAX, b"a"));
    }

    #[test]
    fn crc32_matches_the_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn guid_is_mixed_endian() {
        // The Linux filesystem data GUID as stored on disk.
        let raw = [
            0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47,
            0x7D, 0xE4,
        ];
        assert_eq!(
            guid(&raw, 0).as_deref(),
            Some("0FC63DAF-8483-4772-8E79-3D69D8477DE4")
        );
    }
}
