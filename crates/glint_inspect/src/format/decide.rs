//! The verdict: from every format that recognised the data, and the declared `disk_format`,
//! to an accepted [`Inspection`] or a [`Refusal`].
//!
//! Safety is judged before the format match, so an unsafe image is refused as unsafe whatever
//! it was declared as, and even when mismatches are tolerated.

use super::{Candidate, DetectedFormat, Inspection, Refusal};

/// What the probes found in the stream.
pub(crate) struct Found {
    pub(crate) candidates: Vec<Candidate>,
    /// The VHD footer is only at the end: its data is a raw disk that may itself look like an
    /// MBR or an ISO, and those readings are of the content, not of the file.
    pub(crate) fixed_vhd: bool,
    pub(crate) qed: bool,
    pub(crate) size: u64,
}

/// Declared formats whose content can be recognised; anything else (ami, aki, ari, ploop…)
/// can only be told apart from those.
const INSPECTABLE: [&str; 8] = ["raw", "qcow2", "vmdk", "vhd", "vhdx", "vdi", "iso", "gpt"];

pub(crate) fn decide(
    declared: Option<&str>,
    require_match: bool,
    found: Found,
) -> Result<Inspection, Refusal> {
    if found.qed {
        return Err(Refusal::unsafe_image(&[
            "the qed format is not allowed".to_owned()
        ]));
    }
    let size = found.size;
    let mut candidate = single(found)?;
    let detected = candidate.format;
    let partitioned = matches!(detected, DetectedFormat::Gpt | DetectedFormat::Mbr);
    let rich = !partitioned && !matches!(detected, DetectedFormat::Raw | DetectedFormat::Iso);

    let accepted_size = match declared {
        None => Some(candidate.virtual_size),
        Some("raw") => (!rich).then_some(Some(size)),
        Some("gpt") => partitioned.then_some(Some(size)),
        Some(d) if INSPECTABLE.contains(&d) => {
            (d == detected.name()).then_some(candidate.virtual_size)
        }
        Some(_) => {
            // Not an inspectable format: raw-looking data is fine, and a kernel or ramdisk may
            // carry an intentionally invalid boot sector, so the MBR rules do not apply.
            if partitioned {
                candidate.problems.clear();
            }
            (!rich && detected != DetectedFormat::Iso).then_some(None)
        }
    };
    if !candidate.problems.is_empty() {
        return Err(Refusal::unsafe_image(&candidate.problems));
    }
    match (accepted_size, declared) {
        (Some(virtual_size), _) => Ok(Inspection {
            detected,
            virtual_size,
            size,
        }),
        (None, Some(d)) if require_match => Err(Refusal::mismatch(format!(
            "Image disk_format {d} does not match stream data {detected}"
        ))),
        (None, _) => Ok(Inspection {
            detected,
            virtual_size: None,
            size,
        }),
    }
}

/// Settles on one reading: none means raw; an ISO with a boot sector is an ISO; a fixed VHD
/// is a VHD whatever its content looks like; any other pair is refused.
fn single(found: Found) -> Result<Candidate, Refusal> {
    let mut candidates = found.candidates;
    if found.fixed_vhd {
        candidates.retain(|c| {
            !matches!(
                c.format,
                DetectedFormat::Gpt | DetectedFormat::Mbr | DetectedFormat::Iso
            )
        });
    }
    let has_iso = candidates.iter().any(|c| c.format == DetectedFormat::Iso);
    if has_iso && candidates.len() == 2 {
        candidates.retain(|c| !matches!(c.format, DetectedFormat::Gpt | DetectedFormat::Mbr));
    }
    match candidates.len() {
        0 => Ok(Candidate {
            format: DetectedFormat::Raw,
            virtual_size: Some(found.size),
            problems: Vec::new(),
        }),
        1 => Ok(candidates.remove(0)),
        _ => {
            let names: Vec<&str> = candidates.iter().map(|c| c.format.name()).collect();
            Err(Refusal::unsafe_image(&[format!(
                "multiple formats detected: {}",
                names.join(",")
            )]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(formats: &[DetectedFormat], problems: &[&str]) -> Found {
        Found {
            candidates: formats
                .iter()
                .map(|f| Candidate {
                    format: *f,
                    virtual_size: Some(42),
                    problems: problems.iter().map(|p| (*p).to_owned()).collect(),
                })
                .collect(),
            fixed_vhd: false,
            qed: false,
            size: 1000,
        }
    }

    use DetectedFormat::*;

    #[test]
    fn declared_formats_accept_their_own_data() {
        let ok = |declared, formats: &[DetectedFormat]| {
            decide(Some(declared), true, found(formats, &[]))
        };
        assert_eq!(ok("raw", &[]).unwrap().virtual_size, Some(1000));
        assert_eq!(ok("raw", &[Gpt]).unwrap().detected, Gpt);
        assert_eq!(ok("raw", &[Iso, Mbr]).unwrap().detected, Iso);
        assert_eq!(ok("iso", &[Iso, Gpt]).unwrap().virtual_size, Some(42));
        assert_eq!(ok("qcow2", &[Qcow2]).unwrap().virtual_size, Some(42));
        assert_eq!(ok("ami", &[]).unwrap().virtual_size, None);
        assert_eq!(ok("aki", &[Mbr]).unwrap().detected, Mbr);
    }

    #[test]
    fn names_parse_back() {
        for f in [Raw, Qcow2, Vmdk, Vhd, Vhdx, Vdi, Iso, Gpt, Mbr] {
            assert_eq!(f.name().parse::<DetectedFormat>(), Ok(f));
        }
        assert!("ami".parse::<DetectedFormat>().is_err());
    }

    #[test]
    fn mismatches_are_refused_only_when_required() {
        let refused = decide(Some("qcow2"), true, found(&[], &[])).unwrap_err();
        assert_eq!(
            refused.message,
            "Image disk_format qcow2 does not match stream data raw"
        );
        assert_eq!(refused.kind, super::super::RefusalKind::Mismatch);
        let raw_qcow2 = decide(Some("raw"), true, found(&[Qcow2], &[])).unwrap_err();
        assert_eq!(
            raw_qcow2.message,
            "Image disk_format raw does not match stream data qcow2"
        );
        let tolerated = decide(Some("qcow2"), false, found(&[], &[])).unwrap();
        assert_eq!((tolerated.detected, tolerated.virtual_size), (Raw, None));
    }

    #[test]
    fn unsafe_beats_everything() {
        let r = decide(
            Some("vmdk"),
            false,
            found(&[Qcow2], &["qcow2 image has a backing file"]),
        );
        assert_eq!(
            r.unwrap_err().message,
            "Image failed safety checks: qcow2 image has a backing file"
        );
        let two = decide(None, true, found(&[Qcow2, Vhd], &[])).unwrap_err();
        assert_eq!(
            two.message,
            "Image failed safety checks: multiple formats detected: qcow2,vhd"
        );
        let qed = Found {
            qed: true,
            ..found(&[], &[])
        };
        assert!(decide(Some("raw"), true, qed).is_err());
    }
}
