//! Streaming format inspection of uploaded image data: what format the bytes are in, whether
//! that matches the declared `disk_format`, the virtual size from the format's header, and
//! whether the image is safe to hand to qemu.
//!
//! A [`FormatInspector`] sees every chunk once, in order, and keeps only what detection needs:
//! the first MiB (headers, the VMDK descriptor, the VHDX region table, ISO volume
//! descriptors, the MBR and GPT), the last 1.5 KiB (the VHD footer and the VMDK stream
//! footer) and the VHDX metadata table. It never reads the data again and never holds more
//! than about 1.1 MiB, whatever the image's size.
//!
//! The rules follow the reference (Glance's `require_image_format_match` with the oslo.utils
//! format inspector) with these deliberate differences, all on the safe side: raw declared but
//! data in a rich format (qcow2, vmdk, vhd, vhdx, vdi) is refused, where the reference lets it
//! through; a VMDK descriptor that names any file other than the image itself is refused; a
//! fixed VHD (footer only at the end) is recognised; content that matches two formats is
//! refused as unsafe (the reference treats it as a mismatch).

mod capture;
mod decide;
mod qcow2;
mod signatures;
mod vhdx;
mod vmdk;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::endian::has;
use capture::{Tail, Window};
pub(crate) use signatures::looks_like_fat;
use vhdx::VhdxSize;

/// How much of the start of the stream is kept: the embedded VMDK descriptor may run to
/// 1 MiB after sector 1; everything else detection needs lies within it.
const HEAD_LEN: usize = 0x200 + vmdk::DESC_MAX;
/// Enough of the start to judge a header early.
const EARLY_LEN: usize = 512;

/// A format recognised in the data. `Gpt` and `Mbr` are raw disks with a partition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectedFormat {
    /// No format recognised: the bytes are the disk.
    Raw,
    Qcow2,
    /// A single-file sparse VMDK (monolithicSparse or streamOptimized), or a descriptor.
    Vmdk,
    /// Dynamic or fixed VHD (qemu's "vpc").
    Vhd,
    Vhdx,
    Vdi,
    /// ISO 9660 or UDF, also when it carries a hybrid boot sector.
    Iso,
    /// A raw disk with a GPT (behind its protective MBR).
    Gpt,
    /// A raw disk with an MBR partition table.
    Mbr,
}

impl DetectedFormat {
    /// The name used in messages (`"gpt"` and `"mbr"` for partitioned raw disks).
    pub fn name(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Qcow2 => "qcow2",
            Self::Vmdk => "vmdk",
            Self::Vhd => "vhd",
            Self::Vhdx => "vhdx",
            Self::Vdi => "vdi",
            Self::Iso => "iso",
            Self::Gpt => "gpt",
            Self::Mbr => "mbr",
        }
    }

    /// The `disk_format` this data is, in the Image API's words (partitioned disks are raw).
    pub fn disk_format(self) -> &'static str {
        match self {
            Self::Gpt | Self::Mbr => "raw",
            other => other.name(),
        }
    }
}

impl std::str::FromStr for DetectedFormat {
    type Err = String;

    /// Parses a [`name`](Self::name), e.g. a stored detection or a `disk_format`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let all = [
            Self::Raw,
            Self::Qcow2,
            Self::Vmdk,
            Self::Vhd,
            Self::Vhdx,
            Self::Vdi,
            Self::Iso,
            Self::Gpt,
            Self::Mbr,
        ];
        all.into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("{name} is not a format this inspector knows"))
    }
}

impl fmt::Display for DetectedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an upload is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The data is not in the declared `disk_format`.
    Mismatch,
    /// The image would make qemu read other files, or is otherwise not safe to accept.
    Unsafe,
}

/// An upload the inspector refuses, with a message for the client that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    pub message: String,
}

impl Refusal {
    /// The status the reference answers an upload with (it maps both kinds to 415).
    pub fn http_status(&self) -> u16 {
        415
    }

    fn mismatch(message: String) -> Self {
        Self {
            kind: RefusalKind::Mismatch,
            message,
        }
    }

    fn unsafe_image(problems: &[String]) -> Self {
        Self {
            kind: RefusalKind::Unsafe,
            message: format!("Image failed safety checks: {}", problems.join("; ")),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

/// The inspector runs inside upload observers, which must be `Send`.
const _: () = {
    const fn send<T: Send>() {}
    send::<FormatInspector>();
    send::<Refusal>();
};

/// What an accepted stream turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub detected: DetectedFormat,
    /// The disk's size as the format records it; `None` when unknown, or when the data does
    /// not match the declared format and matching is not required.
    pub virtual_size: Option<u64>,
    /// The number of bytes inspected.
    pub size: u64,
}

/// One format's reading of the data.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) format: DetectedFormat,
    pub(crate) virtual_size: Option<u64>,
    /// Safety problems; empty when the image is safe in this format.
    pub(crate) problems: Vec<String>,
}

/// Inspects an upload chunk by chunk. Feed every chunk in order, then call
/// [`finish`](Self::finish) once the stream has ended.
#[derive(Debug, Clone)]
pub struct FormatInspector {
    declared: Option<String>,
    require_match: bool,
    head: Window,
    tail: Tail,
    vhdx: VhdxSize,
    position: u64,
    early_done: bool,
    refused: Option<Refusal>,
}

impl FormatInspector {
    /// An inspector for data declared as `declared_disk_format` (`None`: nothing declared, so
    /// nothing to mismatch). Mismatches are refused unless
    /// [`require_format_match(false)`](Self::require_format_match) is set.
    pub fn new(declared_disk_format: Option<&str>) -> Self {
        Self {
            declared: declared_disk_format.map(str::to_ascii_lowercase),
            require_match: true,
            head: Window::new(0, HEAD_LEN),
            tail: Tail::new(vmdk::FOOTER_LEN),
            vhdx: VhdxSize::new(),
            position: 0,
            early_done: false,
            refused: None,
        }
    }

    /// Whether data in another format than the declared one is refused (the default, as the
    /// reference's `require_image_format_match = true`). Unsafe images are refused either way.
    pub fn require_format_match(mut self, required: bool) -> Self {
        self.require_match = required;
        self
    }

    /// Takes the next chunk. Refuses as soon as the start of the data settles it (a qcow2
    /// header that is unsafe, or a declared qcow2/vdi/vhdx without its header); once refused,
    /// every later call returns the same refusal.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Refusal> {
        if let Some(refusal) = &self.refused {
            return Err(refusal.clone());
        }
        let start = self.position;
        self.head.absorb(start, chunk);
        self.tail.absorb(chunk);
        self.vhdx.absorb(&self.head, start, chunk);
        self.position = start.saturating_add(chunk.len() as u64);
        if !self.early_done && self.head.data().len() >= EARLY_LEN {
            self.early_done = true;
            if let Some(refusal) = self.early_refusal() {
                self.refused = Some(refusal.clone());
                return Err(refusal);
            }
        }
        Ok(())
    }

    /// How many bytes have been fed.
    pub fn bytes_seen(&self) -> u64 {
        self.position
    }

    /// The verdict once the whole stream has been fed.
    pub fn finish(mut self) -> Result<Inspection, Refusal> {
        if let Some(refusal) = self.refused {
            return Err(refusal);
        }
        self.vhdx.finish();
        let head = self.head.data();
        let tail = self.tail.data();
        let size = self.position;
        let mut candidates: Vec<Candidate> = [
            qcow2::probe(head),
            vmdk::probe(head, tail),
            has(head, 0, vhdx::MAGIC).then(|| Candidate {
                format: DetectedFormat::Vhdx,
                virtual_size: self.vhdx.value(),
                problems: Vec::new(),
            }),
            signatures::vdi(head),
            signatures::iso(head),
            signatures::partitioned(head, size),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut fixed_vhd = false;
        if let Some((vhd, fixed)) = signatures::vhd(head, tail) {
            candidates.push(vhd);
            fixed_vhd = fixed;
        }
        let found = decide::Found {
            candidates,
            fixed_vhd,
            qed: has(head, 0, b"QED\0"),
            size,
        };
        decide::decide(self.declared.as_deref(), self.require_match, found)
    }

    fn early_refusal(&self) -> Option<Refusal> {
        let head = self.head.data();
        if has(head, 0, qcow2::MAGIC) {
            let problems = qcow2::problems(head);
            if !problems.is_empty() {
                return Some(Refusal::unsafe_image(&problems));
            }
        }
        let declared = self.declared.as_deref()?;
        let magic_present = match declared {
            "qcow2" => has(head, 0, qcow2::MAGIC),
            "vdi" => signatures::vdi(head).is_some(),
            "vhdx" => has(head, 0, vhdx::MAGIC),
            _ => return None,
        };
        (self.require_match && !magic_present).then(|| {
            Refusal::mismatch(format!(
                "Image disk_format {declared} does not match stream data: it has no {declared} \
                 header"
            ))
        })
    }
}
