//! An account's use of the image quotas Glance reports at `GET /v2/info/usage` (v2.13):
//! stored data (`image_size_total`, MiB), staged data (`image_stage_total`, MiB), images
//! (`image_count_total`) and images receiving data (`image_count_uploading`). Glint sets no
//! per-account limit on any of them, so each limit is Glance's "unlimited", -1.

/// What Glance answers for a quota without a limit.
pub const UNLIMITED: i64 = -1;

const MIB: u64 = 1 << 20;

/// An account's usage in one region, as counted from its images.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountUsage {
    /// Bytes of data of its images in the store (active or deactivated).
    pub stored_bytes: u64,
    /// Bytes of data staged or being imported.
    pub staged_bytes: u64,
    /// Its live images.
    pub images: u64,
    /// Its images receiving data (saving, uploading, importing, or being copied).
    pub uploading: u64,
}

impl AccountUsage {
    /// Each quota's name, usage and limit, in Glance's units (sizes in whole MiB, rounded down).
    pub fn quotas(&self) -> [(&'static str, u64, i64); 4] {
        [
            ("image_size_total", self.stored_bytes / MIB, UNLIMITED),
            ("image_stage_total", self.staged_bytes / MIB, UNLIMITED),
            ("image_count_total", self.images, UNLIMITED),
            ("image_count_uploading", self.uploading, UNLIMITED),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_whole_mebibytes_and_nothing_is_limited() {
        let usage = AccountUsage {
            stored_bytes: 3 * MIB - 1,
            staged_bytes: MIB,
            images: 4,
            uploading: 1,
        };
        assert_eq!(
            usage.quotas(),
            [
                ("image_size_total", 2, -1),
                ("image_stage_total", 1, -1),
                ("image_count_total", 4, -1),
                ("image_count_uploading", 1, -1),
            ]
        );
    }
}
