//! VHDX: the identifier at the start, and the virtual size followed through the region table
//! to the metadata region while the stream goes by.
//!
//! The region table sits at 192 KiB; it names the metadata region, whose table (at most 2047
//! entries of 32 bytes) names the "virtual disk size" item. Each step can only look forward in
//! the stream: if an item lies before what has been kept, the size stays unknown.

use super::capture::Window;
use crate::endian::{guid, has, u16_le, u32_le, u64_le};

pub(crate) const MAGIC: &[u8] = b"vhdxfile";
const REGION_TABLE: u64 = 192 * 1024;
const REGION_TABLE_LEN: usize = 64 * 1024;
const METADATA_REGION: &str = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
const VIRTUAL_DISK_SIZE: &str = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
const MAX_ENTRIES: u64 = 2047;
const METADATA_TABLE_LEN: usize = 32 * 2048;

/// Where the search for the virtual size has got to.
#[derive(Debug, Clone)]
pub(crate) enum VhdxSize {
    /// Waiting for the region table.
    RegionTable(Window),
    /// Waiting for the metadata table at this offset.
    MetadataTable(Window),
    /// Waiting for the 8-byte size item.
    Item(Window),
    Found(u64),
    /// Not a VHDX, or its structures could not be followed.
    Unknown,
}

impl VhdxSize {
    pub(crate) fn new() -> Self {
        Self::RegionTable(Window::new(REGION_TABLE, REGION_TABLE_LEN))
    }

    pub(crate) fn value(&self) -> Option<u64> {
        match self {
            Self::Found(size) => Some(*size),
            _ => None,
        }
    }

    /// Feeds one chunk (starting at stream offset `start`) and moves on as far as it allows.
    /// `head` is the start of the stream, already holding this chunk where it covers it.
    pub(crate) fn absorb(&mut self, head: &Window, start: u64, chunk: &[u8]) {
        if matches!(self, Self::RegionTable(_))
            && head.data().len() >= MAGIC.len()
            && !has(head.data(), 0, MAGIC)
        {
            *self = Self::Unknown;
            return;
        }
        loop {
            let next = match self {
                Self::RegionTable(w) | Self::MetadataTable(w) | Self::Item(w) => {
                    w.absorb_window(head);
                    w.absorb(start, chunk);
                    if w.missed() {
                        Some(Self::Unknown)
                    } else if w.is_complete() {
                        Some(self.step())
                    } else {
                        None
                    }
                }
                Self::Found(_) | Self::Unknown => None,
            };
            match next {
                Some(state) => *self = state,
                None => return,
            }
        }
    }

    /// The stream ended: a window cut short by the end gives what it can.
    pub(crate) fn finish(&mut self) {
        if let Self::MetadataTable(w) = self
            && w.data().len() >= 32
        {
            *self = self.step();
        }
        if !matches!(self, Self::Found(_)) {
            *self = Self::Unknown;
        }
    }

    fn step(&self) -> Self {
        match self {
            Self::RegionTable(w) => metadata_table(w.data()).unwrap_or(Self::Unknown),
            Self::MetadataTable(w) => size_item(w).unwrap_or(Self::Unknown),
            Self::Item(w) => u64_le(w.data(), 0).map_or(Self::Unknown, Self::Found),
            Self::Found(_) | Self::Unknown => Self::Unknown,
        }
    }
}

/// Finds the metadata region in the region table.
fn metadata_table(table: &[u8]) -> Option<VhdxSize> {
    if !has(table, 0, b"regi") {
        return None;
    }
    let count = u64::from(u32_le(table, 8)?);
    if count > MAX_ENTRIES {
        return None;
    }
    (0..count as usize).find_map(|i| {
        let at = 16 + i * 32;
        (guid(table, at)? == METADATA_REGION).then(|| {
            u64_le(table, at + 16)
                .map(|offset| VhdxSize::MetadataTable(Window::new(offset, METADATA_TABLE_LEN)))
        })?
    })
}

/// Finds the virtual disk size item in the metadata table.
fn size_item(window: &Window) -> Option<VhdxSize> {
    let table = window.data();
    if !has(table, 0, b"metadata") {
        return None;
    }
    let count = u64::from(u16_le(table, 10)?);
    if count > MAX_ENTRIES {
        return None;
    }
    let region_start = window.start();
    (0..count as usize).find_map(|i| {
        let at = 32 + i * 32;
        (guid(table, at)? == VIRTUAL_DISK_SIZE).then(|| {
            let offset = u64::from(u32_le(table, at + 16)?);
            let mut item = Window::new(region_start.checked_add(offset)?, 8);
            item.absorb_window(window);
            Some(VhdxSize::Item(item))
        })?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guid_bytes(text: &str) -> [u8; 16] {
        let hex: String = text.chars().filter(|c| *c != '-').collect();
        let b: Vec<u8> = (0..16)
            .map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap())
            .collect();
        [
            b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13],
            b[14], b[15],
        ]
    }

    /// A minimal VHDX: region table at 192 KiB, metadata region at 1 MiB, item at +64 KiB.
    pub(crate) fn sample(size: u64) -> Vec<u8> {
        let meta = 1 << 20;
        let mut img = vec![0u8; meta + 64 * 1024 + 4096];
        img[..8].copy_from_slice(MAGIC);
        let rt = REGION_TABLE as usize;
        img[rt..rt + 4].copy_from_slice(b"regi");
        img[rt + 8..rt + 12].copy_from_slice(&1u32.to_le_bytes());
        img[rt + 16..rt + 32].copy_from_slice(&guid_bytes(METADATA_REGION));
        img[rt + 32..rt + 40].copy_from_slice(&(meta as u64).to_le_bytes());
        img[meta..meta + 8].copy_from_slice(b"metadata");
        img[meta + 10..meta + 12].copy_from_slice(&1u16.to_le_bytes());
        img[meta + 32..meta + 48].copy_from_slice(&guid_bytes(VIRTUAL_DISK_SIZE));
        img[meta + 48..meta + 52].copy_from_slice(&(64u32 * 1024).to_le_bytes());
        img[meta + 64 * 1024..meta + 64 * 1024 + 8].copy_from_slice(&size.to_le_bytes());
        img
    }

    #[test]
    fn size_is_found_whatever_the_chunking() {
        let img = sample(5 << 30);
        for chunk in [1usize, 4093, 65_536, img.len()] {
            let mut head = Window::new(0, 1 << 20);
            let mut state = VhdxSize::new();
            let mut pos = 0u64;
            for piece in img.chunks(chunk) {
                head.absorb(pos, piece);
                state.absorb(&head, pos, piece);
                pos += piece.len() as u64;
            }
            state.finish();
            assert_eq!(state.value(), Some(5 << 30), "chunk {chunk}");
        }
    }
}
