//! The format check of image data while it streams in: every chunk goes through the format
//! inspector, which refuses data that does not match the image's `disk_format` (when the
//! setting requires a match, as by default) and images that are unsafe whatever the setting
//! (a qcow2 with a backing or external data file, a VMDK naming other files). The store layer
//! turns a refusal into nothing stored; the API answers 415 with the inspector's reason.

use glint_blob::UploadObserver;
use glint_inspect::{DetectedFormat, FormatInspector, Inspection};

/// Watches one upload; after a successful one it knows the data's format and virtual size.
#[derive(Debug)]
pub(crate) struct FormatCheck {
    inspector: Option<FormatInspector>,
    verdict: Option<Inspection>,
}

impl FormatCheck {
    /// A check of data declared as `disk_format` (`None`: not declared yet, so only safety
    /// is checked).
    pub(crate) fn new(disk_format: Option<&str>, require_match: bool) -> Self {
        FormatCheck {
            inspector: Some(FormatInspector::new(disk_format).require_format_match(require_match)),
            verdict: None,
        }
    }

    /// The disk's size as its format records it (the data's size for raw disks); `None`
    /// before the upload ended or when the format does not say.
    pub(crate) fn virtual_size(&self) -> Option<i64> {
        self.verdict
            .as_ref()
            .and_then(|v| v.virtual_size)
            .and_then(|size| i64::try_from(size).ok())
    }

    /// What the data turned out to be, once the upload ended.
    pub(crate) fn detected(&self) -> Option<DetectedFormat> {
        self.verdict.as_ref().map(|v| v.detected)
    }
}

impl UploadObserver for FormatCheck {
    fn chunk(&mut self, chunk: &[u8]) -> Result<(), String> {
        match self.inspector.as_mut() {
            Some(inspector) => inspector.feed(chunk).map_err(|refusal| refusal.message),
            None => Err("the data was already inspected".to_owned()),
        }
    }

    fn end(&mut self) -> Result<(), String> {
        let inspector = self
            .inspector
            .take()
            .ok_or_else(|| "the data was already inspected".to_owned())?;
        let inspection = inspector.finish().map_err(|refusal| refusal.message)?;
        self.verdict = Some(inspection);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qcow2_header(virtual_size: u64) -> Vec<u8> {
        let mut head = vec![0_u8; 4096];
        head[..4].copy_from_slice(b"QFI\xfb");
        head[4..8].copy_from_slice(&3_u32.to_be_bytes());
        head[20..24].copy_from_slice(&16_u32.to_be_bytes()); // cluster_bits
        head[24..32].copy_from_slice(&virtual_size.to_be_bytes());
        head[100..104].copy_from_slice(&104_u32.to_be_bytes()); // header_length
        head
    }

    #[test]
    fn raw_data_declared_raw_gets_its_size() {
        let mut check = FormatCheck::new(Some("raw"), true);
        check.chunk(&[7; 3000]).unwrap();
        check.chunk(&[9; 1000]).unwrap();
        check.end().unwrap();
        assert_eq!(check.virtual_size(), Some(4000));
        assert_eq!(check.detected(), Some(DetectedFormat::Raw));
    }

    #[test]
    fn a_mismatch_is_refused_unless_matching_is_off() {
        let mut strict = FormatCheck::new(Some("qcow2"), true);
        let refused = strict.chunk(&[0; 4096]);
        assert!(refused.is_err_and(|m| m.contains("qcow2")));

        let mut lenient = FormatCheck::new(Some("qcow2"), false);
        lenient.chunk(&[0; 4096]).unwrap();
        lenient.end().unwrap();
        assert_eq!(lenient.virtual_size(), None);
        assert_eq!(lenient.detected(), Some(DetectedFormat::Raw));
    }

    #[test]
    fn qcow2_declared_raw_is_refused_at_the_end() {
        let mut check = FormatCheck::new(Some("raw"), true);
        check.chunk(&qcow2_header(1 << 30)).unwrap();
        let refused = check.end();
        assert!(
            refused
                .as_ref()
                .is_err_and(|m| m.contains("raw") && m.contains("qcow2")),
            "{refused:?}"
        );
        assert_eq!(check.virtual_size(), None);
    }
}
